"""Staff e-mail, sent by the background worker (`bankcrm db_worker`), never inside a request.

Sending in the request would make a page answer slower when a message goes out (an existing
account) than when none does, which tells an attacker timing the answers which addresses have
an account. The request only queues one task, the same for every address. The task row is
written in the request's transaction (a transactional outbox: no message for a change that
rolled back) and survives a mail server that is down: the worker retries it.

What a task carries is sealed with the field keys (common/crypto.py): a reset address typed by
anyone, a set-up code and the rendered message are never stored in clear in the task table.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django_tasks import task

from bankcrm.common import crypto


@task()
def staff_mail_send(staff_id: int, sealed_subject: str, sealed_body: str) -> int:
    """Send one message to a staff member's current address. Returns messages sent (0 or 1)."""
    from bankcrm.org.models import Staff

    staff = Staff.objects.filter(pk=staff_id, is_active=True).first()
    if staff is None or not staff.email:
        return 0
    message = EmailMessage(
        subject=crypto.decrypt(sealed_subject),
        body=crypto.decrypt(sealed_body),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[staff.email],
    )
    return message.send()


@task()
def password_reset_send(sealed_email: str, domain: str, use_https: bool, language: str) -> int:
    """Django's reset message to every active account with this address (usually one, often
    none). Each message sent is audited (`auth.password_reset_request`, in the form)."""
    from bankcrm.org.forms import StaffPasswordResetForm

    form = StaffPasswordResetForm({"email": crypto.decrypt(sealed_email)})
    if not form.is_valid():
        return 0
    with translation.override(language):
        return form.deliver(domain=domain, use_https=use_https)
