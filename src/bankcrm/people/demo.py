"""Demo data of the people app: targets for the current and previous periods, three courses
(one required before selling funds) with materials and quizzes, assignments and completions.
Everything goes through the services, as the branch managers and RMs of the demo bank."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from bankcrm.org.models import Branch, Staff, Team
from bankcrm.org.roles import Role
from bankcrm.people import services
from bankcrm.people.models import Course, Metric, PeriodKind, Target
from bankcrm.people.periods import period_containing
from bankcrm.products.models import Product, ProductType

# A one-page PDF (the sales checklist handed out with the fund course).
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 180>>stream\nBT /F1 18 Tf 60 780 Td (Fund sales checklist) Tj "
    b"0 -30 Td /F1 12 Tf (1. Risk assessment valid and matching the fund's risk level) Tj "
    b"0 -20 Td (2. Risk disclosure read and signed; recorded in the CRM) Tj ET\nendstream endobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

COURSES = [
    {
        "code": "AML-101",
        "title": "反洗钱与客户尽职调查",
        "title_en": "Anti-money laundering and customer due diligence",
        "summary": "识别可疑交易、客户身份识别与留存要求、大额和可疑交易报告流程。",
        "summary_en": "Spotting suspicious transactions, customer identification and record "
        "keeping, and how large and suspicious transactions are reported.",
        "pass_mark": 80,
        "materials": [
            (
                "客户身份识别",
                "Customer identification",
                "建立业务关系时，应核对客户有效身份证件，登记客户身份基本信息，并留存证件影印件。"
                "对代理人办理业务的，应同时核对代理人和被代理人的身份证件。\n"
                "身份证件过期或信息变化时，应及时更新客户身份资料。",
                "When a business relationship begins, check the customer's valid ID document, "
                "record the basic identity data and keep a copy. For business done by an agent, "
                "check the IDs of both the agent and the customer.\nUpdate the records when an "
                "ID expires or the information changes.",
            ),
            (
                "大额与可疑交易报告",
                "Large and suspicious transaction reports",
                "单笔或当日累计人民币现金交易5万元以上的，应报告大额交易。\n"
                "发现交易与客户身份、财务状况、经营业务明显不符的，无论金额大小，应提交可疑交易报告，"
                "且不得向客户透露。",
                "Cash transactions of CNY 50,000 or more (single or in one day) are reported as "
                "large transactions.\nA transaction clearly at odds with the customer's "
                "identity, finances or business is reported as suspicious whatever its amount, "
                "and the customer must not be told.",
            ),
        ],
        "questions": [
            (
                "单日累计人民币现金交易达到多少时需报告大额交易？",
                "From what daily cash total in CNY is a large transaction report due?",
                [
                    ("1万元", "CNY 10,000", False),
                    ("5万元", "CNY 50,000", True),
                    ("20万元", "CNY 200,000", False),
                ],
            ),
            (
                "发现可疑交易后，以下哪些做法正确？（多选）",
                "After spotting a suspicious transaction, which are right? (several)",
                [
                    ("提交可疑交易报告", "File a suspicious transaction report", True),
                    ("告知客户已被报告", "Tell the customer they were reported", False),
                    ("保存相关交易记录", "Keep the transaction records", True),
                ],
            ),
            (
                "代理人办理业务时应核对谁的身份证件？",
                "Whose ID is checked when an agent acts for a customer?",
                [
                    ("仅代理人", "The agent's only", False),
                    ("仅被代理人", "The customer's only", False),
                    ("代理人和被代理人", "Both the agent's and the customer's", True),
                ],
            ),
        ],
    },
    {
        "code": "FUND-201",
        "title": "公募基金销售资格",
        "title_en": "Mutual fund sales qualification",
        "summary": "基金销售适当性、风险揭示与双录要求。完成本课程后方可销售基金产品。",
        "summary_en": "Suitability, risk disclosure and audio-video recording for fund sales. "
        "Required before selling funds.",
        "pass_mark": 80,
        "materials": [
            (
                "适当性管理",
                "Suitability",
                "销售基金前，应确认客户风险承受能力评估在有效期内，且评估等级不低于产品风险等级。"
                "客户主动要求购买高于其风险等级的产品时，应出具风险警示并由客户确认。",
                "Before selling a fund, make sure the customer's risk assessment is valid and "
                "at least as high as the fund's risk level. If a customer insists on a riskier "
                "product, give a written risk warning and have the customer confirm it.",
            ),
        ],
        "file": ("销售检查清单", "Sales checklist", "fund-sales-checklist.pdf"),
        "questions": [
            (
                "客户风险评估等级为C2，可以向其推荐哪一风险等级的基金？",
                "A customer assessed C2 may be offered funds of which risk level?",
                [("R1或R2", "R1 or R2", True), ("R3", "R3", False), ("R5", "R5", False)],
            ),
            (
                "基金销售过程中必须完成哪些事项？（多选）",
                "What must be done in a fund sale? (several)",
                [
                    ("风险揭示", "Risk disclosure", True),
                    ("双录", "Audio-video recording", True),
                    ("承诺保本", "Promising the capital back", False),
                ],
            ),
        ],
    },
    {
        "code": "WM-301",
        "title": "理财产品介绍与客户沟通",
        "title_en": "Wealth products and talking to customers",
        "summary": "本行理财产品线、收益计算方式和常见客户问题的回答。",
        "summary_en": "The bank's wealth product range, how returns are calculated, and "
        "answers to customers' common questions.",
        "pass_mark": 60,
        "materials": [
            (
                "产品线概览",
                "The product range",
                "理财产品按期限分为现金管理类、定期开放类和封闭式产品；业绩比较基准不代表实际收益。",
                "Wealth products are cash-management, periodically open and closed-end; the "
                "performance benchmark is not a promised return.",
            ),
            (
                "常见问题",
                "Common questions",
                "问：理财产品保本吗？答：理财产品不保本，过往业绩不代表未来表现。",
                "Q: Is the capital guaranteed? A: No; past performance does not predict "
                "future returns.",
            ),
        ],
        "questions": [],
    },
]


def _course(spec: dict, admin: Staff, products, required_for) -> Course:
    from django.core.files.uploadedfile import SimpleUploadedFile

    course = services.course_create(
        actor=admin,
        code=spec["code"],
        title=spec["title"],
        title_en=spec["title_en"],
        summary=spec["summary"],
        summary_en=spec["summary_en"],
        pass_mark=spec["pass_mark"],
        products=products,
        required_for=required_for,
    )
    for title, title_en, body, body_en in spec["materials"]:
        services.material_add(
            actor=admin,
            course=course,
            kind="text",
            title=title,
            title_en=title_en,
            body=body,
            body_en=body_en,
        )
    if spec.get("file"):
        title, title_en, name = spec["file"]
        services.material_add(
            actor=admin,
            course=course,
            kind="file",
            title=title,
            title_en=title_en,
            upload=SimpleUploadedFile(name, _PDF, content_type="application/pdf"),
        )
    for text, text_en, choices in spec["questions"]:
        services.question_add(
            actor=admin,
            course=course,
            text=text,
            text_en=text_en,
            choices=[{"text": c, "text_en": e, "correct": ok} for c, e, ok in choices],
        )
    return course


def _answers(course: Course, *, right: bool) -> dict[int, set[int]]:
    out = {}
    for q in course.questions.prefetch_related("choices"):
        choices = list(q.choices.all())
        correct = {c.pk for c in choices if c.correct}
        wrong = {c.pk for c in choices if not c.correct}
        out[q.pk] = correct if right or not wrong else {next(iter(sorted(wrong)))}
    return out


def _target_values(rng: random.Random, scale: Decimal) -> dict[str, str]:
    return {
        Metric.NEW_CUSTOMERS: str(rng.randint(3, 8)),
        Metric.AUM_GROWTH: str((Decimal(rng.randint(20, 80)) * 100000 * scale).quantize(1)),
        Metric.SALES_COUNT: str(rng.randint(4, 12)),
        Metric.SALES_AMOUNT: str((Decimal(rng.randint(10, 50)) * 100000 * scale).quantize(1)),
        Metric.SLA_MET_SHARE: "90",
        Metric.CSAT: str(rng.choice([80, 85, 90])),
    }


def seed_demo(*, seed: int) -> str:
    if Course.objects.filter(code="AML-101").exists():
        return "people: already seeded"
    rng = random.Random(seed)  # noqa: S311 - demo figures, not secrets
    admin = Staff.objects.filter(role=Role.SYSTEM_ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        return "people: no system administrator to create courses"
    funds = list(Product.objects.filter(type=ProductType.FUND, active=True).order_by("code"))
    wealth = list(Product.objects.filter(type=ProductType.WEALTH, active=True).order_by("code"))
    courses = {
        "AML-101": _course(COURSES[0], admin, [], []),
        "FUND-201": _course(COURSES[1], admin, funds, funds[:1]),
        "WM-301": _course(COURSES[2], admin, wealth, []),
    }
    today = timezone.localdate()
    managers = list(
        Staff.objects.filter(
            role=Role.BRANCH_MANAGER, is_active=True, branch__level=Branch.Level.BRANCH
        ).select_related("branch")
    )
    rms = list(
        Staff.objects.filter(role=Role.RELATIONSHIP_MANAGER, is_active=True)
        .select_related("branch")
        .order_by("pk")
    )
    assigned = completed = targets = 0
    periods = [
        period_containing(PeriodKind.MONTH, today),
        period_containing(PeriodKind.MONTH, today).previous(),
        period_containing(PeriodKind.QUARTER, today),
    ]
    for manager in managers:
        assigned += services.assignment_create(
            actor=manager,
            course=courses["AML-101"],
            due_on=today + timedelta(days=30),
            branch=manager.branch,
        )
        teams = Team.objects.filter(branch__path__startswith=manager.branch.path)
        for team in teams[:2]:
            assigned += services.assignment_create(
                actor=manager,
                course=courses["FUND-201"],
                due_on=today + timedelta(days=14),
                team=team,
            )
        mine = [r for r in rms if r.branch.path.startswith(manager.branch.path)]
        demo_rm = next((r for r in mine if r.username == "rm"), None)
        if demo_rm is not None:  # the demo RM has the fund course to do (the sell gate)
            assigned += services.assignment_create(
                actor=manager,
                course=courses["FUND-201"],
                due_on=today + timedelta(days=14),
                staff=[demo_rm],
            )
        for period in periods:
            scale = Decimal(3) if period.kind == PeriodKind.QUARTER else Decimal(1)
            for rm in mine:
                services.target_set(
                    actor=manager,
                    period=period,
                    staff=rm,
                    values=_target_values(rng, scale),
                    versions={},
                )
                targets += 1
            for team in teams:
                members = sum(1 for r in mine if r.team_id == team.pk) or 1
                values = {
                    Metric.NEW_CUSTOMERS: str(5 * members),
                    Metric.SALES_AMOUNT: str(3000000 * members * int(scale)),
                    Metric.SLA_MET_SHARE: "90",
                }
                services.target_set(
                    actor=manager, period=period, team=team, values=values, versions={}
                )
                targets += 1
    # Some staff took their courses: passes (completions), a few failed attempts first.
    from bankcrm.people.models import Assignment

    for assignment in Assignment.objects.select_related("course", "staff").order_by("pk"):
        person, course = assignment.staff, assignment.course
        roll = rng.random()
        if person.username == "rm" and course.code == "FUND-201":
            continue  # the demo RM still has to pass before selling funds
        if roll < 0.15:
            services.quiz_submit(actor=person, course=course, answers=_answers(course, right=False))
        if roll < 0.6 or person.username == "rm":
            for material in course.materials.all():
                services.material_viewed(actor=person, material=material)
            services.quiz_submit(actor=person, course=course, answers=_answers(course, right=True))
            completed += 1
    # Late ones: a few assignments already past due (assigned last month).
    overdue = Assignment.objects.filter(
        ~Q(staff__training_completions__course=courses["AML-101"]), course=courses["AML-101"]
    ).order_by("pk")[:5]
    Assignment.objects.filter(pk__in=[a.pk for a in overdue]).update(
        due_on=today - timedelta(days=3)
    )
    return (
        f"people: {len(courses)} courses, {Target.objects.count()} targets ({targets} owners × "
        f"periods), {assigned} assignments, {completed} completions"
    )
