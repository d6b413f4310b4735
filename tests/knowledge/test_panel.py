from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.knowledge.conftest import category, publish


def test_panel_lists_matching_articles_with_a_copy_button(client, bank, lost_card, mortgage):
    # given
    client.force_login(bank.agent)
    # when
    response = client.get(
        reverse("knowledge:panel"),
        {"q": "客户信用卡丢了要挂失", "category": category("account").pk, "lang": "zh"},
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'href="/knowledge/{lost_card.pk}/"' in html
    assert f'href="/knowledge/{mortgage.pk}/"' not in html
    assert "data-kb-copy" in html
    assert (
        "<template data-kb-answer>借记卡或信用卡丢失后，请立即通过手机银行、客服热线或"
        "柜台办理挂失。</template>" in html
    )


def test_panel_answers_in_the_staff_members_language_by_default(client, bank, lost_card):
    # given: the agent works in English
    client.force_login(bank.agent)
    # when
    response = client.get(reverse("knowledge:panel"), {"q": "lost card"})
    # then
    assert "<template data-kb-answer>Report a lost debit or credit card at once" in (
        response.content.decode()
    )


def test_panel_lang_picks_the_customers_language(client, bank, lost_card):
    # given: a Chinese case description, an English-speaking customer
    client.force_login(bank.agent)
    # when
    response = client.get(reverse("knowledge:panel"), {"q": "银行卡丢了", "lang": "en"})
    # then
    assert "<template data-kb-answer>Report a lost debit or credit card at once" in (
        response.content.decode()
    )


def test_panel_falls_back_to_any_category_when_none_matches_there(client, bank, lost_card):
    # given: the case is filed under 理财, the answer under 账户
    client.force_login(bank.agent)
    # when
    response = client.get(
        reverse("knowledge:panel"), {"q": "挂失", "category": category("wealth").pk}
    )
    # then
    assert f'href="/knowledge/{lost_card.pk}/"' in response.content.decode()


def test_panel_without_words_lists_the_categorys_articles(client, bank, lost_card, mortgage):
    # given
    client.force_login(bank.agent)
    # when
    response = client.get(reverse("knowledge:panel"), {"category": category("loan").pk})
    # then
    html = response.content.decode()
    assert f'href="/knowledge/{mortgage.pk}/"' in html
    assert f'href="/knowledge/{lost_card.pk}/"' not in html


def test_panel_never_shows_expired_articles(client, bank):
    # given
    expired = publish(
        author=bank.bj_manager,
        approver=bank.admin,
        title_zh="旧版挂失规定",
        body_zh="旧",
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    client.force_login(bank.agent)
    # when
    response = client.get(reverse("knowledge:panel"), {"q": "挂失"})
    # then
    assert f'href="/knowledge/{expired.pk}/"' not in response.content.decode()
