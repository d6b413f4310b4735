"""Reference data every bank starts with: the service category tree, default SLA targets, the
working week and the 2026 public holidays with their adjusted working days (调休).

All of it is edited afterwards in the admin site by the system administrator.

Holidays: the State Council's notice on the 2026 holiday arrangements (国务院办公厅关于2026年
部分节假日安排的通知, published November 2025), checked day by day against the `chinesecalendar`
package 1.11.0 from PyPI (the latest, which carries 2026 and no later year). The 2027 schedule is
not published yet when this is written: add it in the admin (Service → holidays and adjusted
working days) when the notice comes out, usually in November.
"""

from datetime import date, time
from decimal import Decimal

from django.db import migrations

CATEGORIES = [
    # (code, name, English name, parent code)
    ("account", "账户", "Accounts", None),
    ("account-open-close", "开户与销户", "Opening and closing", "account"),
    ("account-freeze", "账户冻结与解冻", "Freezing and unfreezing", "account"),
    ("account-loss", "挂失与补办", "Loss report and replacement", "account"),
    ("account-info", "信息变更", "Change of details", "account"),
    ("card", "银行卡", "Bank cards", None),
    ("card-fraud", "盗刷与可疑交易", "Fraud and suspicious transactions", "card"),
    ("card-retained", "吞卡", "Card retained by ATM", "card"),
    ("card-limit", "额度调整", "Credit limit", "card"),
    ("card-statement", "账单争议", "Statement dispute", "card"),
    ("card-points", "积分与权益", "Points and benefits", "card"),
    ("loan", "贷款", "Loans", None),
    ("loan-mortgage", "住房贷款", "Mortgages", "loan"),
    ("loan-consumer", "消费贷款", "Consumer loans", "loan"),
    ("loan-prepayment", "提前还款", "Early repayment", "loan"),
    ("loan-credit-report", "征信异议", "Credit report dispute", "loan"),
    ("loan-collection", "催收方式", "Collection practices", "loan"),
    ("wealth", "理财", "Wealth management", None),
    ("wealth-loss", "产品亏损", "Product losses", "wealth"),
    ("wealth-misselling", "销售误导", "Mis-selling", "wealth"),
    ("wealth-redemption", "申购与赎回", "Subscription and redemption", "wealth"),
    ("payment", "支付结算", "Payments and settlement", None),
    ("payment-transfer", "转账汇款", "Transfers", "payment"),
    ("payment-crossborder", "跨境汇款", "Cross-border remittances", "payment"),
    ("payment-mobile", "快捷支付", "Quick payments", "payment"),
    ("attitude", "服务态度", "Service attitude", None),
    ("attitude-counter", "柜面服务", "Counter service", "attitude"),
    ("attitude-callcentre", "电话客服", "Call centre", "attitude"),
    ("attitude-waiting", "排队等候", "Waiting time", "attitude"),
    ("fees", "收费", "Fees and charges", None),
    ("fees-service", "服务收费", "Service charges", "fees"),
    ("fees-sms", "短信通知费", "SMS alert fee", "fees"),
    ("fees-annual", "年费", "Annual fee", "fees"),
    ("digital", "电子渠道", "Digital channels", None),
    ("digital-app", "手机银行", "Mobile banking app", "digital"),
    ("digital-online", "网上银行", "Online banking", "digital"),
]

# Default targets per priority (business hours): low, normal, high, urgent.
DEFAULT_SLA = {1: ("8", "40"), 2: ("4", "24"), 3: ("2", "16"), 4: ("1", "8")}
# Tighter targets where money is at stake now: fraud, freezing, a retained card.
CATEGORY_SLA = {
    "card-fraud": {1: ("2", "16"), 2: ("1", "8"), 3: ("0.5", "4"), 4: ("0.25", "2")},
    "account-freeze": {1: ("4", "16"), 2: ("2", "8"), 3: ("1", "4"), 4: ("0.5", "2")},
    "card-retained": {1: ("4", "16"), 2: ("2", "8"), 3: ("1", "4"), 4: ("0.5", "2")},
}

HOLIDAYS_2026 = [
    # (date, name, English name): closed days
    *[(date(2026, 1, d), "元旦", "New Year's Day") for d in (1, 2, 3)],
    *[(date(2026, 2, d), "春节", "Spring Festival") for d in range(15, 24)],
    *[(date(2026, 4, d), "清明节", "Qingming Festival") for d in (4, 5, 6)],
    *[(date(2026, 5, d), "劳动节", "Labour Day") for d in range(1, 6)],
    *[(date(2026, 6, d), "端午节", "Dragon Boat Festival") for d in (19, 20, 21)],
    *[(date(2026, 9, d), "中秋节", "Mid-Autumn Festival") for d in (25, 26, 27)],
    *[(date(2026, 10, d), "国庆节", "National Day") for d in range(1, 8)],
]
WORKDAYS_2026 = [
    # Weekend days worked instead (调休)
    (date(2026, 1, 4), "元旦调休", "New Year's Day (adjusted working day)"),
    (date(2026, 2, 14), "春节调休", "Spring Festival (adjusted working day)"),
    (date(2026, 2, 28), "春节调休", "Spring Festival (adjusted working day)"),
    (date(2026, 5, 9), "劳动节调休", "Labour Day (adjusted working day)"),
    (date(2026, 9, 20), "国庆节调休", "National Day (adjusted working day)"),
    (date(2026, 10, 10), "国庆节调休", "National Day (adjusted working day)"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("service", "Category")
    SlaPolicy = apps.get_model("service", "SlaPolicy")
    WorkingHours = apps.get_model("service", "WorkingHours")
    CalendarDay = apps.get_model("service", "CalendarDay")
    by_code = {}
    for position, (code, name, name_en, parent) in enumerate(CATEGORIES):
        by_code[code] = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "parent": by_code.get(parent),
                "position": position,
            },
        )[0]
    for priority, (first, resolve) in DEFAULT_SLA.items():
        SlaPolicy.objects.get_or_create(
            category=None,
            priority=priority,
            defaults={"first_response_hours": Decimal(first), "resolution_hours": Decimal(resolve)},
        )
    for code, targets in CATEGORY_SLA.items():
        for priority, (first, resolve) in targets.items():
            SlaPolicy.objects.get_or_create(
                category=by_code[code],
                priority=priority,
                defaults={
                    "first_response_hours": Decimal(first),
                    "resolution_hours": Decimal(resolve),
                },
            )
    # Monday to Friday, 09:00–12:00 and 13:00–17:30 (Asia/Shanghai): the service centre's hours.
    for weekday in range(5):
        WorkingHours.objects.get_or_create(
            weekday=weekday, start=time(9), defaults={"end": time(12)}
        )
        WorkingHours.objects.get_or_create(
            weekday=weekday, start=time(13), defaults={"end": time(17, 30)}
        )
    for day, name, name_en in HOLIDAYS_2026:
        CalendarDay.objects.get_or_create(
            date=day, defaults={"kind": "holiday", "name": name, "name_en": name_en}
        )
    for day, name, name_en in WORKDAYS_2026:
        CalendarDay.objects.get_or_create(
            date=day, defaults={"kind": "workday", "name": name, "name_en": name_en}
        )


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
