"""The knowledge pages: search, article, feedback, editors' pages, history, review queue; who
may open what (readers, editors, approvers, staff without the right)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bankcrm.knowledge import services
from bankcrm.knowledge.models import Article, ArticleFeedback, Status
from tests.knowledge.conftest import category, publish


def _text(response) -> str:
    return response.content.decode()


def test_search_page_shows_highlighted_results(client, bank, lost_card, mortgage):
    # given
    client.force_login(bank.agent)
    # when
    response = client.get(reverse("knowledge:search"), {"q": "挂失"})
    # then
    html = _text(response)
    assert response.status_code == 200
    assert f'href="/knowledge/{lost_card.pk}/"' in html
    assert f'href="/knowledge/{mortgage.pk}/"' not in html
    assert "<mark>挂失</mark>" in html
    assert "knowledge/knowledge.js" in html


def test_search_page_filters_by_category(client, bank, lost_card, mortgage):
    # given
    client.force_login(bank.agent)
    # when
    response = client.get(reverse("knowledge:search"), {"category": category("loan").pk})
    # then
    html = _text(response)
    assert f'href="/knowledge/{mortgage.pk}/"' in html
    assert f'href="/knowledge/{lost_card.pk}/"' not in html


def test_search_page_query_count_does_not_grow_with_results(client, bank, lost_card):
    # given
    client.force_login(bank.agent)
    url = reverse("knowledge:search")
    client.get(url, {"q": "挂失"})
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"q": "挂失"})
    for n in range(6):
        publish(
            author=bank.bj_manager,
            approver=bank.admin,
            categories=["account-loss"],
            title_zh=f"挂失问答{n}",
            body_zh="挂失",
        )
    # when
    with CaptureQueriesContext(connection) as seven:
        response = client.get(url, {"q": "挂失"})
    # then
    assert _text(response).count("data-kb-hit") == 7
    assert len(seven) == len(one)


def test_bad_filters_do_not_break_the_page(client, bank, lost_card):
    # given
    client.force_login(bank.agent)
    # when
    response = client.get(reverse("knowledge:search"), {"q": "挂失", "category": "abc"})
    panel = client.get(reverse("knowledge:panel"), {"q": "挂失", "category": "-1"})
    # then
    assert response.status_code == 200
    assert panel.status_code == 200


def test_article_page_is_bilingual_and_counts_the_view(client, bank, lost_card):
    # given
    client.force_login(bank.agent)
    # when
    response = client.get(reverse("knowledge:article", args=[lost_card.pk]))
    # then
    html = _text(response)
    assert response.status_code == 200
    assert 'id="kb-tab-zh-hans"' in html and 'id="kb-tab-en"' in html
    assert "银行卡挂失与补办新卡" in html
    assert "Reporting a lost card and getting a new one" in html
    assert 'id="kb-actions"' not in html  # no editing for agents
    lost_card.refresh_from_db()
    assert lost_card.view_count == 1


def test_expired_article_page_warns(client, bank):
    # given
    article = publish(
        author=bank.bj_manager,
        approver=bank.admin,
        title_en="2025 fee schedule",
        body_en="Old fees.",
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    client.force_login(bank.agent)
    # when
    response = client.get(reverse("knowledge:article", args=[article.pk]))
    # then
    assert "This answer has expired: do not quote it to customers." in _text(response)


def test_feedback_by_htmx_returns_the_fragment(client, bank, lost_card):
    # given
    client.force_login(bank.agent)
    # when
    response = client.post(
        reverse("knowledge:feedback", args=[lost_card.pk]),
        {"helpful": "0", "comment": "补卡费用不清楚"},
        HTTP_HX_REQUEST="true",
    )
    # then
    assert response.status_code == 200
    assert '<div id="kb-feedback">' in _text(response)
    assert "<html" not in _text(response)
    feedback = ArticleFeedback.objects.get()
    assert (feedback.staff, feedback.helpful, feedback.comment) == (
        bank.agent,
        False,
        "补卡费用不清楚",
    )


@pytest.mark.parametrize("who", ["agent", "rm"])
def test_readers_cannot_see_drafts_or_editor_pages(client, bank, who):
    # given
    draft = services.article_create(actor=bank.bj_manager, title_zh="草稿", body_zh="内容")
    client.force_login(getattr(bank, who))
    # when
    answers = {
        "article": client.get(reverse("knowledge:article", args=[draft.pk])).status_code,
        "edit": client.get(reverse("knowledge:edit", args=[draft.pk])).status_code,
        "history": client.get(reverse("knowledge:history", args=[draft.pk])).status_code,
        "list": client.get(reverse("knowledge:editor_list")).status_code,
        "queue": client.get(reverse("knowledge:review_queue")).status_code,
        "new": client.get(reverse("knowledge:create")).status_code,
    }
    # then
    assert answers == {
        "article": 404,
        "edit": 404,
        "history": 404,
        "list": 403,
        "queue": 403,
        "new": 403,
    }


def test_staff_without_the_read_permission_get_403_and_404(client, bank, lost_card):
    # given: the analyst may not read the knowledge base
    client.force_login(bank.analyst)
    # when
    search = client.get(reverse("knowledge:search"))
    panel = client.get(reverse("knowledge:panel"), {"q": "挂失"})
    article = client.get(reverse("knowledge:article", args=[lost_card.pk]))
    feedback = client.post(reverse("knowledge:feedback", args=[lost_card.pk]), {"helpful": "1"})
    # then
    assert (search.status_code, panel.status_code) == (403, 403)
    assert (article.status_code, feedback.status_code) == (404, 404)
    assert not ArticleFeedback.objects.exists()


def test_an_editor_creates_edits_and_submits_through_the_pages(client, bank):
    # given
    client.force_login(bank.bj_manager)
    form = {
        "title_zh": "境外取现手续费",
        "summary_zh": "借记卡境外取现每笔收取12元加取现金额的1%。",
        "body_zh": "",
        "title_en": "",
        "summary_en": "",
        "body_en": "",
        "tags": "境外, 取现",
        "categories": [category("fees-service").pk],
        "valid_from": "2026-01-01",
        "valid_until": "",
        "owner": bank.bj_manager.pk,
        "review_interval_days": 90,
    }
    # when
    created = client.post(reverse("knowledge:create"), form)
    article = Article.objects.get()
    edited = client.post(
        reverse("knowledge:edit", args=[article.pk]),
        {**form, "tags": "境外取现", "version": article.version},
    )
    article.refresh_from_db()
    submitted = client.post(
        reverse("knowledge:submit", args=[article.pk]),
        {"version": article.version, "change_note": "首版"},
    )
    # then
    assert created.status_code == edited.status_code == submitted.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.tags, article.change_note) == (
        Status.IN_REVIEW,
        "境外取现",
        "首版",
    )
    assert list(article.categories.values_list("code", flat=True)) == ["fees-service"]


def test_the_edit_page_shows_service_errors_and_keeps_the_input(client, bank):
    # given
    client.force_login(bank.bj_manager)
    # when
    response = client.post(
        reverse("knowledge:create"),
        {"title_en": "Only a title", "owner": bank.bj_manager.pk, "review_interval_days": 180},
    )
    # then
    assert response.status_code == 200
    assert 'value="Only a title"' in _text(response)
    assert "is-invalid" in _text(response)
    assert not Article.objects.exists()


def test_a_stale_edit_answers_409_with_a_message(client, bank, lost_card):
    # given
    client.force_login(bank.bj_manager)
    stale = lost_card.version
    services.article_update(actor=bank.admin, article=lost_card, version=stale, tags="x")
    # when
    response = client.post(
        reverse("knowledge:edit", args=[lost_card.pk]),
        {
            "title_zh": "新标题",
            "summary_zh": "答案",
            "owner": bank.bj_manager.pk,
            "review_interval_days": 180,
            "version": stale,
        },
    )
    # then
    assert response.status_code == 409
    lost_card.refresh_from_db()
    assert lost_card.title_zh == "银行卡挂失与补办新卡"


def test_self_approval_on_the_page_is_refused_with_a_message(client, bank):
    # given
    draft = services.article_create(actor=bank.bj_manager, title_zh="自审", body_zh="内容")
    draft = services.article_submit(actor=bank.bj_manager, article=draft, version=draft.version)
    client.force_login(bank.bj_manager)
    # when
    response = client.post(
        reverse("knowledge:approve", args=[draft.pk]), {"version": draft.version}, follow=True
    )
    # then
    assert "another approver must review it" in _text(response)
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW


def test_another_approver_publishes_on_the_page(client, bank):
    # given
    draft = services.article_create(actor=bank.bj_manager, title_zh="他审", body_zh="内容")
    draft = services.article_submit(actor=bank.bj_manager, article=draft, version=draft.version)
    client.force_login(bank.sh_manager)
    # when
    client.post(reverse("knowledge:approve", args=[draft.pk]), {"version": draft.version})
    # then
    draft.refresh_from_db()
    assert (draft.status, draft.published.approved_by) == (Status.PUBLISHED, bank.sh_manager)


def test_history_shows_versions_and_a_character_diff(client, bank, lost_card):
    # given: a second version with a changed Chinese summary
    revised = services.article_update(
        actor=bank.sh_manager,
        article=lost_card,
        version=lost_card.version,
        summary_zh="借记卡或信用卡丢失后，请立即拨打95588办理挂失。",
    )
    revised = services.article_submit(
        actor=bank.sh_manager, article=revised, version=revised.version
    )
    services.article_approve(actor=bank.admin, article=revised, version=revised.version)
    client.force_login(bank.bj_manager)
    # when
    response = client.get(reverse("knowledge:history", args=[lost_card.pk]))
    compared = client.get(reverse("knowledge:history", args=[lost_card.pk]), {"a": 2, "b": 1})
    missing = client.get(reverse("knowledge:history", args=[lost_card.pk]), {"b": 9})
    # then
    html = _text(response)
    assert "v2" in html and "v1" in html
    assert "<ins>拨打95588</ins>" in html
    assert "<del>通过手机银行、客服热线或柜台</del>" in html
    assert "<ins>通过手机银行、客服热线或柜台</ins>" in _text(compared)
    assert missing.status_code == 404


def test_history_compares_a_revision_in_progress(client, bank, lost_card):
    # given
    services.article_update(
        actor=bank.sh_manager, article=lost_card, version=lost_card.version, tags="丢卡"
    )
    client.force_login(bank.bj_manager)
    # when
    response = client.get(reverse("knowledge:history", args=[lost_card.pk]), {"b": "draft"})
    # then
    html = _text(response)
    assert "<del>, 补卡, lost card</del>" in html


def test_review_queue_lists_what_editors_must_act_on(client, bank, lost_card, mortgage):
    # given: one in review, one overdue for review, one expired
    draft = services.article_create(actor=bank.sh_manager, title_zh="待审批", body_zh="内容")
    services.article_submit(actor=bank.sh_manager, article=draft, version=draft.version)
    Article.objects.filter(pk=lost_card.pk).update(
        review_due=timezone.localdate() - timedelta(days=3)
    )
    expired = publish(
        author=bank.bj_manager,
        approver=bank.admin,
        title_zh="已过期的收费标准",
        body_zh="旧",
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    client.force_login(bank.bj_manager)
    # when
    response = client.get(reverse("knowledge:review_queue"))
    # then
    ctx = response.context["queue"]
    assert [a.pk for a in ctx.awaiting_approval] == [draft.pk]
    assert [a.pk for a in ctx.review_overdue] == [lost_card.pk]
    assert [a.pk for a in ctx.expired] == [expired.pk]
    assert response.context["queue_count"] == 3


def test_editor_list_filters_by_status(client, bank, lost_card):
    # given
    draft = services.article_create(actor=bank.bj_manager, title_zh="草稿文章", body_zh="内容")
    client.force_login(bank.bj_manager)
    # when
    drafts = client.get(reverse("knowledge:editor_list"), {"status": "draft"})
    published = client.get(reverse("knowledge:editor_list"), {"status": "published"})
    # then
    assert [a.pk for a in drafts.context["rows"]] == [draft.pk]
    assert [a.pk for a in published.context["rows"]] == [lost_card.pk]


def test_editor_list_and_review_queue_queries_do_not_grow(client, bank, lost_card):
    # given
    client.force_login(bank.bj_manager)
    pages = [reverse("knowledge:editor_list"), reverse("knowledge:review_queue")]
    for url in pages:
        client.get(url)
    with CaptureQueriesContext(connection) as few:
        for url in pages:
            client.get(url)
    for n in range(5):
        article = publish(
            author=bank.sh_manager, approver=bank.admin, title_zh=f"文章{n}", body_zh="内容"
        )
        Article.objects.filter(pk=article.pk).update(
            review_due=timezone.localdate() - timedelta(days=1)
        )
    # when
    with CaptureQueriesContext(connection) as many:
        for url in pages:
            client.get(url)
    # then
    assert len(many) == len(few)
