"""Segment pages: list, builder and live preview, a segment's members and history, refresh,
archive and export; scoped (out of scope → 404 as missing), nothing the CSP would block."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from bankcrm.audit.models import AuditEvent
from bankcrm.segments import services
from bankcrm.segments.models import Segment, SegmentRefresh
from tests.segments.conftest import BEIJING, WOMEN, ids, member_ids
from tests.test_csp import csp_violations
from tests.worker import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def rm_segment(bank, people):
    return services.segment_create(actor=bank.rm, name="北京客户", definition=BEIJING)


def test_the_list_shows_only_segments_in_scope(client, bank, people, rm_segment):
    # given
    services.segment_create(actor=bank.sh_manager, name="上海女性", definition=WOMEN)
    # when
    client.force_login(bank.bj_manager)
    beijing = client.get(reverse("segments:list")).content.decode()
    client.force_login(bank.other_rm)
    colleague = client.get(reverse("segments:list")).content.decode()
    # then
    assert "北京客户" in beijing and "上海女性" not in beijing
    assert "北京客户" not in colleague


def test_saving_from_the_builder(client, bank, people):
    # given
    client.force_login(bank.rm)
    definition = {
        "op": "and",
        "conditions": [
            {"field": "city", "op": "in", "value": ["北京"]},
            {"field": "gender", "op": "in", "value": ["F"]},
        ],
    }
    # when
    page = client.get(reverse("segments:create"))
    saved = client.post(
        reverse("segments:create"),
        {"name": "北京女性", "kind": "static", "definition": json.dumps(definition)},
    )
    # then
    assert page.status_code == 200
    assert 'id="segment-builder"' in page.content.decode()
    segment = Segment.objects.get()
    assert saved.status_code == 302
    assert saved["Location"] == reverse("segments:detail", args=[segment.pk])
    assert (segment.kind, segment.owner, member_ids(segment)) == ("static", bank.rm, ids(people.a))


def test_the_builder_names_the_bad_condition_and_keeps_the_input(client, bank, people):
    # given
    client.force_login(bank.rm)
    bad = {"op": "and", "conditions": [{"field": "age", "op": "in", "value": [1]}]}
    # when
    response = client.post(
        reverse("segments:create"),
        {"name": "坏的", "kind": "dynamic", "definition": json.dumps(bad)},
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Condition 1: Age takes one of the operators eq, ne, gt, gte, lt, lte, between." in html
    assert 'data-error-path="conditions[0]"' in html
    assert "坏的" in html
    assert not Segment.objects.exists()


def test_the_live_preview(client, bank, people):
    # given
    client.force_login(bank.bj_manager)
    # when
    found = client.post(reverse("segments:preview"), {"definition": json.dumps(WOMEN)})
    broken = client.post(reverse("segments:preview"), {"definition": "{"})
    bad = client.post(
        reverse("segments:preview"),
        {"definition": json.dumps({"op": "and", "conditions": [{"field": "x"}]})},
    )
    # then
    html = found.content.decode()
    assert '<span class="bk-preview-count" id="preview-count">3</span>' in html
    assert "李*" in html and "李娜" not in html
    assert reverse("customers:detail", args=[people.a.pk]) in html
    assert 'data-segment-chart="bar"' in html and "preview-charts" in html
    assert "The definition is not valid JSON." in broken.content.decode()
    assert 'data-error-path="conditions[0]"' in bad.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_segment_page_members_history_and_refresh(client, bank, people, rm_segment):
    # given
    client.force_login(bank.rm)
    state = reverse("segments:refresh_state", args=[rm_segment.pk])
    # when: the refresh is queued, the page polls its state until the worker has run it
    page = client.get(reverse("segments:detail", args=[rm_segment.pk]))
    with translation.override("en"):
        queued = client.post(reverse("segments:refresh", args=[rm_segment.pk]), follow=True)
    waiting = client.get(state)
    run_worker()
    finished = client.get(state)
    members = client.get(reverse("segments:members", args=[rm_segment.pk]))
    changes = client.get(reverse("segments:changes", args=[rm_segment.pk]))
    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert "李*" in html and "王*" in html and "李娜" not in html
    assert 'data-segment-chart="history"' in html
    assert "The refresh is queued" in queued.content.decode()
    assert f'hx-get="{state}"' in queued.content.decode()
    assert waiting.status_code == 200 and 'hx-trigger="every 2s"' in waiting.content.decode()
    assert (finished.status_code, finished.headers["HX-Refresh"]) == (204, "true")
    assert SegmentRefresh.objects.filter(segment=rm_segment, trigger="manual").count() == 1
    assert people.b.number in members.content.decode()
    assert "Entered" in changes.content.decode()


def test_archive_and_restore(client, bank, people, rm_segment):
    # given
    client.force_login(bank.rm)
    url = reverse("segments:archive", args=[rm_segment.pk])
    # when
    client.post(url, {"version": 1, "archived": "1"})
    archived = Segment.objects.get(pk=rm_segment.pk).archived
    listed = client.get(reverse("segments:list")).content.decode()
    client.post(url, {"version": 2, "archived": "0"})
    # then
    assert archived is True
    assert "北京客户" not in listed
    assert Segment.objects.get(pk=rm_segment.pk).archived is False


def test_export_from_the_page(client, bank, people, rm_segment):
    # when
    client.force_login(bank.bj_manager)
    exported = client.post(
        reverse("segments:export", args=[rm_segment.pk]), {"format": "csv", "reason": "回访名单"}
    )
    client.force_login(bank.rm)
    refused = client.post(
        reverse("segments:export", args=[rm_segment.pk]), {"format": "csv", "reason": "回访名单"}
    )
    # then
    text = exported.content.decode("utf-8-sig")
    assert exported["Content-Disposition"].startswith('attachment; filename="segment-')
    assert "李*" in text and "李娜" not in text
    assert refused.status_code == 403
    assert AuditEvent.objects.get(action="segment.export").outcome == "allowed"


@pytest.mark.parametrize("stranger", ["other_rm", "sh_manager", "sh_rm"])
def test_out_of_scope_segments_answer_404_like_missing(client, bank, people, rm_segment, stranger):
    # given
    client.force_login(getattr(bank, stranger))
    requests = [
        ("get", "segments:detail"),
        ("get", "segments:edit"),
        ("get", "segments:members"),
        ("get", "segments:changes"),
        ("post", "segments:refresh"),
        ("get", "segments:refresh_state"),
        ("post", "segments:archive"),
        ("post", "segments:export"),
    ]
    # when
    answers = {
        name: (
            getattr(client, method)(reverse(name, args=[rm_segment.pk])).status_code,
            getattr(client, method)(reverse(name, args=[10**9])).status_code,
        )
        for method, name in requests
    }
    # then
    assert answers == {name: (404, 404) for _m, name in requests}
    assert not SegmentRefresh.objects.filter(trigger="manual").exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pages_have_nothing_the_policy_would_block(client, bank, people, rm_segment, language):
    # given
    bank.bj_manager.language = language
    bank.bj_manager.save(update_fields=["language"])
    client.force_login(bank.bj_manager)
    pages = [
        ("get", reverse("segments:list"), {}),
        ("get", reverse("segments:create"), {}),
        ("get", reverse("segments:detail", args=[rm_segment.pk])),
        ("get", reverse("segments:edit", args=[rm_segment.pk]), {}),
        ("post", reverse("segments:preview"), {"definition": json.dumps(WOMEN)}),
    ]
    # when
    found = {}
    for method, url, *data in pages:
        response = getattr(client, method)(url, *(data or [{}]))
        assert response.status_code == 200, url
        found[url] = csp_violations(response.content.decode())
    # then
    assert found == {url: [] for url in found}


def test_the_segment_page_reads_a_fixed_number_of_queries(
    client, bank, people, rm_segment, django_assert_max_num_queries
):
    # given
    client.force_login(bank.bj_manager)
    url = reverse("segments:detail", args=[rm_segment.pk])
    client.get(url)  # the session's first request does a few writes of its own
    # then
    with django_assert_max_num_queries(11):  # whatever the number of members
        assert client.get(url).status_code == 200
