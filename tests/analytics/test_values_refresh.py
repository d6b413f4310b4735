"""`bankcrm refresh_values`: a versioned run of every customer's values, in parts that a
stopped run resumes; segments read the current run."""

from datetime import date

import pytest
from django.core.management import call_command

from bankcrm.analytics import lake, valuation
from bankcrm.analytics.models import ValueRun
from bankcrm.analytics.segments import members, parse
from bankcrm.analytics.services import KEEP_RUNS, values_refresh
from bankcrm.audit.models import AuditEvent
from tests.analytics.conftest import ALICE_CURRENT, BOB_CURRENT
from tests.analytics.test_sync_and_hooks import _load

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)


@pytest.fixture
def history(accounts, tmp_path):
    """Alice spends often and recently; Bob once, long ago."""
    _load(
        tmp_path,
        [
            f"A1,{ALICE_CURRENT},2026-06-20 10:00:00,-300.00,700.00,mobile,consumption",
            f"A2,{ALICE_CURRENT},2026-06-01 10:00:00,-200.00,1000.00,pos,consumption",
            f"A3,{ALICE_CURRENT},2026-05-01 10:00:00,-100.00,1200.00,online,transfer_out",
            f"B1,{BOB_CURRENT},2025-09-01 10:00:00,-50.00,950.00,counter,cash_withdrawal",
        ],
    )
    return accounts


def test_a_refresh_writes_one_versioned_run_in_parts(history):
    alice, bob = history["alice"], history["bob"]
    seen = []
    # when
    run = values_refresh(as_of=AS_OF, part_rows=1, progress=lambda r: seen.append(r.parts_done))
    # then
    assert (run.status, run.customers, run.parts_total) == (ValueRun.Status.DONE, 2, 2)
    assert seen[:2] == [1, 2]
    files = lake.live_files("customer_values", run=run.run_id)
    assert len(files) == 1 and files[0].rows == 2
    assert not valuation.run_dir(run.run_id).exists()  # the parts are cleaned up
    event = AuditEvent.objects.get(action="analytics.values_refresh")
    assert event.changes == {"completed": True, "customers": 2, "as_of": "2026-06-30"}
    # and segments read it: Alice is the more recent, frequent customer
    recent = parse({"op": "and", "conditions": [{"field": "r_score", "op": "gte", "value": 5}]})
    assert members(recent, as_of=AS_OF) == [alice.pk]
    low = parse({"op": "and", "conditions": [{"field": "r_score", "op": "eq", "value": 1}]})
    assert members(low, as_of=AS_OF) == [bob.pk]


def test_a_stopped_refresh_resumes_without_redoing_its_parts(history, monkeypatch):
    # given: a refresh that dies after its parts, before scoring
    def crash(**_kwargs):
        raise RuntimeError("worker stopped")

    with monkeypatch.context() as patched:
        patched.setattr(valuation, "publish", crash)
        with pytest.raises(RuntimeError):
            values_refresh(as_of=AS_OF, part_rows=1)
    failed = ValueRun.objects.get()
    assert (failed.status, failed.error, failed.parts_done) == ("failed", "RuntimeError", 2)
    assert not lake.live_files("customer_values")
    written = []
    real_write = valuation._write
    monkeypatch.setattr(
        valuation, "_write", lambda *a, **k: written.append(a) or real_write(*a, **k)
    )
    # when
    run = values_refresh(resume=failed.run_id)
    # then: no part computed again; the run is complete
    assert written == []
    assert (run.run_id, run.status, run.customers) == (failed.run_id, "done", 2)
    assert [
        e.changes["completed"]
        for e in AuditEvent.objects.filter(action="analytics.values_refresh").order_by("seq")
    ] == [False, True]


def test_only_the_last_runs_stay_readable(history):
    runs = [values_refresh(as_of=AS_OF) for _ in range(KEEP_RUNS + 1)]
    live = {f.path for f in lake.live_files("customer_values")}
    assert len(live) == KEEP_RUNS
    assert not lake.live_files("customer_values", run=runs[0].run_id)


def test_the_command_reports_the_run(history, capsys):
    from django.utils import translation

    with translation.override("en"):
        call_command("refresh_values", "--as-of", "2026-06-30", "--no-progress")
    run = ValueRun.objects.get()
    assert f"Run {run.run_id}: 2 customers as of 2026-06-30." in capsys.readouterr().out


def test_the_360_shows_the_values_and_their_change_since_the_last_refresh(
    history, bank, client, tmp_path
):
    from django.urls import reverse

    alice = history["alice"]
    client.force_login(bank.rm)
    url = reverse("analytics:customer_values", args=[alice.pk])
    before = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    values_refresh(as_of=AS_OF)
    # a fee charged to Alice raises her contribution by 30 for the next refresh
    _load(
        tmp_path,
        [f"F1,{ALICE_CURRENT},2026-06-25 10:00:00,-30.00,670.00,counter,fee"],
        name="fee.csv",
    )
    values_refresh(as_of=AS_OF)
    # when
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(bank.other_rm)
    stranger = client.get(url)
    # then
    assert 'id="customer-values-missing"' in before
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-value="rfm_cell"' in body
    assert 'data-change="contribution">▲ 30.00' in body
    assert "Lifetime value = yearly contribution" in body
    assert stranger.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_values_page_queues_a_refresh_the_worker_runs(history, bank, client):
    from django.urls import reverse

    from tests.worker import run_worker

    client.force_login(bank.analyst)
    # when: a refresh is asked for, twice
    client.post(reverse("analytics:values_refresh"))
    again = client.post(reverse("analytics:values_refresh"), follow=True)
    queued = client.get(reverse("analytics:values"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    run_worker()
    done = client.get(reverse("analytics:values"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then: one run, done, shown at 100 %
    assert "already queued or running" in again.content.decode()
    assert "A refresh is queued" in queued and 'hx-trigger="every 2s"' in queued
    run = ValueRun.objects.get()
    assert run.status == "done" and run.customers == 2
    assert f'data-run="{run.run_id}"' in done and 'value="100"' in done
    assert 'hx-trigger="every 2s"' not in done


def test_only_roles_that_refresh_see_the_page(bank, client):
    from django.urls import reverse

    client.force_login(bank.rm)
    assert client.get(reverse("analytics:values")).status_code == 403
    assert client.post(reverse("analytics:values_refresh")).status_code == 403


def test_the_360_lists_the_segments_the_customer_is_in(history, bank, client):
    from django.urls import reverse

    from bankcrm.segments.services import segment_create

    alice, bob = history["alice"], history["bob"]
    mine = segment_create(
        actor=bank.rm,
        name="常用手机银行",
        definition={
            "op": "and",
            "conditions": [
                {"field": "tx_count", "op": "gte", "value": 2, "window_days": 3660},
            ],
        },
    )
    client.force_login(bank.rm)
    # when
    shown = client.get(reverse("analytics:customer_values", args=[alice.pk])).content.decode()
    other = client.get(reverse("analytics:customer_values", args=[bob.pk])).content.decode()
    # then: Alice (three transactions) is in it, Bob (one) is not
    assert f'href="/segments/{mine.pk}/">常用手机银行</a>' in shown
    assert 'id="customer-segments"' not in other
