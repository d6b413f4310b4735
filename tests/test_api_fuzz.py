"""Schemathesis against the OpenAPI document of a live test server, with a real API token.

Every operation gets generated requests three times: valid requests with generated path ids
(mostly missing objects), valid requests with the ids of a real customer, holding, interaction
and task (so bodies reach the services), and invalid requests (schemathesis's negative mode).
Every response must come without a server error, with a documented status code and content
type, and match its documented schema. The number of examples is capped and the generation is
deterministic, so the run is the same on every machine and stays short; the count of cases is
printed and recorded in docs/security.md.
"""

import re
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from bankcrm.interactions.services import interaction_create, task_create
from bankcrm.org.services import api_token_create
from bankcrm.products.models import ProductType
from bankcrm.products.services import holding_create
from bankcrm.segments.models import Segment
from bankcrm.surveys.models import Survey
from tests import factories
from tests.api_support import Api, field_codes

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _seed() -> tuple[str, dict[str, int]]:
    bank = factories.Bank()
    customer = factories.customer(actor=bank.rm, name="张三丰", mobile="13800138000")
    product = factories.product(type=ProductType.DEMAND_DEPOSIT, code="DEP01")
    holding = holding_create(
        actor=bank.rm,
        customer=customer,
        product=product,
        account_number="6222000000001111",
        balance=Decimal("5000.00"),
        opened_on=date(2024, 1, 1),
    )
    interaction = interaction_create(actor=bank.rm, customer=customer, channel="call", subject="x")
    task = task_create(
        actor=bank.rm, customer=customer, assignee=bank.rm, title="回访", due_date=date(2030, 1, 1)
    )
    # A segment of the RM's, stored as it is (its refresh reads the test run's warehouse).
    segment = Segment.objects.create(
        name="女性",
        definition={"op": "and", "conditions": [{"field": "gender", "op": "in", "value": ["F"]}]},
        owner=bank.rm,
        branch=bank.rm.branch,
    )
    # A satisfaction survey about one of the customer's cases (the survey operations).
    survey = Survey.objects.create(
        customer=customer,
        about_type="case",
        about_id=1,
        staff=bank.agent,
        branch=bank.beijing,
        token_digest="0" * 64,
        expires_at=timezone.now() + timedelta(days=14),
    )
    # A complaint of the customer's (the service case operations).
    from bankcrm.service.models import Category
    from bankcrm.service.services import case_create

    case = case_create(
        actor=bank.agent,
        customer=customer,
        kind="complaint",
        channel="phone",
        category=Category.objects.get(code="card-fraud"),
        subject="信用卡被盗刷",
    )
    # A lead in the Chaoyang pool and an opportunity of the RM's (the sales operations).
    from bankcrm.sales.models import ProductLine
    from bankcrm.sales.services import LeadData, lead_create, opportunity_create

    lead = lead_create(
        actor=bank.agent,
        data=LeadData(
            source="walk_in",
            branch=bank.chaoyang,
            prospect_name="王五",
            prospect_mobile="13800138002",
        ),
        auto_assign=False,
    )
    opportunity = opportunity_create(
        actor=bank.rm,
        customer=customer,
        line=ProductLine.objects.get(code="mortgage"),
        name="按揭",
        amount=Decimal("800000.00"),
        expected_close=date(2030, 1, 1),
    )
    # A published knowledge article (the knowledge base operations).
    from bankcrm.knowledge.services import article_approve, article_create, article_submit

    article = article_create(actor=bank.bj_manager, title_zh="挂失", body_zh="请立即挂失。")
    article = article_submit(actor=bank.bj_manager, article=article, version=article.version)
    article = article_approve(actor=bank.admin, article=article, version=article.version)
    # The Beijing manager may do almost everything the API offers, on this customer too.
    _record, token = api_token_create(staff=bank.bj_manager, name="schemathesis")
    ids = {
        "customer_id": customer.pk,
        "holding_id": holding.pk,
        "interaction_id": interaction.pk,
        "task_id": task.pk,
        "article_id": article.pk,
        "segment_id": segment.pk,
        "survey_id": survey.pk,
        "lead_id": lead.pk,
        "opportunity_id": opportunity.pk,
        "case_id": case.pk,
    }
    return token, ids


def _fuzz(strategy, *, base_url: str, headers: dict) -> int:
    """Run up to MAX_EXAMPLES generated cases, deterministically; return how many ran."""
    ran = 0

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        nonlocal ran
        ran += 1
        response = case.call(base_url=base_url, headers=headers)
        case.validate_response(response, checks=CHECKS)

    run()
    return ran


@pytest.mark.django_db(transaction=True)
def test_generated_requests_never_fail_the_server_or_the_schema(live_server, capsys):
    # given
    token, ids = _seed()
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    cases: dict[str, int] = {}
    failures: list[str] = []
    variants = 0
    started = time.monotonic()

    # when
    for result in schema.get_all_operations():
        operation = result.ok()
        names = re.findall(r"\{(\w+)\}", operation.path)
        real = {name: ids[name] for name in names} or None
        for variant, mode, path_parameters in (
            ("generated ids", GenerationMode.POSITIVE, None),
            ("real ids", GenerationMode.POSITIVE, real),
            ("invalid input", GenerationMode.NEGATIVE, real),
        ):
            if variant == "real ids" and not names:
                continue
            variants += 1
            label = f"{operation.label} ({variant})"
            strategy = operation.as_strategy(mode, path_parameters=path_parameters)
            try:
                cases[label] = _fuzz(strategy, base_url=live_server.url, headers=headers)
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure
                lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
                failures.append(f"{label}: {' | '.join(lines[:8])}")
    elapsed = time.monotonic() - started

    # then
    with capsys.disabled():
        print(
            f"\nschemathesis: {sum(cases.values())} cases over {len(cases)} operation variants "
            f"in {elapsed:.0f} s"
        )
    assert failures == []
    # every operation ran: generated ids and invalid input for each, real ids where it has ids
    assert len(cases) == variants >= 55


def test_null_characters_are_refused_not_a_server_error(bank, customer):
    # given: what schemathesis sent on PostgreSQL, which cannot store a NUL character
    api = Api(bank.rm)
    # when
    patch = api.patch(f"/customers/{customer.pk}", {"version": 1, "city": "北\x00京"})
    listed = api.get("/customers", {"q": "张\x00"})
    task = api.post(f"/customers/{customer.pk}/tasks", {"title": "a\x00", "due_date": "2030-01-01"})
    # then
    assert [r.status_code for r in (patch, listed, task)] == [422, 422, 422]
    assert field_codes(patch) == {"city": ["null_characters_not_allowed"]}
    assert field_codes(listed) == {"q": ["null_characters_not_allowed"]}
    assert field_codes(task) == {"title": ["null_characters_not_allowed"]}
