"""The demo bank: counts, valid identifiers, roll-ups, search, idempotency, logins, ciphertext."""

import os
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from stdnum import luhn
from stdnum.cn import ric, uscc

from bankcrm.audit.models import AuditEvent
from bankcrm.common import crypto, identifiers
from bankcrm.common.text import pinyin_keys
from bankcrm.customers.models import Consent, Customer, LifecycleEvent, Relationship
from bankcrm.customers.selectors import CustomerFilters, customer_search
from bankcrm.demo import data
from bankcrm.demo import mfa as demo_mfa
from bankcrm.demo.bank import DEMO_LOGINS, DEMO_PASSWORD
from bankcrm.demo.load import seed
from bankcrm.interactions.models import Interaction, Task
from bankcrm.org.models import Branch, Staff
from bankcrm.org.roles import Role
from bankcrm.products.models import Holding, Product
from bankcrm.products.services import customer_rollup

N = 300


def _eighteenth_birthday(birth: date) -> date:
    try:
        return birth.replace(year=birth.year + 18)
    except ValueError:  # born on 29 February
        return date(birth.year + 18, 3, 1)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One demo bank of N customers for the module, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        result = seed(customers=N, progress=False, analyze=False)
        yield result
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    models = (Customer, Holding, Relationship, LifecycleEvent, Consent, Interaction, Task)
    out = {m.__name__: m.objects.count() for m in models}
    out.update(
        tags=Customer.tags.through.objects.count(),
        staff=Staff.objects.count(),
        branches=Branch.objects.count(),
        products=Product.objects.count(),
    )
    return out


def test_the_bank_has_its_hierarchy_staff_and_customers(demo, db):
    # then
    assert demo.created == N
    assert Customer.objects.count() == N
    levels = Counter(Branch.objects.values_list("level", flat=True))
    sub_branches = sum(len(c.districts) for c in data.CITIES)
    assert levels == {0: 1, 1: len(data.CITIES), 2: sub_branches}
    assert 3 <= min(len(c.districts) for c in data.CITIES)
    assert max(len(c.districts) for c in data.CITIES) <= 6
    assert set(Staff.objects.values_list("role", flat=True)) == set(Role.values)
    assert set(Staff.objects.values_list("language", flat=True)) == {"zh-hans"}
    kinds = Counter(Customer.objects.values_list("kind", flat=True))
    assert 0.03 * N <= kinds["corporate"] <= 0.12 * N
    assert Product.objects.count() == len(data.PRODUCTS)
    # every customer has at least one lifecycle event, ending at its current stage
    for customer in Customer.objects.all():
        last = customer.lifecycle_events.order_by("-at", "-id").first()
        assert last is not None and last.to_stage == customer.lifecycle_stage
    # prospects hold nothing yet; every other customer holds 1–6 products
    per_customer = Counter(Holding.objects.values_list("customer_id", flat=True))
    for customer in Customer.objects.all():
        if customer.lifecycle_stage == "prospect":
            assert per_customer[customer.pk] == 0
        else:
            assert 1 <= per_customer[customer.pk] <= 6
    assert Relationship.objects.filter(kind="household").count() >= 0.1 * N
    assert Interaction.objects.exists() and Task.objects.filter(status="open").exists()


def test_every_identifier_is_valid_normalised_and_indexed(demo, db):
    # given
    customers = list(Customer.objects.all())
    # then
    for c in customers:
        assert c.number == identifiers.customer_number_for(c.pk)
        assert c.id_number_bidx == crypto.blind_index("id_number", c.id_number)
        if c.kind == "individual":
            checked = identifiers.resident_id(c.id_number)
            assert checked.value == c.id_number and checked.warnings == []
            assert ric.get_birth_date(c.id_number) == c.birth_date
            assert date(1940, 1, 1) <= c.birth_date <= date(2006, 12, 31)
            assert int(c.id_number[16]) % 2 == (1 if c.gender == "M" else 0)
            city = next(x for x in data.CITIES if x.city == c.city)
            codes = {d.code for d in city.districts} | set(city.older_codes)
            assert c.id_number[:6] in codes
        else:
            assert c.id_type == "uscc" and uscc.is_valid(c.id_number)
        if c.mobile:
            assert identifiers.mobile(c.mobile).value == c.mobile
            assert c.mobile_bidx == crypto.blind_index("mobile", c.mobile)
        if c.email:
            assert identifiers.email(c.email).value == c.email
            assert c.email_bidx == crypto.blind_index("email", c.email)
        assert (c.name_pinyin, c.name_initials) == pinyin_keys(c.name)
    assert sum(1 for c in customers if c.mobile) >= 0.9 * N
    assert len({c.id_number for c in customers}) == N
    assert len({c.mobile for c in customers if c.mobile}) == sum(1 for c in customers if c.mobile)


