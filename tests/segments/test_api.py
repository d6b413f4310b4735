"""The segment API: define, evaluate, list, members (cursor paging), refresh; scoped; 422 names
the bad condition."""

import pytest

from bankcrm.segments.models import Segment, SegmentRefresh
from tests.api_support import Api
from tests.segments.conftest import BEIJING, WOMEN, ids
from tests.worker import run_worker

pytestmark = pytest.mark.django_db


def test_define_then_list_members_page_by_page(bank, people):
    # given
    api = Api(bank.bj_manager)
    # when
    created = api.post("/segments", {"name": "北京客户", "definition": BEIJING})
    segment_id = created.json()["id"]
    first = api.get(f"/segments/{segment_id}/members", {"limit": 3})
    second = api.get(
        f"/segments/{segment_id}/members", {"limit": 3, "cursor": first.json()["next_cursor"]}
    )
    listed = api.get("/segments")
    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["member_count"], body["version"]) == ("dynamic", 4, 1)
    assert body["owner"]["id"] == bank.bj_manager.pk
    members = first.json()["items"] + second.json()["items"]
    assert [m["id"] for m in members] == ids(people.a, people.b, people.c, people.e)
    assert members[0]["name_masked"] == "李*"
    assert second.json()["next_cursor"] is None
    assert [s["id"] for s in listed.json()["items"]] == [segment_id]


def test_an_invalid_definition_answers_422_with_the_conditions_path(bank, people):
    # given
    bad = {
        "op": "or",
        "conditions": [
            {"field": "gender", "op": "in", "value": ["F"]},
            {"field": "tx_count", "op": "gte", "value": 3},  # no window
        ],
    }
    # when
    created = Api(bank.rm).post("/segments", {"name": "x", "definition": bad})
    evaluated = Api(bank.rm).post("/segments/evaluate", {"definition": bad})
    # then
    for response in (created, evaluated):
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert list(errors) == ["definition.conditions[1]"]
        assert errors["definition.conditions[1]"][0]["code"] == "invalid_definition"
    assert not Segment.objects.exists()


def test_evaluate_counts_within_the_callers_scope(bank, people):
    # when
    rm = Api(bank.rm).post("/segments/evaluate", {"definition": WOMEN}).json()
    head = Api(bank.analyst).post("/segments/evaluate", {"definition": WOMEN}).json()
    # then
    assert (rm["count"], [s["id"] for s in rm["sample"]]) == (1, [people.a.pk])
    assert head["count"] == 4
    assert head["distributions"]["gender"] == [
        {"value": "F", "label": "Female", "count": 4}
    ]  # staff language: en


@pytest.mark.django_db(transaction=True)
def test_refresh_and_update_with_the_optimistic_lock(bank, people):
    # given
    api = Api(bank.rm)
    segment_id = api.post("/segments", {"name": "女性", "definition": WOMEN}).json()["id"]
    # when: a refresh is queued (twice: the second queues nothing more), the worker runs it
    queued = api.post(f"/segments/{segment_id}/refresh")
    again = api.post(f"/segments/{segment_id}/refresh")
    pending = api.get(f"/segments/{segment_id}").json()["refresh_pending"]
    run_worker()
    done = api.get(f"/segments/{segment_id}").json()
    patched = api.patch(f"/segments/{segment_id}", {"version": 1, "definition": BEIJING})
    stale = api.patch(f"/segments/{segment_id}", {"version": 1, "name": "又改"})
    archived = api.patch(f"/segments/{segment_id}", {"version": 2, "archived": True})
    refused = api.post(f"/segments/{segment_id}/refresh")
    # then
    assert (queued.status_code, queued.json()["status"]) == (202, "queued")
    assert again.json()["requested_at"] == queued.json()["requested_at"]
    assert pending is True
    assert (done["refresh_pending"], done["member_count"]) == (False, 1)
    manual = SegmentRefresh.objects.get(segment_id=segment_id, trigger="manual")
    assert (manual.actor_id, manual.member_count) == (bank.rm.pk, 1)
    assert patched.status_code == 200
    assert (patched.json()["version"], patched.json()["member_count"]) == (2, 2)
    assert stale.status_code == 409
    assert (archived.status_code, archived.json()["archived"]) == (200, True)
    assert refused.status_code == 422  # an archived segment is not refreshed
    assert SegmentRefresh.objects.filter(segment_id=segment_id).count() == 3


@pytest.mark.parametrize("stranger", ["other_rm", "sh_manager", "sh_rm"])
def test_other_staff_get_404_for_a_segment_outside_their_scope(bank, people, stranger):
    # given the Chaoyang RM's segment
    segment_id = Api(bank.rm).post("/segments", {"name": "女性", "definition": WOMEN}).json()["id"]
    api = Api(getattr(bank, stranger))
    missing = 10**9
    # when
    answers = {
        path: (api.get(path.format(segment_id)), api.get(path.format(missing)))
        for path in ("/segments/{}", "/segments/{}/members")
    }
    refresh = api.post(f"/segments/{segment_id}/refresh")
    patch = api.patch(f"/segments/{segment_id}", {"version": 1, "name": "偷看"})
    listed = api.get("/segments").json()["items"]
    # then
    for response, absent in answers.values():
        assert response.status_code == 404
        assert response.content == absent.content
    assert (refresh.status_code, patch.status_code) == (404, 404)
    assert listed == []
    assert Segment.objects.get(pk=segment_id).name == "女性"
