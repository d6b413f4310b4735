"""Helpers for the REST API tests: a client that calls /api/v1/ with a staff member's token."""

import json
from typing import Any

from django.test import Client

from bankcrm.org.models import Staff
from bankcrm.org.services import api_token_create


class Api:
    """Calls the API as `staff` through a real token (issued by the real service)."""

    def __init__(self, staff: Staff) -> None:
        self.staff = staff
        self.record, self.token = api_token_create(staff=staff, name=f"tests {staff.username}")
        self.client = Client(headers={"Authorization": f"Bearer {self.token}"})

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api/v1{path}", params or {})

    def post(self, path: str, body: Any = None):
        return self.client.post(
            f"/api/v1{path}", data=json.dumps(body or {}), content_type="application/json"
        )

    def patch(self, path: str, body: Any):
        return self.client.patch(
            f"/api/v1{path}", data=json.dumps(body), content_type="application/json"
        )


def field_codes(response) -> dict[str, list[str]]:
    """The machine codes of a 422 body's field errors: {"mobile": ["invalid"]}."""
    return {field: [e["code"] for e in errs] for field, errs in response.json()["errors"].items()}
