"""The knowledge API: search (ranked, filtered, keyset paged) and get; who gets what."""

from bankcrm.knowledge import services
from tests.api_support import Api, field_codes
from tests.knowledge.conftest import category


def test_search_returns_plain_text_hits_in_the_querys_language(bank, lost_card, mortgage):
    # when
    response = Api(bank.agent).get("/knowledge/articles", {"q": "挂失"})
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    [hit] = body["items"]
    assert hit["id"] == lost_card.pk
    assert hit["title"] == "银行卡挂失与补办新卡"
    assert hit["answer"] == "借记卡或信用卡丢失后，请立即通过手机银行、客服热线或柜台办理挂失。"
    assert hit["language"] == "zh-hans"
    assert (hit["matched_terms"], hit["valid_now"], hit["version"]) == (1, True, 1)
    assert "<mark>" not in hit["snippet"]


def test_search_filters_by_category_and_language(bank, lost_card, mortgage):
    # given
    api = Api(bank.agent)
    # when
    loans = api.get("/knowledge/articles", {"category_id": category("loan").pk})
    english = api.get("/knowledge/articles", {"q": "提前还款", "language": "en"})
    # then
    assert [h["id"] for h in loans.json()["items"]] == [mortgage.pk]
    [hit] = english.json()["items"]
    assert (hit["id"], hit["title"], hit["language"]) == (mortgage.pk, "Mortgage prepayment", "en")


def test_search_pages_with_a_cursor(bank, lost_card, mortgage):
    # given
    api = Api(bank.agent)
    # when
    first = api.get("/knowledge/articles", {"limit": 1}).json()
    second = api.get("/knowledge/articles", {"limit": 1, "cursor": first["next_cursor"]}).json()
    # then
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {lost_card.pk, mortgage.pk}
    assert second["next_cursor"] is None


def test_a_bad_cursor_answers_422(bank):
    # when
    response = Api(bank.agent).get("/knowledge/articles", {"cursor": "not-a-cursor"})
    # then
    assert response.status_code == 422
    assert list(field_codes(response)) == ["cursor"]


def test_get_returns_the_published_version(bank, lost_card):
    # given: a revision in progress
    services.article_update(
        actor=bank.sh_manager, article=lost_card, version=lost_card.version, title_zh="修订中"
    )
    # when
    response = Api(bank.agent).get(f"/knowledge/articles/{lost_card.pk}")
    # then
    body = response.json()
    assert response.status_code == 200
    assert (body["title_zh"], body["status"], body["version"]) == (
        "银行卡挂失与补办新卡",
        "draft",
        1,
    )
    assert body["keywords"] == ["丢卡", "补卡", "lost card"]
    assert [c["code"] for c in body["categories"]] == ["account-loss"]


def test_drafts_are_404_for_readers_and_visible_to_editors(bank):
    # given
    draft = services.article_create(actor=bank.bj_manager, title_zh="草稿", body_zh="内容")
    # when
    reader = Api(bank.agent).get(f"/knowledge/articles/{draft.pk}")
    editor = Api(bank.sh_manager).get(f"/knowledge/articles/{draft.pk}")
    # then
    assert reader.status_code == 404
    assert (editor.status_code, editor.json()["version"]) == (200, None)


def test_without_the_permission_nothing_is_found(bank, lost_card):
    # given
    api = Api(bank.analyst)
    # when
    search = api.get("/knowledge/articles", {"q": "挂失"})
    detail = api.get(f"/knowledge/articles/{lost_card.pk}")
    # then
    assert search.json() == {"items": [], "next_cursor": None}
    assert detail.status_code == 404
