"""The operational sync (changed customers only), the transaction hook and its worker."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from bankcrm.analytics import hooks, live, tables
from bankcrm.analytics.models import AccountBalance, HookCursor, LakeFile
from bankcrm.customers.services import customer_assign
from bankcrm.integration.services import extracts_ingest, warehouse_sync
from bankcrm.integration.tasks import maintenance_schedule
from tests.analytics.conftest import ALICE_CURRENT, ALICE_SAVINGS, BOB_CURRENT

pytestmark = pytest.mark.django_db


def _customers():
    t = tables.table("customers")
    return {r["customer_id"]: r for r in tables.to_arrow(t).to_pylist()}


def _load(tmp_path, rows, name="t.csv"):
    path = tmp_path / name
    path.write_text(
        "id,account,booked_at,amount,balance_after,channel,category\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return extracts_ingest(
        feed="transactions", paths=[str(path)], rejects_path=tmp_path / f"{name}.rejects"
    )


def test_sync_copies_only_changed_customers_including_audited_changes(bank, accounts):
    # given both customers already synced (by the fixture), and nothing changed since
    alice, bob = accounts["alice"], accounts["bob"]
    quiet = warehouse_sync()
    files_before = LakeFile.objects.filter(table="customers").count()

    # when Bob is reassigned (a change that does not touch updated_at, but is audited)
    customer_assign(actor=bank.bj_manager, customer=bob, rm=bank.other_rm)
    from bankcrm.integration import services

    # ... and the re-read window is closed so only real changes come back
    services.SYNC_OVERLAP = services.timedelta(0)
    try:
        changed = warehouse_sync()
    finally:
        services.SYNC_OVERLAP = services.timedelta(minutes=5)

    # then that sync wrote Bob alone, and the snapshot shows his new RM
    assert quiet.rows["customers"] == 2  # the five-minute overlap re-reads recent rows
    assert changed.rows["customers"] == 1
    assert LakeFile.objects.filter(table="customers").count() == files_before + 1
    snapshot = _customers()
    assert snapshot[bob.pk]["rm_id"] == bank.other_rm.pk
    assert snapshot[alice.pk]["rm_id"] == bank.rm.pk
    assert len(snapshot) == 2  # one current version per customer


def test_the_hook_delivers_each_committed_row_once_and_keeps_live_balances(accounts, tmp_path):
    # given a subscriber that records what it is handed, and two loads
    seen = []

    @hooks.subscribe("test_recorder", table="transactions")
    def record(batch):
        seen.append(sorted(r["id"] for r in tables.to_arrow(batch.rows()).to_pylist()))

    try:
        _load(
            tmp_path,
            [
                f"H1,{ALICE_CURRENT},2024-05-01 09:00:00,100.00,1100.00,mobile,transfer_in",
                f"H2,{ALICE_CURRENT},2024-05-02 09:00:00,-30.00,1070.00,pos,consumption",
                f"H3,{BOB_CURRENT},2024-05-02 10:00:00,-5.00,995.00,atm,cash_withdrawal",
            ],
        )
        first = hooks.deliver()
        again = hooks.deliver()
        _load(
            tmp_path,
            [f"H4,{ALICE_SAVINGS},2024-05-03 09:00:00,10.00,510.00,online,interest"],
            name="u.csv",
        )
        later = hooks.deliver()
    finally:
        hooks._subscribers.pop("test_recorder")

    # then each row went out once, in commit order, and the live balances follow the newest
    assert seen == [["H1", "H2", "H3"], ["H4"]]
    assert first == {"live_balances": 3, "test_recorder": 3}
    assert again == {"live_balances": 0, "test_recorder": 0}
    assert later == {"live_balances": 1, "test_recorder": 1}
    balances = live.live_balances(customer_id=accounts["alice"].pk)
    assert [(b.balance, b.currency) for b in balances] == [
        (Decimal("510.00"), "CNY"),
        (Decimal("1070.00"), "CNY"),
    ]
    assert AccountBalance.objects.get(customer_id=accounts["bob"].pk).balance == Decimal("995.00")
    assert (
        HookCursor.objects.get(name="live_balances").last_file_id
        == LakeFile.objects.filter(table="transactions").latest("pk").pk
    )


@pytest.mark.django_db(transaction=True)
def test_background_worker_runs_the_enqueued_delivery(
    accounts, tmp_path, django_capture_on_commit_callbacks
):
    # given a load whose delivery task is enqueued when its transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        _load(tmp_path, [f"W1,{BOB_CURRENT},2024-06-01 09:00:00,-1.00,999.00,pos,fee"])

    # when the database worker runs what is queued
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    # then the task ran and the live balance is there
    assert AccountBalance.objects.get(customer_id=accounts["bob"].pk).balance == Decimal("999.00")
    from django_tasks_db.models import DBTaskResult

    result = DBTaskResult.objects.get(task_path__endswith="deliver_hooks")
    assert result.status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_maintenance_chain_runs_and_schedules_its_next_run(
    accounts, django_capture_on_commit_callbacks
):
    # given the maintenance chain started
    with django_capture_on_commit_callbacks(execute=True):
        schedule = maintenance_schedule(interval_seconds=3600)

    # when the worker runs the first link
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    # then it ran once and queued the next run an hour later, in the same chain
    from django_tasks_db.models import DBTaskResult

    runs = list(
        DBTaskResult.objects.filter(task_path__endswith="warehouse_maintenance").order_by(
            "enqueued_at"
        )
    )
    assert [r.status for r in runs] == ["SUCCESSFUL", "READY"]
    assert runs[1].args_kwargs["args"] == [str(schedule.chain)]
    gap = (runs[1].run_after - runs[0].finished_at).total_seconds()
    assert 3590 <= gap <= 3600


def test_a_writer_with_a_stale_view_of_the_lake_still_adds_no_duplicate(
    accounts, tmp_path, monkeypatch
):
    # given rows already committed by one load
    rows = [f"C{i},{ALICE_CURRENT},2024-07-0{i} 09:00:00,-1.00,99.00,pos,fee" for i in (1, 2, 3)]
    _load(tmp_path, rows)

    # when a second writer loads the same rows having listed the lake before that commit
    # (it deduplicates against nothing, so only the check under the commit lock can catch it)
    from bankcrm.analytics import ingest

    monkeypatch.setattr(ingest.lake, "last_file_id", lambda table: 0)
    second = _load(tmp_path, rows, name="again.csv")

    # then nothing is added: the commit re-checked against the files committed meanwhile
    assert (second.loaded, second.skipped) == (0, 3)
    stored = tables.to_arrow(tables.table("transactions").select("id")).column("id")
    assert sorted(stored.to_pylist()) == ["C1", "C2", "C3"]


def test_the_snapshot_carries_tags_and_granted_marketing_consents(bank, accounts):
    from bankcrm.analytics import tables
    from bankcrm.customers.models import Tag
    from bankcrm.customers.services import consent_set, customer_update

    alice = accounts["alice"]
    payroll = Tag.objects.create(name="代发工资", name_en="Payroll")
    customer_update(actor=bank.rm, customer=alice, version=alice.version, tags=[payroll])
    for channel in ("sms", "email"):
        consent_set(
            actor=bank.rm,
            customer=alice,
            channel=channel,
            purpose="marketing",
            granted=True,
            source="branch form",
        )
    consent_set(
        actor=bank.rm,
        customer=alice,
        channel="email",
        purpose="marketing",
        granted=False,
        source="phone call",
    )

    # when
    warehouse_sync()

    # then: the newest version lists the tag and the channel still granted
    rows = tables.to_arrow(tables.table("customers")).to_pylist()
    found = {r["customer_id"]: (r["tags"], r["marketing_consents"]) for r in rows}
    assert found[alice.pk] == ([str(payroll.pk)], ["sms"])
    assert found[accounts["bob"].pk] == ([], [])


def test_rotating_the_index_key_leaves_the_warehouse_linked(accounts, settings, tmp_path):
    from django.core.management import call_command

    from bankcrm.analytics import live

    alice = accounts["alice"]
    _load(tmp_path, [f"R1,{ALICE_CURRENT},2026-06-01 09:00:00,-10.00,990.00,pos,fee"])
    hooks.deliver()
    before = {b.account_key for b in live.live_balances(customer_id=alice.pk)}
    # when the operational index key is rotated (and the warehouse synced in full)
    settings.BLIND_INDEX_KEY_PREVIOUS = settings.BLIND_INDEX_KEY
    settings.BLIND_INDEX_KEY = "a-new-index-key-for-this-test"
    call_command("rotate_keys", "--index", "--no-progress")
    warehouse_sync(full=True)
    summary = _load(
        tmp_path,
        [f"R2,{ALICE_CURRENT},2026-06-02 09:00:00,-10.00,980.00,pos,fee"],
        name="after.csv",
    )
    hooks.deliver()
    # then the next extract still finds the account, under the same warehouse key
    assert (summary.loaded, summary.rejected) == (1, 0)
    after = {b.account_key: b.balance for b in live.live_balances(customer_id=alice.pk)}
    assert set(after) == before
    assert after[next(iter(before))] == Decimal("980.00")