def test_every_mobile_prefix_is_a_valid_mobile_range():
    for prefix, _weight in data.MOBILE_PREFIXES:
        for tail in ("00000000", "12345678", "99999999"):
            assert identifiers.mobile(prefix + tail).value == f"+86{prefix}{tail}"


def test_holdings_have_valid_numbers_and_plausible_dates(demo, db):
    # given
    holdings = list(Holding.objects.select_related("product", "customer"))
    # then
    numbers = [h.account_number for h in holdings]
    assert len(set(numbers)) == len(numbers)
    for h in holdings:
        assert h.account_number_bidx == crypto.blind_index("account_number", h.account_number)
        if h.product.type == "credit_card":
            assert len(h.account_number) == 16 and luhn.is_valid(h.account_number)
        else:
            assert len(h.account_number) == 19 and h.account_number.isdigit()
        assert h.balance >= 0
        assert h.currency == h.product.currency
        assert h.branch_id == h.customer.branch_id
        assert h.matures_on is None or h.matures_on >= h.opened_on
        if h.product.type in ("time_deposit", "personal_loan", "mortgage"):
            assert h.matures_on is not None
        birth = h.customer.birth_date
        if birth:
            assert h.opened_on >= _eighteenth_birthday(birth)
        if h.product.type == "mortgage":
            age = h.customer.age
            assert 28 <= age <= 55 and Decimal(300_000) <= h.balance <= Decimal(3_000_000)


def test_aum_and_liabilities_equal_the_rollup_of_active_holdings(demo, db):
    # given
    sample = list(Customer.objects.order_by("pk").values_list("pk", "aum", "liabilities")[::7])
    assert any(aum > 0 for _pk, aum, _l in sample)
    assert any(liabilities > 0 for _pk, _a, liabilities in sample)
    # when
    for pk, _aum, _liabilities in sample:
        customer_rollup(customer_id=pk)
    # then
    recomputed = dict(
        (pk, (aum, liabilities))
        for pk, aum, liabilities in Customer.objects.filter(
            pk__in=[s[0] for s in sample]
        ).values_list("pk", "aum", "liabilities")
    )
    assert recomputed == {pk: (aum, liabilities) for pk, aum, liabilities in sample}


def test_search_finds_seeded_customers_by_mobile_id_name_and_pinyin(demo, db):
    # given
    analyst = Staff.objects.get(username="analyst")
    rm = Staff.objects.get(username="rm")
    mine = Customer.objects.filter(rm=rm, kind="individual").exclude(mobile_bidx="").first()
    other = Customer.objects.exclude(rm=rm).exclude(mobile_bidx="").first()
    assert mine is not None and other is not None
    queries = {
        "mobile": mine.mobile.removeprefix("+86"),
        "id": mine.id_number,
        "name": mine.name,
        "pinyin": mine.name_pinyin[:4],
        "initials": mine.name_initials,
    }
    for actor in (analyst, rm):
        for kind, query in queries.items():
            # when
            found = customer_search(actor=actor, filters=CustomerFilters(query=query))
            # then
            assert found.filter(pk=mine.pk).exists(), (actor.username, kind)
    # an RM does not find another RM's customer, even by exact mobile
    query = CustomerFilters(query=other.mobile.removeprefix("+86"))
    assert list(customer_search(actor=analyst, filters=query)) == [other]
    assert list(customer_search(actor=rm, filters=query)) == []


def test_every_demo_login_signs_in_with_its_role(demo, db, client):
    # then
    assert {login.role for login in DEMO_LOGINS} == set(Role.values)
    for login in DEMO_LOGINS:
        staff = Staff.objects.select_related("branch").get(username=login.username)
        assert staff.role == login.role and staff.branch.code == login.branch_code
        # password, then the published DEMO ONLY authenticator code (demo/mfa.py)
        signed_in = client.post(
            reverse("login"), {"username": login.username, "password": DEMO_PASSWORD}
        )
        assert signed_in.status_code == 302
        if signed_in["Location"].startswith(reverse("mfa_verify")):
            verified = client.post(reverse("mfa_verify"), {"code": demo_mfa.demo_code()})
            assert verified.status_code == 302, login.username
        assert client.get(reverse("workbench")).status_code == 200, login.username
        client.post(reverse("logout"))
    rm = Staff.objects.get(username="rm")
    assert rm.branch.name == "朝阳支行" and rm.branch.parent.name == "北京分行"
    assert Customer.objects.filter(rm=rm).count() >= 3
    assert len(DEMO_PASSWORD) >= 12


