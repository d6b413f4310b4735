"""Demo data of the sales app, made through the services as the demo bank's staff: leads from
every source (referrals across lines and branches among them, some waiting in the pool),
opportunities in every stage of every product line across branches and RMs (backdated, so the
stage history gives cycle times), quotes, and contracts with collection plans, some overdue."""

import random
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from bankcrm.customers.models import Customer
from bankcrm.org.models import Staff
from bankcrm.org.roles import Role
from bankcrm.products.models import Product
from bankcrm.sales import services
from bankcrm.sales.models import (
    BusinessLine,
    Lead,
    Opportunity,
    PoolSetting,
    ProductLine,
    Stage,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛"]
EVENTS = ["春季房展会", "财富沙龙：养老规划", "小微企业金融服务日", "社区反诈讲座"]
CAMPAIGNS = ["信用卡新客礼", "大额存单季末营销", "按揭转贷优惠"]
AMOUNTS = {
    "mortgage": (600_000, 3_000_000),
    "wealth": (200_000, 5_000_000),
    "corporate_loan": (2_000_000, 30_000_000),
    "credit_card": (20_000, 200_000),
}
NAMES = {
    "mortgage": "住房按揭",
    "wealth": "资产配置",
    "corporate_loan": "流动资金贷款",
    "credit_card": "信用卡",
}
LINE_OF = {
    "mortgage": BusinessLine.RETAIL,
    "credit_card": BusinessLine.RETAIL,
    "wealth": BusinessLine.WEALTH,
    "corporate_loan": BusinessLine.CORPORATE,
}


def _mobile(rng: random.Random) -> str:
    return f"{rng.choice(('138', '139', '186', '158', '177'))}{rng.randrange(10**8):08d}"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


def _amount(rng: random.Random, code: str) -> Decimal:
    low, high = AMOUNTS[code]
    return Decimal(rng.randrange(low, high, 10_000))


@transaction.atomic
def seed_demo(*, seed: int) -> str:
    if Opportunity.objects.exists() or Lead.objects.exists():
        return "sales: already seeded"
    rng = random.Random(seed)  # noqa: S311 - demo figures, not secrets
    now = timezone.now()
    today = timezone.localdate()
    lines = {line.code: line for line in ProductLine.objects.filter(active=True)}
    if not lines:
        return "sales: no product lines"
    stages = {code: list(line.stages.order_by("position")) for code, line in lines.items()}
    products = {
        code: [
            p
            for p in Product.objects.filter(active=True).order_by("code")
            if p.type in line.product_types
        ]
        for code, line in lines.items()
    }
    if "corporate_loan" in products:  # business loans only, not consumer credit
        products["corporate_loan"] = [p for p in products["corporate_loan"] if "BIZ" in p.code]
    # The busiest sub-branches (the demo RM's first), three RMs each with a book of customers.
    rms = list(
        Staff.objects.filter(role=Role.RELATIONSHIP_MANAGER, is_active=True)
        .annotate(book=Count("customers"))
        .filter(book__gt=0)
        .select_related("branch")
        .order_by("pk")
    )
    demo_rm = next((r for r in rms if r.username == "rm"), None)
    by_branch: dict[int, list[Staff]] = {}
    for rm in ([demo_rm] if demo_rm else []) + rms:
        crew = by_branch.setdefault(rm.branch_id, [])
        if rm not in crew and len(crew) < 3:
            crew.append(rm)
    branches = list(by_branch)[:6]
    sellers = [rm for b in branches for rm in by_branch[b]]
    if not sellers:
        return "sales: no relationship managers with customers"
    PoolSetting.objects.get_or_create(
        branch=None,
        defaults={"return_after_days": 30, "lead_cap": 40, "customer_cap": 1000},
    )
    agents = {
        s.branch.path: s
        for s in Staff.objects.filter(
            role__in=[Role.SERVICE_AGENT, Role.BRANCH_MANAGER], is_active=True
        ).select_related("branch")
    }

    def manager_of(rm: Staff) -> Staff | None:
        for path, staff in sorted(agents.items(), key=lambda kv: -len(kv[0])):
            if rm.branch.path.startswith(path) and staff.role == Role.BRANCH_MANAGER:
                return staff
        return None

    leads = opportunities = contracts = overdue = 0
    for rm in sellers:
        customers = list(Customer.objects.filter(rm=rm, kind="individual").order_by("pk")[:40])
        companies = list(Customer.objects.filter(rm=rm, kind="corporate").order_by("pk")[:10])
        if not customers:
            continue
        colleague = rng.choice([s for s in sellers if s.pk != rm.pk] or [rm])
        # Leads: walk-ins, referrals (some across lines), events and campaigns.
        for k in range(6):
            at = now - timedelta(days=rng.randrange(1, 50), hours=rng.randrange(9))
            code = rng.choice(list(lines))
            source = [
                Lead.Source.WALK_IN,
                Lead.Source.REFERRAL,
                Lead.Source.EVENT,
                Lead.Source.CAMPAIGN,
                Lead.Source.REFERRAL,
                Lead.Source.WALK_IN,
            ][k]
            existing = customers[k % len(customers)] if k % 2 else None
            data = services.LeadData(
                source=source,
                branch=rm.branch,
                customer=existing,
                prospect_name="" if existing else _name(rng),
                prospect_mobile="" if existing else _mobile(rng),
                product_line=lines[code],
                expected_amount=_amount(rng, code),
                referrer=colleague if source == Lead.Source.REFERRAL else None,
                referrer_line=rng.choice(BusinessLine.values)
                if source == Lead.Source.REFERRAL
                else "",
                source_detail=rng.choice(EVENTS)
                if source == Lead.Source.EVENT
                else rng.choice(CAMPAIGNS)
                if source == Lead.Source.CAMPAIGN
                else "",
            )
            creator = {Lead.Source.REFERRAL: colleague, Lead.Source.CAMPAIGN: manager_of(rm)}.get(
                source
            )
            lead = services.lead_create(
                actor=creator or rm,
                data=data,
                assignee=rm if k in (0, 2) else None,
                auto_assign=k != 5,  # the last one waits in the pool
                now=at,
            )
            leads += 1
            if lead.assignee_id and source == Lead.Source.REFERRAL and lead.customer_id:
                # the referral became an opportunity, and (first ones) was won: referrer credit
                opp = services.lead_convert(
                    actor=lead.assignee,
                    lead=lead,
                    version=lead.version,
                    customer=None,
                    line=lines[code],
                    name=f"{lead.customer.name} · {NAMES.get(code, lines[code].name)}",
                    amount=lead.expected_amount,
                    expected_close=today + timedelta(days=60),
                    now=at + timedelta(days=2),
                )
                opportunities += 1
                if k == 1:
                    won = next(s for s in stages[code] if s.kind == Stage.Kind.WON)
                    services.opportunity_move(
                        actor=lead.assignee,
                        opportunity=opp,
                        stage=won,
                        version=opp.version,
                        now=min(at + timedelta(days=20), now),
                    )
            if lead.assignee_id and k == 0:
                lead = services.lead_follow_up(
                    actor=lead.assignee,
                    lead=lead,
                    version=lead.version,
                    note="电话联系，约到网点面谈",
                    status=Lead.Status.CONTACTED,
                    now=at + timedelta(days=1),
                )
        # Opportunities: every stage of every line, opened 20-150 days ago.
        for code, line_stages in stages.items():
            pool = companies if LINE_OF.get(code) == BusinessLine.CORPORATE else customers
            if not pool:
                continue
            for target in line_stages:
                if rng.random() < 0.35 and target.kind == Stage.Kind.OPEN:
                    continue
                opened = now - timedelta(days=rng.randrange(20, 150))
                customer = rng.choice(pool)
                amount = _amount(rng, code)
                product = rng.choice(products[code]) if products[code] else None
                kwargs = {
                    "actor": rm,
                    "customer": customer,
                    "line": lines[code],
                    "name": f"{customer.name} · {NAMES.get(code, lines[code].name)}",
                    "amount": amount,
                    "expected_close": today + timedelta(days=rng.randrange(-10, 170)),
                    "now": opened,
                }
                try:
                    opp = services.opportunity_create(product=product, **kwargs)
                except ValidationError:  # the training gate: not yet trained for the product
                    opp = services.opportunity_create(**kwargs)
                opportunities += 1
                at = opened
                path = [s for s in line_stages if s.kind == Stage.Kind.OPEN]
                if target.kind == Stage.Kind.OPEN:
                    path = path[: path.index(target) + 1]
                elif target.kind == Stage.Kind.LOST:
                    path = path[: rng.randrange(1, len(path) + 1)]
                for step in [*path[1:], *([target] if target.terminal else [])]:
                    at = min(at + timedelta(days=rng.randrange(2, 15), hours=3), now)
                    opp = services.opportunity_move(
                        actor=rm,
                        opportunity=opp,
                        stage=step,
                        version=opp.version,
                        reason="客户选择他行，利率更低" if step.kind == Stage.Kind.LOST else "",
                        now=at,
                    )
                if target.kind == Stage.Kind.OPEN and target.position >= 1 and rng.random() < 0.5:
                    services.quote_create(
                        actor=rm,
                        opportunity=opp,
                        title=f"{lines[code].name}方案",
                        valid_until=today + timedelta(days=30),
                        items=[services.QuoteLine(NAMES.get(code, "方案"), "1", str(amount))],
                        now=min(at + timedelta(hours=2), now),
                    )
                if target.kind == Stage.Kind.WON and code in ("mortgage", "corporate_loan"):
                    signed = timezone.localdate(at) - timedelta(days=1)
                    count = rng.choice((3, 6, 12))
                    contract = services.contract_create(
                        actor=rm,
                        opportunity=opp,
                        number=f"HT{opp.pk:06d}",
                        signed_on=signed,
                        amount=amount,
                        term_months=count,
                        plan=services.equal_instalments(
                            amount=amount,
                            first_due=signed + timedelta(days=30),
                            count=count,
                        ),
                        now=at,
                    )
                    contracts += 1
                    late = rng.random() < 0.4
                    for inst in contract.instalments.order_by("sequence"):
                        if inst.due_date > today:
                            break
                        if late and inst.due_date > today - timedelta(days=40):
                            overdue += 1
                            if rng.random() < 0.5:  # part of it came in
                                services.payment_record(
                                    actor=rm,
                                    instalment=inst,
                                    amount=(inst.amount / 3).quantize(Decimal("0.01")),
                                    received_on=inst.due_date,
                                    reference="部分还款",
                                )
                            continue
                        services.payment_record(
                            actor=rm,
                            instalment=inst,
                            amount=inst.amount,
                            received_on=inst.due_date,
                            reference=f"回款{inst.sequence}",
                        )
    return (
        f"sales: {leads} leads, {opportunities} opportunities, {contracts} contracts "
        f"({overdue} instalments overdue) for {len(sellers)} RMs in {len(branches)} branches"
    )
