"""Segment services: scoped evaluation, refresh history, static snapshots, errors, export."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from bankcrm.audit.models import AuditEvent
from bankcrm.common.errors import ConflictError
from bankcrm.customers.services import customer_update
from bankcrm.integration.services import warehouse_sync
from bankcrm.segments import services
from bankcrm.segments.models import Segment, SegmentChange, SegmentRefresh
from bankcrm.segments.selectors import segment_preview, segments_visible_to
from tests.segments.conftest import BEIJING, WOMEN, ids, member_ids

pytestmark = pytest.mark.django_db


def _move(customer, actor, city):
    customer.refresh_from_db()
    customer_update(actor=actor, customer=customer, version=customer.version, city=city)


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        ("rm", "a"),  # an RM: only their own book
        ("other_rm", "c"),
        ("sh_rm", "d"),
        ("bj_manager", "ace"),  # a branch manager: the Beijing subtree
        ("sh_manager", "d"),
        ("analyst", "acde"),  # head office: the bank
    ],
)
def test_a_segment_holds_only_customers_of_its_owners_scope(bank, people, owner, expected):
    # when
    segment = services.segment_create(actor=getattr(bank, owner), name="女性", definition=WOMEN)
    # then
    assert member_ids(segment) == ids(*(getattr(people, x) for x in expected))
    assert segment.member_count == len(expected)
    assert segment.branch_id == getattr(bank, owner).branch_id


def test_a_refresh_records_who_entered_and_left(bank, people):
    # given the RM's Beijing segment (a, b)
    segment = services.segment_create(actor=bank.rm, name="北京客户", definition=BEIJING)
    assert member_ids(segment) == ids(people.a, people.b)
    # when a moves to Shenzhen, and later b too while a comes back
    _move(people.a, bank.rm, "深圳")
    warehouse_sync()
    first = services.segment_refresh(segment=segment, actor=bank.rm)
    _move(people.a, bank.rm, "北京")
    _move(people.b, bank.rm, "深圳")
    warehouse_sync()
    second = services.segment_refresh(segment=segment, actor=bank.rm)
    # then
    segment.refresh_from_db()
    assert member_ids(segment) == ids(people.a)
    assert segment.member_count == 1
    assert (first.entered, first.left, first.member_count) == (0, 1, 1)
    assert (second.entered, second.left, second.member_count) == (1, 1, 1)
    history = [
        (c.refresh_id, c.customer_id, c.kind)
        for c in SegmentChange.objects.filter(segment=segment).order_by("id")
    ]
    save = SegmentRefresh.objects.get(segment=segment, trigger="save")
    assert history == [
        (save.pk, people.a.pk, "entered"),
        (save.pk, people.b.pk, "entered"),
        (first.pk, people.a.pk, "left"),
        (second.pk, people.b.pk, "left"),
        (second.pk, people.a.pk, "entered"),
    ]
    audits = AuditEvent.objects.filter(action="segment.refresh", object_id=str(segment.pk))
    assert [(e.changes["entered"], e.changes["left"]) for e in audits.order_by("seq")] == [
        (2, 0),
        (0, 1),
        (1, 1),
    ]
    assert segment.version == 1  # a refresh is no edit


def test_a_manager_refreshing_an_rms_segment_keeps_the_rms_scope(bank, people):
    # given
    segment = services.segment_create(actor=bank.rm, name="女性", definition=WOMEN)
    # when the Beijing manager refreshes it
    done = services.segment_refresh(segment=segment, actor=bank.bj_manager)
    # then still only the RM's own customer
    assert member_ids(segment) == ids(people.a)
    assert (done.entered, done.left) == (0, 0)


def test_an_invalid_definition_names_the_bad_condition_and_saves_nothing(bank, people):
    # given
    bad = {
        "op": "and",
        "conditions": [
            {"field": "city", "op": "in", "value": ["北京"]},
            {"op": "or", "conditions": [{"field": "shoe_size", "op": "gt", "value": 40}]},
        ],
    }
    # when
    with translation.override("zh-hans"), pytest.raises(services.DefinitionInvalid) as caught:
        services.segment_create(actor=bank.rm, name="坏的", definition=bad)
    with translation.override("en"), pytest.raises(services.DefinitionInvalid) as english:
        services.segment_create(actor=bank.rm, name="坏的", definition=bad)
    # then: translated (Chinese by default), naming the condition
    assert caught.value.path == "conditions[1].conditions[0]"
    assert caught.value.text == "未知字段 'shoe_size'。"
    assert english.value.message_dict == {"definition": ["Unknown field 'shoe_size'."]}
    assert not Segment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="segment.").exists()


def test_a_static_snapshot_keeps_its_members(bank, people):
    # given
    segment = services.segment_create(
        actor=bank.rm, name="快照", definition=BEIJING, kind=Segment.Kind.STATIC
    )
    _move(people.a, bank.rm, "深圳")
    warehouse_sync()
    # when
    with pytest.raises(ValidationError):
        services.segment_refresh(segment=segment, actor=bank.rm)
    summary = services.segments_refresh_all()
    # then
    assert summary == {"refreshed": 0, "failed": []}
    assert member_ids(segment) == ids(people.a, people.b)
    assert SegmentRefresh.objects.filter(segment=segment).count() == 1


def test_updating_the_definition_reevaluates_and_a_stale_version_conflicts(bank, people):
    # given
    segment = services.segment_create(actor=bank.rm, name="北京客户", definition=BEIJING)
    # when
    updated = services.segment_update(
        actor=bank.rm, segment=segment, version=1, name="女性", definition=WOMEN
    )
    # then
    assert (updated.name, updated.version) == ("女性", 2)
    assert member_ids(updated) == ids(people.a)
    with pytest.raises(ConflictError):
        services.segment_update(actor=bank.rm, segment=segment, version=1, name="又改")
    assert Segment.objects.get(pk=segment.pk).name == "女性"


def test_archived_segments_are_not_refreshed_on_schedule(bank, people):
    # given
    kept = services.segment_create(actor=bank.rm, name="北京客户", definition=BEIJING)
    gone = services.segment_create(actor=bank.rm, name="女性", definition=WOMEN)
    services.segment_archive(actor=bank.rm, segment=gone, version=gone.version)
    # when
    summary = services.segments_refresh_all()
    # then
    assert summary == {"refreshed": 1, "failed": []}
    assert SegmentRefresh.objects.filter(segment=kept, trigger="schedule").count() == 1
    assert not SegmentRefresh.objects.filter(segment=gone, trigger="schedule").exists()


def test_only_staff_in_scope_see_a_segment(bank, people):
    # given the Chaoyang RM's segment
    segment = services.segment_create(actor=bank.rm, name="女性", definition=WOMEN)

    def sees(staff):
        return segments_visible_to(staff).filter(pk=segment.pk).exists()

    # then: the owner, the Beijing branch and head office do; colleagues and Shanghai do not
    assert {name: sees(getattr(bank, name)) for name in ("rm", "bj_manager", "analyst")} == {
        "rm": True,
        "bj_manager": True,
        "analyst": True,
    }
    assert [sees(getattr(bank, n)) for n in ("other_rm", "sh_manager", "sh_rm", "agent")] == [
        False
    ] * 4


def test_a_customers_segments_as_each_viewer_sees_them(bank, people):
    # given
    from bankcrm.segments.selectors import customer_segments

    mine = services.segment_create(actor=bank.rm, name="北京客户", definition=BEIJING)
    branch = services.segment_create(actor=bank.bj_manager, name="女性", definition=WOMEN)
    gone = services.segment_create(actor=bank.bj_manager, name="旧的", definition=WOMEN)
    services.segment_archive(actor=bank.bj_manager, segment=gone, version=gone.version)
    # when
    seen = {
        name: [
            s.name for s in customer_segments(actor=getattr(bank, name), customer_id=people.a.pk)
        ]
        for name in ("rm", "bj_manager", "sh_manager")
    }
    # then
    assert seen == {"rm": [mine.name], "bj_manager": [mine.name, branch.name], "sh_manager": []}


def test_the_preview_counts_within_the_viewers_scope(bank, people):
    # when
    parsed = services.definition_parse(WOMEN)
    with translation.override("zh-hans"):
        rm = segment_preview(actor=bank.rm, definition=parsed)
        manager = segment_preview(actor=bank.bj_manager, definition=parsed)
    # then
    assert (rm.count, [s.id for s in rm.sample]) == (1, [people.a.pk])
    assert rm.sample[0].name_masked == "李*"
    assert manager.count == 3
    gender = next(d for d in manager.distributions if d.attribute == "gender")
    assert gender.items == [("F", "女", 3)]


def test_export_is_masked_and_audited(bank, people):
    # given
    segment = services.segment_create(actor=bank.bj_manager, name="北京客户", definition=BEIJING)
    # when
    exported = services.segment_export(
        actor=bank.bj_manager, segment=segment, fmt="csv", reason="月度回访"
    )
    # then
    text = exported.content.decode("utf-8-sig")
    assert "李*" in text and "李娜" not in text
    assert people.a.mobile not in text
    assert exported.rows == 4
    event = AuditEvent.objects.get(action="segment.export")
    assert event.reason == "月度回访"
    assert event.outcome == "allowed"
    assert event.changes["masked"] is True
    assert sorted(event.changes["customers"]) == ids(people.a, people.b, people.c, people.e)


def test_an_export_without_the_permission_is_refused_and_audited(bank, people):
    # given an RM (who may not export)
    segment = services.segment_create(actor=bank.rm, name="北京客户", definition=BEIJING)
    # when
    with pytest.raises(PermissionDenied):
        services.segment_export(actor=bank.rm, segment=segment, fmt="csv", reason="看看")
    # then
    assert AuditEvent.objects.get(action="segment.export").outcome == "denied"


def test_the_command_refreshes_every_dynamic_segment(bank, people, capsys):
    # given
    services.segment_create(actor=bank.rm, name="北京客户", definition=BEIJING)
    services.segment_create(actor=bank.sh_manager, name="女性", definition=WOMEN)
    # when
    with translation.override("en"):
        call_command("refresh_segments")
    # then
    assert "2 segments refreshed, 0 failed." in capsys.readouterr().out
    assert SegmentRefresh.objects.filter(trigger="manual").count() == 2


def test_the_command_can_queue_the_refreshes_for_the_worker(bank, people):
    # given
    from django_tasks_db.models import DBTaskResult

    from bankcrm.segments.tasks import segment_refresh as task

    segment = services.segment_create(actor=bank.rm, name="北京客户", definition=BEIJING)
    # when
    call_command("refresh_segments", "--enqueue")
    queued = DBTaskResult.objects.get(task_path__endswith="segments.tasks.segment_refresh")
    result = task.call(*queued.args_kwargs["args"])
    # then
    assert queued.args_kwargs["args"] == [segment.pk]
    assert result == {"entered": 0, "left": 0, "members": 2}


def test_the_scheduled_refresh_renews_itself(bank, people, django_capture_on_commit_callbacks):
    # given a dynamic segment and the schedule started
    from django_tasks_db.models import DBTaskResult

    from bankcrm.segments.tasks import refresh_schedule, segments_refresh_scheduled

    services.segment_create(actor=bank.rm, name="北京客户", definition=BEIJING)
    with django_capture_on_commit_callbacks(execute=True):
        schedule = refresh_schedule(interval_seconds=3600)
    queued = DBTaskResult.objects.get(task_path__endswith="segments_refresh_scheduled")
    assert queued.args_kwargs["args"] == [str(schedule.chain)]
    # when the worker runs that link (as db_worker would)
    with django_capture_on_commit_callbacks(execute=True):
        result = segments_refresh_scheduled.call(str(schedule.chain))
    # then it refreshed and queued the next run an hour later, in the same chain
    assert result == {"refreshed": 1, "failed": []}
    assert SegmentRefresh.objects.filter(trigger="schedule").count() == 1
    following = DBTaskResult.objects.exclude(pk=queued.pk).get(
        task_path__endswith="segments_refresh_scheduled"
    )
    assert following.args_kwargs["args"] == [str(schedule.chain)]
    gap = (following.run_after - timezone.now()).total_seconds()
    assert 3590 <= gap <= 3600
    # and restarting the schedule supersedes the old chain
    with django_capture_on_commit_callbacks(execute=False):
        refresh_schedule(interval_seconds=3600)
    assert segments_refresh_scheduled.call(str(schedule.chain)) == {"superseded": True}


def test_a_behaviour_segment_over_loaded_transactions(bank, accounts, tmp_path):
    # given Alice spends three times this month, Bob once (through the real extract loader)
    from bankcrm.analytics.queries import local_today
    from tests.analytics.conftest import ALICE_CURRENT, BOB_CURRENT
    from tests.analytics.test_sync_and_hooks import _load

    day = (local_today() - timedelta(days=3)).isoformat()
    _load(
        tmp_path,
        [
            f"B1,{ALICE_CURRENT},{day} 09:00:00,-100.00,900.00,mobile,consumption",
            f"B2,{ALICE_CURRENT},{day} 10:00:00,-50.00,850.00,mobile,consumption",
            f"B3,{ALICE_CURRENT},{day} 11:00:00,-20.00,830.00,pos,consumption",
            f"B4,{BOB_CURRENT},{day} 09:00:00,-10.00,990.00,mobile,consumption",
        ],
    )
    definition = {
        "op": "and",
        "conditions": [
            {
                "field": "tx_count",
                "op": "gte",
                "value": 2,
                "window_days": 30,
                "category": "consumption",
                "channel": "mobile",
            }
        ],
    }
    # when
    segment = services.segment_create(actor=bank.rm, name="手机消费", definition=definition)
    # then
    assert member_ids(segment) == [accounts["alice"].pk]
