import pytest

from tests import factories


@pytest.fixture
def bank(db) -> factories.Bank:
    return factories.Bank()


@pytest.fixture
def customer(bank):
    """A customer of the Chaoyang sub-branch, in `bank.rm`'s book."""
    return factories.customer(
        actor=bank.rm,
        name="张三丰",
        mobile="13800138000",
        id_number="11010519491231002X",
        email="sanfeng@example.cn",
    )


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
        or (marker and marker.kwargs.get("transaction"))
    )


@pytest.fixture(autouse=True)
def _audit_append_only_guard(request):
    """Tests that commit (live server, transaction=True) end with Django flushing every table,
    which the audit table's append-only triggers rightly refuse. Lift the guard for that flush
    only; it is back before the next such test starts."""
    if not _is_transactional(request):
        yield
        return
    import importlib

    from django.db import connection

    migration = importlib.import_module("bankcrm.audit.migrations.0002_append_only")
    with connection.schema_editor(atomic=False) as editor:
        migration.backwards(None, editor)
        migration.forwards(None, editor)
    yield
    with connection.schema_editor(atomic=False) as editor:
        migration.backwards(None, editor)


# Rows that data migrations write: (app, migration, function). A committing test ends with a
# flush of every table, so the committing tests after it would find them gone.
REFERENCE_DATA = [
    ("service", "0002_reference_data", "seed"),  # categories, SLA targets, working calendar
    ("sales", "0002_default_pipelines", "create"),  # product lines and their stages
]


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Put the data migrations' rows back before a committing test (they are idempotent)."""
    if not _is_transactional(request):
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    for app, migration, function in REFERENCE_DATA:
        module = importlib.import_module(f"bankcrm.{app}.migrations.{migration}")
        getattr(module, function)(apps, None)


# No personal data in the log output of the whole suite (tests/log_guard.py).
from tests.log_guard import (  # noqa: E402, F401
    _collect_seeded_personal_data,
    pytest_sessionfinish,
    pytest_sessionstart,
    pytest_terminal_summary,
)


@pytest.fixture(autouse=True)
def _force_login_includes_the_second_factor(monkeypatch):
    """`client.force_login(staff)` skips the password; it now skips the second factor too, as
    if the staff member had entered a code (a confirmed authenticator is made when they have
    none). Tests of the sign-in itself post to the real pages instead (tests/mfa.py)."""
    from django.test.client import ClientMixin
    from django_otp import DEVICE_ID_SESSION_KEY

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from tests.mfa import enrol

        session = self.session
        session[DEVICE_ID_SESSION_KEY] = enrol(user).persistent_id
        session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login)
