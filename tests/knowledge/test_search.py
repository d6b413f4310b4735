"""Search: Chinese segmentation, English, pinyin, ranking, category subtree, language, validity.
The same assertions run on SQLite and on PostgreSQL (CI runs the suite on both)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bankcrm.knowledge import services
from bankcrm.knowledge.search import query_terms
from bankcrm.knowledge.selectors import article_search, article_search_page
from tests.knowledge.conftest import category, publish


def _ids(result) -> list[int]:
    return [hit.article.pk for hit in result.hits]


@pytest.fixture
def transfer_limit(bank):
    return publish(
        author=bank.bj_manager,
        approver=bank.admin,
        categories=["payment-transfer"],
        title_zh="手机银行转账限额说明",
        summary_zh="手机银行单笔转账限额5万元，日累计20万元；可在柜台提高限额。",
        body_zh="使用U盾认证的客户，单笔限额可提高至100万元。",
        title_en="Mobile banking transfer limits",
        summary_en="CNY 50,000 per transfer and CNY 200,000 a day in the app.",
        body_en="Customers with a USB key may raise the single limit to CNY 1,000,000.",
    )


def test_a_word_inside_a_longer_chinese_phrase_finds_the_article(bank, lost_card, mortgage):
    # when: 贷款 only appears inside 住房贷款 and 提前还款 inside a sentence
    loan = article_search(actor=bank.agent, query="贷款")
    prepay = article_search(actor=bank.agent, query="提前还款")
    credit = article_search(actor=bank.agent, query="信用")  # inside 信用卡
    # then
    assert _ids(loan) == [mortgage.pk]
    assert _ids(prepay) == [mortgage.pk]
    assert _ids(credit) == [lost_card.pk]


def test_query_is_segmented_and_stop_words_dropped():
    # when / then
    assert query_terms("信用卡挂失后多久能补办新卡？") == ["信用卡", "挂失", "补办", "新卡"]
    assert query_terms("客户怎么办理房贷提前还款") == ["房贷", "提前还款"]
    assert query_terms("Lost cards and fees") == ["lost", "card", "fee"]
    assert query_terms("卡丢了怎么办") == ["卡", "丢"]


def test_colloquial_single_characters_reach_the_title(bank, lost_card, mortgage):
    # when
    result = article_search(actor=bank.agent, query="卡丢了怎么办")
    # then
    assert _ids(result) == [lost_card.pk]


def test_english_words_match_their_plural_and_pinyin_finds_chinese(bank, lost_card, mortgage):
    # when
    english = article_search(actor=bank.agent, query="lost cards")
    pinyin = article_search(actor=bank.agent, query="guashi")
    # then
    assert _ids(english) == [lost_card.pk]
    assert _ids(pinyin) == [lost_card.pk]


def test_every_word_must_match_unless_any_is_asked(bank, lost_card, mortgage):
    # when
    every = article_search(actor=bank.agent, query="挂失 提前还款")
    some = article_search(actor=bank.agent, query="挂失 提前还款", match="any")
    page = article_search_page(actor=bank.agent, query="挂失 提前还款")
    # then
    assert _ids(every) == []
    assert sorted(_ids(some)) == sorted([lost_card.pk, mortgage.pk])
    assert page.relaxed is True
    assert sorted(_ids(page)) == sorted([lost_card.pk, mortgage.pk])


def test_title_hits_rank_above_body_hits(bank, transfer_limit):
    # given: 限额 is in this article's title, and only in the body of the other
    other = publish(
        author=bank.bj_manager,
        approver=bank.admin,
        title_zh="U盾的申领与更换",
        body_zh="U盾到期需更换。" + "更换U盾后原有的转账限额不变。" * 3,
    )
    # when
    result = article_search(actor=bank.agent, query="限额")
    # then
    assert _ids(result) == [transfer_limit.pk, other.pk]
    assert result.hits[0].score > result.hits[1].score


def test_results_are_highlighted_and_escaped(bank, lost_card):
    # when
    hit = article_search(actor=bank.agent, query="挂失").hits[0]
    # then
    assert str(hit.title) == "银行卡<mark>挂失</mark>与补办新卡"
    assert "<mark>挂失</mark>" in str(hit.snippet)


def test_category_filter_includes_sub_categories(bank, lost_card, mortgage, transfer_limit):
    # when
    accounts = article_search(actor=bank.agent, query="", category_id=category("account").pk)
    loans = article_search(actor=bank.agent, query="还款", category_id=category("loan").pk)
    cards = article_search(actor=bank.agent, query="还款", category_id=category("card").pk)
    # then
    assert _ids(accounts) == [lost_card.pk]
    assert _ids(loans) == [mortgage.pk]
    assert _ids(cards) == []


def test_related_category_also_reaches_the_parents_articles(bank, lost_card):
    # given: an article filed under the parent 账户; a case under its child 挂失与补办
    parent_article = publish(
        author=bank.bj_manager,
        approver=bank.admin,
        categories=["account"],
        title_zh="账户挂失的一般规定",
        body_zh="挂失须本人办理。",
    )
    child = category("account-loss").pk
    # when
    strict = article_search(actor=bank.agent, query="挂失", category_id=child)
    related = article_search(
        actor=bank.agent, query="挂失", category_id=child, related_category=True
    )
    # then
    assert _ids(strict) == [lost_card.pk]
    assert sorted(_ids(related)) == sorted([lost_card.pk, parent_article.pk])


def test_language_filter(bank, lost_card):
    # given: a Chinese-only article
    chinese_only = publish(
        author=bank.bj_manager, approver=bank.admin, title_zh="挂失手续费", body_zh="挂失免费。"
    )
    # when
    english = article_search(actor=bank.agent, query="挂失", language="en")
    chinese = article_search(actor=bank.agent, query="挂失", language="zh")
    # then
    assert _ids(english) == [lost_card.pk]
    assert sorted(_ids(chinese)) == sorted([lost_card.pk, chinese_only.pk])


def test_expired_and_future_articles_are_hidden_unless_asked(bank, lost_card):
    # given
    today = timezone.localdate()
    expired = publish(
        author=bank.bj_manager,
        approver=bank.admin,
        title_zh="2025年挂失收费标准",
        body_zh="挂失费10元。",
        valid_until=today - timedelta(days=1),
    )
    future = publish(
        author=bank.bj_manager,
        approver=bank.admin,
        title_zh="2027年挂失收费标准",
        body_zh="挂失免费。",
        valid_from=today + timedelta(days=1),
    )
    # when
    default = article_search(actor=bank.agent, query="挂失")
    everything = article_search(actor=bank.agent, query="挂失", include_invalid=True)
    # then
    assert _ids(default) == [lost_card.pk]
    assert sorted(_ids(everything)) == sorted([lost_card.pk, expired.pk, future.pk])
    assert {h.article.pk: h.valid_now for h in everything.hits} == {
        lost_card.pk: True,
        expired.pk: False,
        future.pk: False,
    }


def test_the_validity_window_is_inclusive(bank):
    # given: valid on one day only
    day = date(2026, 3, 2)
    article = publish(
        author=bank.bj_manager,
        approver=bank.admin,
        title_zh="两会期间营业时间",
        body_zh="营业至18点。",
        valid_from=day,
        valid_until=day,
    )
    # when
    found = {
        d: _ids(article_search(actor=bank.agent, query="营业时间", today=d))
        for d in (day - timedelta(days=1), day, day + timedelta(days=1))
    }
    # then
    assert found == {
        day - timedelta(days=1): [],
        day: [article.pk],
        day + timedelta(days=1): [],
    }


def test_drafts_revisions_and_retired_articles(bank, lost_card):
    # given: a draft never published, a revision in progress and a retired article
    draft = services.article_create(actor=bank.bj_manager, title_zh="挂失草稿", body_zh="未发布")
    revised = services.article_update(
        actor=bank.bj_manager,
        article=lost_card,
        version=lost_card.version,
        title_zh="银行卡挂失（修订中）",
    )
    retired = publish(
        author=bank.bj_manager, approver=bank.admin, title_zh="旧挂失流程", body_zh="已废止"
    )
    services.article_retire(
        actor=bank.admin, article=retired, version=retired.version, reason="流程已更新"
    )
    # when
    result = article_search(actor=bank.agent, query="挂失")
    # then: the published version is still found under its published title
    assert _ids(result) == [revised.pk]
    assert str(result.hits[0].title) == "银行卡<mark>挂失</mark>与补办新卡"
    assert draft.pk not in _ids(result)


def test_staff_without_the_permission_find_nothing(bank, lost_card):
    # when
    result = article_search(actor=bank.analyst, query="挂失")
    # then
    assert result.hits == []


def test_keyset_pages_cover_every_result_once(bank):
    # given
    made = [
        publish(
            author=bank.bj_manager,
            approver=bank.admin,
            title_zh=f"理财产品风险等级说明{n}",
            body_zh="风险等级" * (n % 3 + 1),
        )
        for n in range(5)
    ]
    # when
    first = article_search(actor=bank.agent, query="风险等级", limit=2)
    second = article_search(actor=bank.agent, query="风险等级", limit=2, after=first.next_after)
    third = article_search(actor=bank.agent, query="风险等级", limit=2, after=second.next_after)
    # then
    seen = _ids(first) + _ids(second) + _ids(third)
    assert sorted(seen) == sorted(a.pk for a in made)
    assert third.next_after is None


def test_search_costs_the_same_queries_whatever_the_number_of_articles(bank, lost_card):
    # given
    category_id = category("account").pk
    article_search(actor=bank.agent, query="挂失", category_id=category_id)  # warm caches
    with CaptureQueriesContext(connection) as few:
        article_search(actor=bank.agent, query="挂失 补卡", category_id=category_id)
    for n in range(8):
        publish(
            author=bank.bj_manager,
            approver=bank.admin,
            categories=["account-loss"],
            title_zh=f"挂失补卡常见问题{n}",
            body_zh="挂失后补卡。",
        )
    # when
    with CaptureQueriesContext(connection) as many:
        result = article_search(actor=bank.agent, query="挂失 补卡", category_id=category_id)
    # then: the category tree, the ranking (one aggregate query), the page's articles
    assert len(result.hits) == 9
    assert len(many) == len(few) == 3
