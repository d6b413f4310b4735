from datetime import date

import pytest

from bankcrm.knowledge import services
from bankcrm.service.models import Category


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def publish(*, author, approver, categories=(), **content):
    """A published article: drafted and submitted by `author`, approved by `approver`."""
    content.setdefault("body_zh", "")
    article = services.article_create(
        actor=author, categories=[category(c).pk for c in categories], **content
    )
    article = services.article_submit(actor=author, article=article, version=article.version)
    return services.article_approve(actor=approver, article=article, version=article.version)


@pytest.fixture
def lost_card(bank):
    """A published bilingual article about reporting a lost card, filed under 挂失与补办."""
    return publish(
        author=bank.bj_manager,
        approver=bank.admin,
        categories=["account-loss"],
        title_zh="银行卡挂失与补办新卡",
        title_en="Reporting a lost card and getting a new one",
        summary_zh="借记卡或信用卡丢失后，请立即通过手机银行、客服热线或柜台办理挂失。",
        summary_en="Report a lost debit or credit card at once in the app, by phone or at a "
        "branch.",
        body_zh="口头挂失有效期为5天，须在5天内到柜台办理书面挂失。挂失7天后可补办新卡，工本费10元。",
        body_en="A phone report holds for 5 days; confirm it in writing at a branch. "
        "A replacement card can be issued 7 days later for a fee of CNY 10.",
        tags="丢卡, 补卡, lost card",
    )


@pytest.fixture
def mortgage(bank):
    return publish(
        author=bank.sh_manager,
        approver=bank.admin,
        categories=["loan-prepayment"],
        title_zh="个人住房贷款提前还款",
        title_en="Mortgage prepayment",
        summary_zh="提前还款须提前15个工作日预约，可选择缩短期限或减少月供。",
        summary_en="Book a prepayment 15 working days ahead; shorten the term or lower the "
        "instalment.",
        body_zh="贷款发放满一年后可申请部分或全部提前还款，每年不超过两次。",
        body_en="After the first year, partial or full prepayment may be requested twice a year.",
        valid_from=date(2020, 1, 1),
    )
