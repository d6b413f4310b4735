"""Second-factor helpers for tests: enrol a staff member, compute their current code, sign in
through the real pages (password, then code)."""

import re
import time

from django.urls import reverse
from django_otp.oath import TOTP

from bankcrm.org.models import Authenticator
from tests.factories import PASSWORD


def enrol(staff) -> Authenticator:
    """A confirmed authenticator for `staff` (the one they have, or a new one)."""
    device = Authenticator.objects.filter(user=staff, confirmed=True).first()
    return device or Authenticator.objects.create(user=staff, name="test", confirmed=True)


def code(device: Authenticator, *, steps_ahead: int = 0) -> str:
    """The six-digit code the authenticator shows now (or `steps_ahead` steps of 30 s later)."""
    device.refresh_from_db()
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time() + steps_ahead * device.step
    return f"{generator.token():0{device.digits}d}"


def fresh_code(device: Authenticator) -> str:
    """A code the device has not accepted yet (the next step's, if this step's is used up)."""
    device.refresh_from_db()
    now_t = (int(time.time()) - device.t0) // device.step
    return code(device, steps_ahead=1 if device.last_t >= now_t else 0)


def enrolment_code(mailoutbox) -> str:
    """The set-up code of the latest message, once the worker has sent what is queued (the test
    needs `django_db(transaction=True)`)."""
    from tests.worker import run_worker

    run_worker()
    return re.search(r"^\s+(\d{8})$", mailoutbox[-1].body, re.MULTILINE).group(1)


def sign_in(client, staff, *, password: str = PASSWORD):
    """Password, then the authenticator code, through the real sign-in pages."""
    device = enrol(staff)
    response = client.post(reverse("login"), {"username": staff.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    response = client.post(reverse("mfa_verify"), {"code": fresh_code(device)})
    assert response.status_code == 302, response.content.decode()[:500]
    return response
