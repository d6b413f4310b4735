"""The article workflow: draft → in review → published → retired, with no self-approval;
revisions, versions, periodic review, feedback, conflicts, permissions and the audit trail."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from bankcrm.audit.models import AuditEvent
from bankcrm.common.errors import ConflictError
from bankcrm.knowledge import services
from bankcrm.knowledge.models import Article, ArticleFeedback, ArticleTerm, Status
from bankcrm.knowledge.selectors import article_search
from tests.knowledge.conftest import category


def _draft(actor, **content):
    content.setdefault("title_zh", "大额存单起存金额")
    content.setdefault("body_zh", "个人大额存单起存金额为20万元。")
    return services.article_create(actor=actor, **content)


def test_a_draft_needs_a_title_in_one_language_and_text_for_it(bank):
    # when
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.article_create(actor=bank.bj_manager, title_en="Fees", body_zh="收费标准")
    # then: nothing saved, every bad field named
    assert caught.value.message_dict == {
        "body_en": ["The English title needs an answer or a body."],
        "title_zh": ["The Chinese text needs a title."],
    }
    assert Article.objects.count() == 0


def test_no_title_at_all_is_refused(bank):
    # when
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.article_create(actor=bank.bj_manager)
    # then
    assert caught.value.message_dict == {
        "title_zh": ["Give the article a Chinese or an English title."]
    }


def test_validity_must_not_end_before_it_starts(bank):
    # when
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        _draft(bank.bj_manager, valid_from=date(2026, 5, 1), valid_until=date(2026, 4, 30))
    # then
    assert caught.value.message_dict == {
        "valid_until": ["The end of validity cannot be before its start."]
    }


def test_an_unknown_category_is_refused(bank):
    # when
    with pytest.raises(ValidationError) as caught:
        _draft(bank.bj_manager, categories=[999999])
    # then
    assert list(caught.value.message_dict) == ["categories"]


def test_english_only_article_is_fine(bank):
    # when
    article = services.article_create(
        actor=bank.bj_manager, title_en="SWIFT cut-off times", body_en="16:00 Beijing time."
    )
    # then
    assert (article.status, article.title(), article.languages) == (
        Status.DRAFT,
        "SWIFT cut-off times",
        ["en"],
    )


def test_the_full_workflow_publishes_a_version_and_indexes_it(bank):
    # given
    draft = _draft(bank.bj_manager, categories=[category("wealth").pk])
    # when
    submitted = services.article_submit(
        actor=bank.bj_manager, article=draft, version=draft.version, change_note="新建"
    )
    published = services.article_approve(
        actor=bank.sh_manager, article=submitted, version=submitted.version
    )
    # then
    version = published.published
    assert (published.status, version.number, version.author, version.approved_by) == (
        Status.PUBLISHED,
        1,
        bank.bj_manager,
        bank.sh_manager,
    )
    assert list(version.categories.values_list("code", flat=True)) == ["wealth"]
    assert version.change_note == "新建"
    assert published.last_reviewed_at is not None
    assert published.review_due == timezone.localdate() + timedelta(days=180)
    assert ArticleTerm.objects.filter(article=published, term="大额存单").exists()
    assert list(
        AuditEvent.objects.filter(object_type="knowledge_article").values_list("action", flat=True)
    ) == ["knowledge.article.create", "knowledge.article.submit", "knowledge.article.approve"]


def test_an_author_cannot_approve_their_own_article(bank):
    # given
    draft = _draft(bank.bj_manager)
    submitted = services.article_submit(actor=bank.bj_manager, article=draft, version=draft.version)
    # when
    with pytest.raises(services.SelfReviewError):
        services.article_approve(
            actor=bank.bj_manager, article=submitted, version=submitted.version
        )
    # then
    submitted.refresh_from_db()
    assert (submitted.status, submitted.published_id) == (Status.IN_REVIEW, None)


def test_anyone_who_wrote_part_of_the_revision_cannot_approve_it(bank):
    # given: the admin edits the manager's draft, the manager submits it
    draft = _draft(bank.bj_manager)
    edited = services.article_update(
        actor=bank.admin, article=draft, version=draft.version, tags="大额存单, CD"
    )
    submitted = services.article_submit(
        actor=bank.bj_manager, article=edited, version=edited.version
    )
    # when / then: neither of them may approve or send it back
    for actor in (bank.admin, bank.bj_manager):
        with pytest.raises(services.SelfReviewError):
            services.article_approve(actor=actor, article=submitted, version=submitted.version)
        with pytest.raises(services.SelfReviewError):
            services.article_reject(
                actor=actor, article=submitted, version=submitted.version, comment="x"
            )
    approved = services.article_approve(
        actor=bank.sh_manager, article=submitted, version=submitted.version
    )
    assert approved.status == Status.PUBLISHED


def test_agents_and_rms_may_not_write_or_approve(bank):
    # given
    draft = _draft(bank.bj_manager)
    # when / then
    for actor in (bank.agent, bank.rm, bank.analyst):
        with pytest.raises(PermissionDenied):
            _draft(actor)
        with pytest.raises(PermissionDenied):
            services.article_update(
                actor=actor, article=draft, version=draft.version, title_zh="改"
            )
    submitted = services.article_submit(actor=bank.bj_manager, article=draft, version=draft.version)
    with pytest.raises(PermissionDenied):
        services.article_approve(actor=bank.agent, article=submitted, version=submitted.version)


def test_only_a_draft_can_be_submitted_and_only_one_in_review_approved(bank):
    # given
    draft = _draft(bank.bj_manager)
    # when / then
    with pytest.raises(ValidationError) as caught:
        services.article_approve(actor=bank.sh_manager, article=draft, version=draft.version)
    assert list(caught.value.message_dict) == ["status"]
    submitted = services.article_submit(actor=bank.bj_manager, article=draft, version=draft.version)
    with pytest.raises(ValidationError):
        services.article_submit(actor=bank.bj_manager, article=submitted, version=submitted.version)


def test_sending_back_needs_a_comment_and_returns_to_draft(bank):
    # given
    draft = _draft(bank.bj_manager)
    submitted = services.article_submit(actor=bank.bj_manager, article=draft, version=draft.version)
    # when
    with pytest.raises(ValidationError) as caught:
        services.article_reject(
            actor=bank.sh_manager, article=submitted, version=submitted.version, comment=" "
        )
    back = services.article_reject(
        actor=bank.sh_manager,
        article=submitted,
        version=submitted.version,
        comment="请补充英文版本",
    )
    # then
    assert list(caught.value.message_dict) == ["comment"]
    assert (back.status, back.review_comment, back.submitted_by) == (
        Status.DRAFT,
        "请补充英文版本",
        None,
    )


def test_a_revision_leaves_the_published_version_live_until_approved(bank, lost_card):
    # given
    first = lost_card.published
    # when: an editor revises; the revision is submitted; then approved
    revision = services.article_update(
        actor=bank.sh_manager,
        article=lost_card,
        version=lost_card.version,
        summary_zh="挂失请拨打95588或使用手机银行。",
    )
    live_during = article_search(actor=bank.agent, query="95588")
    submitted = services.article_submit(
        actor=bank.sh_manager, article=revision, version=revision.version
    )
    approved = services.article_approve(
        actor=bank.bj_manager, article=submitted, version=submitted.version
    )
    live_after = article_search(actor=bank.agent, query="95588")
    # then
    assert (revision.status, revision.published_id) == (Status.DRAFT, first.pk)
    assert live_during.hits == []
    assert [h.article.pk for h in live_after.hits] == [lost_card.pk]
    assert list(approved.versions.values_list("number", flat=True)) == [2, 1]
    first.refresh_from_db()
    assert first.summary_zh.startswith("借记卡或信用卡丢失后")  # kept as it was


def test_editing_in_review_sends_it_back_to_draft(bank):
    # given
    draft = _draft(bank.bj_manager)
    submitted = services.article_submit(actor=bank.bj_manager, article=draft, version=draft.version)
    # when
    edited = services.article_update(
        actor=bank.bj_manager, article=submitted, version=submitted.version, tags="存单"
    )
    # then
    assert (edited.status, edited.submitted_by) == (Status.DRAFT, None)


def test_a_stale_version_is_refused_and_nothing_changes(bank):
    # given
    draft = _draft(bank.bj_manager)
    stale = draft.version
    services.article_update(actor=bank.admin, article=draft, version=stale, tags="存单")
    # when
    with pytest.raises(ConflictError):
        services.article_update(
            actor=bank.bj_manager, article=draft, version=stale, title_zh="另一个标题"
        )
    # then
    draft.refresh_from_db()
    assert (draft.title_zh, draft.tags) == ("大额存单起存金额", "存单")


def test_retiring_hides_the_article_and_keeps_its_versions(bank, lost_card):
    # when
    with pytest.raises(ValidationError):
        services.article_retire(
            actor=bank.sh_manager, article=lost_card, version=lost_card.version, reason=""
        )
    retired = services.article_retire(
        actor=bank.sh_manager, article=lost_card, version=lost_card.version, reason="流程变更"
    )
    # then
    assert retired.status == Status.RETIRED
    assert article_search(actor=bank.agent, query="挂失").hits == []
    assert retired.versions.count() == 1
    assert not ArticleTerm.objects.filter(article=retired).exists()
    event = AuditEvent.objects.get(action="knowledge.article.retire")
    assert (event.actor_id, event.reason) == (bank.sh_manager.pk, "流程变更")


def test_a_retired_article_can_be_revised_and_published_again(bank, lost_card):
    # given
    retired = services.article_retire(
        actor=bank.sh_manager, article=lost_card, version=lost_card.version, reason="暂停"
    )
    # when
    revised = services.article_update(
        actor=bank.sh_manager, article=retired, version=retired.version, tags="挂失, 恢复"
    )
    submitted = services.article_submit(
        actor=bank.sh_manager, article=revised, version=revised.version
    )
    back = services.article_approve(actor=bank.admin, article=submitted, version=submitted.version)
    # then
    assert (back.status, back.retired_at, back.published.number) == (Status.PUBLISHED, None, 2)
    assert [h.article.pk for h in article_search(actor=bank.agent, query="挂失").hits] == [back.pk]


def test_marking_reviewed_moves_the_review_date(bank, lost_card):
    # given
    Article.objects.filter(pk=lost_card.pk).update(
        review_due=date(2020, 1, 1), review_interval_days=90
    )
    lost_card.refresh_from_db()
    # when
    reviewed = services.article_mark_reviewed(
        actor=bank.sh_manager, article=lost_card, version=lost_card.version
    )
    # then
    assert reviewed.review_due == timezone.localdate() + timedelta(days=90)


def test_feedback_counts_once_per_agent_and_version(bank, lost_card):
    # when: the agent says helpful, then changes their mind; the RM says helpful
    services.article_feedback(actor=bank.agent, article=lost_card, helpful=True)
    services.article_feedback(
        actor=bank.agent, article=lost_card, helpful=False, comment="没写补卡时间"
    )
    article = services.article_feedback(actor=bank.rm, article=lost_card, helpful=True)
    # then
    assert (article.helpful_count, article.not_helpful_count) == (1, 1)
    assert ArticleFeedback.objects.filter(article=lost_card).count() == 2
    mine = ArticleFeedback.objects.get(article=lost_card, staff=bank.agent)
    assert (mine.helpful, mine.comment) == (False, "没写补卡时间")


def test_feedback_needs_a_published_article_and_the_permission(bank):
    # given
    draft = _draft(bank.bj_manager)
    # when / then
    with pytest.raises(ValidationError):
        services.article_feedback(actor=bank.bj_manager, article=draft, helpful=True)
    with pytest.raises(PermissionDenied):
        services.article_feedback(actor=bank.analyst, article=draft, helpful=True)


def test_views_are_counted(bank, lost_card):
    # when
    services.article_count_view(article=lost_card)
    services.article_count_view(article=lost_card)
    # then
    lost_card.refresh_from_db()
    assert lost_card.view_count == 2


def test_reindex_rebuilds_every_live_article(bank, lost_card, mortgage):
    # given
    ArticleTerm.objects.all().delete()
    # when
    count = services.article_reindex_all()
    # then
    assert count == 2
    assert [h.article.pk for h in article_search(actor=bank.agent, query="挂失").hits] == [
        lost_card.pk
    ]


def test_owner_must_be_an_editor(bank):
    # when
    with pytest.raises(ValidationError) as caught:
        _draft(bank.bj_manager, owner=bank.agent)
    # then
    assert list(caught.value.message_dict) == ["owner"]
