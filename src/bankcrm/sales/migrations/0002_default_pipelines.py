"""The bank's default product lines and their stages (editable afterwards in the admin site)."""

from django.db import migrations

# code, name, English name, business line, product types, stages
# (stage code, name, English name, kind, default probability)
LINES = [
    (
        "mortgage",
        "住房按揭贷款",
        "Mortgage",
        "retail",
        ["mortgage"],
        [
            ("application", "申请", "Application", "open", 10),
            ("documents", "资料收集", "Documents", "open", 30),
            ("appraisal", "评估", "Appraisal", "open", 50),
            ("approval", "审批", "Approval", "open", 75),
            ("disbursement", "放款", "Disbursement", "open", 90),
            ("won", "成交", "Won", "won", 100),
            ("lost", "失败", "Lost", "lost", 0),
        ],
    ),
    (
        "wealth",
        "财富管理",
        "Wealth management",
        "wealth",
        ["wealth", "fund", "insurance", "time_deposit"],
        [
            ("needs", "需求分析", "Needs analysis", "open", 10),
            ("proposal", "方案建议", "Proposal", "open", 35),
            ("risk_check", "风险评估", "Suitability check", "open", 60),
            ("subscription", "认购", "Subscription", "open", 85),
            ("won", "成交", "Won", "won", 100),
            ("lost", "失败", "Lost", "lost", 0),
        ],
    ),
    (
        "corporate_loan",
        "对公贷款",
        "Corporate loan",
        "corporate",
        ["personal_loan"],
        [
            ("prospecting", "客户拜访", "Prospecting", "open", 10),
            ("due_diligence", "尽职调查", "Due diligence", "open", 30),
            ("credit_review", "授信审查", "Credit review", "open", 55),
            ("approval", "审批", "Approval", "open", 75),
            ("drawdown", "提款", "Drawdown", "open", 90),
            ("won", "成交", "Won", "won", 100),
            ("lost", "失败", "Lost", "lost", 0),
        ],
    ),
    (
        "credit_card",
        "信用卡",
        "Credit card",
        "retail",
        ["credit_card"],
        [
            ("application", "申请", "Application", "open", 20),
            ("verification", "核实", "Verification", "open", 50),
            ("approval", "审批", "Approval", "open", 80),
            ("won", "开卡", "Activated", "won", 100),
            ("lost", "失败", "Lost", "lost", 0),
        ],
    ),
]


def create(apps, schema_editor):
    ProductLine = apps.get_model("sales", "ProductLine")
    Stage = apps.get_model("sales", "Stage")
    for position, (code, name, name_en, business, types, stages) in enumerate(LINES):
        line, created = ProductLine.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "business_line": business,
                "product_types": types,
                "position": position,
            },
        )
        if not created:
            continue
        for n, (s_code, s_name, s_en, kind, probability) in enumerate(stages):
            Stage.objects.create(
                line=line,
                code=s_code,
                name=s_name,
                name_en=s_en,
                position=n,
                kind=kind,
                probability=probability,
            )


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
