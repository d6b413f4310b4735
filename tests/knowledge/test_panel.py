from django.urls import reverse

from tests.knowledge.conftest import category


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