def test_reseeding_adds_nothing_and_a_larger_run_adds_only_the_missing(demo, db):
    # given
    before = _counts()
    snapshot = list(Customer.objects.order_by("pk").values_list("pk", "name", "id_number_bidx"))
    audits = AuditEvent.objects.count()
    # when
    again = seed(customers=N, progress=False, analyze=False)
    # then
    assert again.created == 0 and _counts() == before
    assert AuditEvent.objects.count() == audits + 1
    assert AuditEvent.objects.order_by("-id").first().action == "demo.seed"
    # when
    more = seed(customers=N + 150, progress=False, analyze=False)
    # then
    assert more.created == 150
    assert Customer.objects.count() == N + 150
    assert set(Customer.objects.values_list("pk", flat=True)) == set(range(1, N + 151))
    assert (
        list(
            Customer.objects.filter(pk__lte=N)
            .order_by("pk")
            .values_list("pk", "name", "id_number_bidx")
        )
        == snapshot
    )
    after = _counts()
    assert after["branches"] == before["branches"] and after["products"] == before["products"]
    assert Staff.objects.values("username").distinct().count() == after["staff"]
    assert len(set(Customer.objects.values_list("id_number_bidx", flat=True))) == N + 150
    assert AuditEvent.objects.count() == audits + 2  # one event per run, none per row


def test_demo_logins_have_the_demo_authenticator_except_in_production(demo, db, settings):
    # given
    from bankcrm.org.models import Authenticator

    devices = Authenticator.objects.filter(name=demo_mfa.DEMO_DEVICE_NAME, confirmed=True)
    # then
    assert set(devices.values_list("user__username", flat=True)) == {
        login.username for login in DEMO_LOGINS
    }
    # when: with the production setting, nothing is enrolled and nothing printed
    settings.DEMO_MFA_ALLOWED = False
    devices.delete()
    assert demo_mfa.ensure_demo_devices([login.username for login in DEMO_LOGINS]) == 0
    out = StringIO()
    call_command("demo_logins", stdout=out)
    # then
    assert demo_mfa.DEMO_TOTP_SECRET not in out.getvalue()
    assert not Authenticator.objects.filter(name=demo_mfa.DEMO_DEVICE_NAME).exists()


def test_demo_logins_prints_every_login_with_its_password(demo, db):
    # when
    out = StringIO()
    call_command("demo_logins", stdout=out)
    # then
    text = out.getvalue()
    for login in DEMO_LOGINS:
        assert login.username in text
    assert DEMO_PASSWORD in text
    assert "朝阳支行" in text and "Chaoyang sub-branch" in text
    assert "DEMO ONLY" in text and demo_mfa.DEMO_TOTP_SECRET in text


def test_the_sqlite_file_holds_no_plaintext_id_or_mobile_of_seeded_customers(tmp_path):
    # given: a fresh file database, migrated and seeded by the real commands
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BANKCRM_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="bankcrm.config.settings",
        BANKCRM_VAR_DIR=str(tmp_path),
        BANKCRM_FIELD_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        BANKCRM_INDEX_KEY=settings.BLIND_INDEX_KEY,
    )
    for args in (
        ("migrate", "--noinput", "-v0"),
        ("seed_demo", "--customers", "120", "--no-progress"),
    ):
        result = subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "bankcrm.manage", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    path = tmp_path / "bankcrm.sqlite3"
    db_file = sqlite3.connect(path)
    rows = db_file.execute(
        "SELECT name, id_number, mobile, email FROM customers_customer"
    ).fetchall()
    accounts = db_file.execute("SELECT account_number FROM products_holding").fetchall()
    db_file.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db_file.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("bankcrm.sqlite3*"))
    # then: names are in the file (the scan works), protected values are not
    assert len(rows) == 120
    assert rows[0][0].encode() in raw
    for _name, id_number, mobile, email in rows:
        plain_id = crypto.decrypt(id_number)
        assert plain_id.encode() not in raw
        assert plain_id[:14].encode() not in raw  # area code and birth date
        if mobile:
            plain_mobile = crypto.decrypt(mobile)
            assert plain_mobile.encode() not in raw
            assert plain_mobile.removeprefix("+86").encode() not in raw
        if email:
            assert crypto.decrypt(email).encode() not in raw
    for (token,) in accounts:
        assert crypto.decrypt(token).encode() not in raw
