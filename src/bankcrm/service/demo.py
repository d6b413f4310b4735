"""Demo data: a few hundred service cases over the last eleven months across the demo bank's
branches, in every state, some escalated and some late, so the list, the case pages and the
dashboards have something to show.

Everything goes through the services (case_create, case_transition, case_comment_add, the SLA
check), with the case's own times passed in (`opened_at`, `at`), so history, audit and SLA
figures are what they would have been. Closed cases ask for a survey (surveys app); those
invitations are marked sent as history and about two in three answered, as surveys.demo does,
so nothing goes out to the demo addresses."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from bankcrm.customers.models import Customer
from bankcrm.org.models import Staff
from bankcrm.org.roles import Role
from bankcrm.service import selectors, services
from bankcrm.service.models import Case, CaseComment, Category
from bankcrm.service.sla import add_business_minutes, business_minutes_between

CASES = 320
DAYS = 330

# (category code, kind weights request/question/complaint, subject, description)
TOPICS = [
    ("account-loss", (8, 1, 1), "借记卡遗失，申请挂失补卡", "客户来电称钱包丢失，内有借记卡一张。"),
    ("account-freeze", (3, 2, 5), "账户被冻结无法转账", "客户称账户突然无法转出，需核实冻结原因。"),
    ("account-info", (8, 2, 0), "变更预留手机号码", "客户更换手机号，需变更账户预留号码。"),
    ("account-open-close", (5, 3, 2), "异地销户手续咨询", "客户已迁居外地，询问能否异地销户。"),
    ("card-fraud", (1, 1, 8), "信用卡境外盗刷", "客户称昨晚收到三笔境外消费短信，非本人操作。"),
    ("card-retained", (6, 1, 3), "ATM吞卡", "客户在自助银行取款时银行卡被吞。"),
    ("card-statement", (2, 3, 5), "信用卡账单金额有误", "客户称本期账单有一笔重复扣款。"),
    ("card-limit", (6, 3, 1), "申请提高信用卡额度", "客户近期有大额消费需求，申请临时提额。"),
    ("card-points", (2, 5, 3), "积分兑换礼品未到", "客户一个月前兑换的礼品至今未收到。"),
    ("loan-mortgage", (4, 5, 1), "房贷利率调整咨询", "客户询问存量房贷利率调整的时间和方式。"),
    ("loan-prepayment", (6, 3, 1), "申请提前还款", "客户希望部分提前偿还住房贷款。"),
    (
        "loan-credit-report",
        (2, 2, 6),
        "征信报告出现逾期记录",
        "客户称从未逾期，征信却显示一次逾期。",
    ),
    ("loan-collection", (0, 1, 9), "催收电话过于频繁", "客户反映每天接到多次催收电话，影响生活。"),
    ("wealth-loss", (0, 3, 7), "理财产品亏损", "客户购买的净值型理财产品出现亏损，要求说明。"),
    ("wealth-misselling", (0, 1, 9), "购买理财时未告知风险", "客户称购买时客户经理承诺保本。"),
    (
        "wealth-redemption",
        (5, 4, 1),
        "理财赎回资金未到账",
        "客户赎回理财已过两个工作日，资金未到账。",
    ),
    ("payment-transfer", (3, 3, 4), "跨行转账未到账", "客户通过手机银行跨行转账，对方未收到。"),
    ("payment-crossborder", (4, 4, 2), "跨境汇款被退回", "客户汇往海外的学费被退回，需查明原因。"),
    ("payment-mobile", (2, 3, 5), "快捷支付被重复扣款", "客户一笔消费被扣款两次。"),
    ("attitude-counter", (0, 0, 10), "柜员服务态度差", "客户反映柜员办理业务时不耐烦。"),
    (
        "attitude-callcentre",
        (0, 1, 9),
        "客服电话长时间无人接听",
        "客户拨打客服热线等待超过二十分钟。",
    ),
    ("attitude-waiting", (0, 1, 9), "网点排队时间过长", "客户周六上午在网点排队一个多小时。"),
    ("fees-sms", (3, 4, 3), "短信通知费扣费疑问", "客户不清楚为何每月扣除短信通知费。"),
    ("fees-annual", (2, 3, 5), "信用卡年费争议", "客户称办卡时承诺免年费，现被收取年费。"),
    ("fees-service", (2, 4, 4), "跨行取款手续费", "客户询问跨行取款手续费的收费标准。"),
    ("digital-app", (3, 4, 3), "手机银行无法登录", "客户更新手机银行后一直提示登录失败。"),
    ("digital-online", (3, 5, 2), "网银U盾证书过期", "客户网银证书过期，询问更新方法。"),
]
CHANNELS = [
    (Case.Channel.PHONE, 40),
    (Case.Channel.COUNTER, 25),
    (Case.Channel.APP, 12),
    (Case.Channel.WECHAT, 10),
    (Case.Channel.ONLINE, 8),
    (Case.Channel.LETTER, 2),
    (Case.Channel.REGULATOR, 3),
]
RESOLUTIONS = [
    "已核实情况并向客户说明，客户表示理解。",
    "已为客户办理完毕，并短信告知结果。",
    "经核查为系统问题，已更正并退还相关费用。",
    "已协调相关部门处理，款项已退回客户账户。",
    "已向客户详细解释收费标准及减免政策，并办理减免。",
]
REPLIES = [
    "您好，您反映的问题我们已受理，将尽快核实处理。",
    "您好，经初步核查，我们需要您提供相关交易凭证。",
    "您好，处理结果已出，请留意短信通知。",
]
NOTES = [
    "已调取交易流水，待业务部门确认。",
    "已联系网点负责人了解情况。",
    "客户情绪较激动，需优先处理。",
]
REOPEN_REASONS = ["客户来电表示问题仍未解决。", "客户对处理结果不满意，要求重新核查。"]


def _work_time(rng: random.Random, day) -> datetime:
    """A moment of a working day, mostly in the service centre's hours."""
    minute = rng.randint(8 * 60 + 30, 18 * 60)
    return timezone.make_aware(datetime.combine(day, time(minute // 60, minute % 60)))


def seed_demo(*, seed: int, cases: int = CASES) -> str:
    if Case.objects.exists():
        return "service: already seeded"
    rng = random.Random(seed)  # noqa: S311 - demo figures, not secrets
    agents = list(
        Staff.objects.filter(role=Role.SERVICE_AGENT, is_active=True).select_related("branch")
    )
    if not agents:
        return "service: no service agent in the demo bank"
    by_city: dict[str, list[Staff]] = {}
    for a in agents:
        by_city.setdefault(a.branch.code, []).append(a)
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:20000])
    if not ids:
        return "service: no customers"
    picked = rng.sample(ids, min(len(ids), cases))
    customers = Customer.objects.select_related("branch").in_bulk(picked)
    categories = {c.code: c for c in Category.objects.all()}
    calendar = selectors.work_calendar()
    now = timezone.now()
    today = timezone.localdate()
    counts: dict[str, int] = {}
    with transaction.atomic():
        for pk in picked:
            customer = customers[pk]
            codes = [c for c in customer.branch.path.strip("/").split("/") if c]
            pool = next((by_city[c] for c in reversed(codes) if c in by_city), agents)
            actor = rng.choice(pool)
            code, kind_weights, subject, description = rng.choice(TOPICS)
            kind = rng.choices(list(Case.Kind.values), weights=kind_weights)[0]
            # A third from the last two weeks (still being worked), the rest over eleven months.
            if rng.random() < 0.33:
                age_days = int(rng.uniform(0, 14))
            else:
                age_days = int(rng.triangular(0, DAYS, DAYS * 0.3))
            day = today - timedelta(days=age_days)
            if day.weekday() >= 5 and rng.random() < 0.7:
                day -= timedelta(days=day.weekday() - 4)
            opened_at = min(_work_time(rng, day), now - timedelta(minutes=rng.randint(5, 600)))
            priority = rng.choices([1, 2, 3, 4], weights=[15, 60, 20, 5])[0]
            if kind == Case.Kind.COMPLAINT and rng.random() < 0.3:
                priority = min(priority + 1, 4)
            case = services.case_create(
                actor=actor,
                customer=customer,
                kind=kind,
                channel=rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0],
                category=categories[code],
                priority=priority,
                subject=subject,
                description=description,
                opened_at=opened_at,
                calendar=calendar,
            )
            worker = case.assignee or actor
            _play(rng, case, worker, now, calendar)
            counts[case.status] = counts.get(case.status, 0) + 1
        result = services.cases_check_slas(now=now)
        surveys = _surveys_as_history(rng, now)
    states = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    return (
        f"service: {len(picked)} cases ({states}); SLA check: {result.warned} at risk, "
        f"{result.response_breached + result.resolution_breached} breaches escalated; "
        f"{surveys} surveys"
    )


def _at(calendar, start: datetime, due: datetime, share: float) -> datetime:
    """The moment `share` of the business time from start to due has passed (work happens in
    working hours)."""
    minutes = business_minutes_between(calendar, start, due) * share
    return add_business_minutes(calendar, start, max(minutes, 1))


def _later(calendar, rng: random.Random, start: datetime, low: int, high: int) -> datetime:
    """A moment `low`..`high` business hours after start."""
    return add_business_minutes(calendar, start, rng.randint(low * 60, high * 60))


def _play(rng: random.Random, case: Case, worker: Staff, now: datetime, calendar) -> None:
    """Walk the case along its workflow as staff would have, at plausible times; stop where
    the present is reached."""
    late = rng.random() < 0.14
    first_at = _at(calendar, case.opened_at, case.first_response_due, rng.uniform(0.1, 0.9))
    if rng.random() < 0.08:
        first_at = _at(calendar, case.opened_at, case.first_response_due, rng.uniform(1.2, 3))
    share = rng.uniform(1.1, 2.6) if late else rng.uniform(0.25, 0.95)
    resolved_at = max(_at(calendar, case.opened_at, case.resolution_due, share), first_at)
    steps: list[tuple[str, datetime, dict]] = []
    if case.is_complaint:
        steps.append(("acknowledge", first_at, {}))
        steps.append(("investigate", _at(calendar, first_at, resolved_at, 0.3), {}))
    else:
        steps.append(("start", first_at, {}))
    steps.append(("resolve", resolved_at, {"resolution": rng.choice(RESOLUTIONS)}))
    if case.is_complaint:
        visit_at = _later(calendar, rng, resolved_at, 4, 24)
        outcome = rng.choices(list(Case.VisitOutcome.values), weights=[60, 22, 10, 8])[0]
        steps.append(
            ("visit", visit_at, {"visit_outcome": outcome, "visit_notes": "电话回访客户。"})
        )
        steps.append(("close", _later(calendar, rng, visit_at, 1, 4), {}))
    else:
        steps.append(("close", _later(calendar, rng, resolved_at, 1, 16), {}))
    replied = False
    for action, at, extra in steps:
        if at > now:
            break
        if action in ("investigate", "resolve") and not replied and rng.random() < 0.5:
            _comment(
                case, worker, CaseComment.Visibility.CUSTOMER, rng.choice(REPLIES), at, calendar
            )
            replied = True
        if action == "investigate" and rng.random() < 0.4:
            _comment(case, worker, CaseComment.Visibility.INTERNAL, rng.choice(NOTES), at, calendar)
        if action == "investigate" and rng.random() < 0.12:
            services.case_escalate(
                actor=worker, case=case, version=case.version, reason="客户要求负责人处理"
            )
            _date_last_events(case, at)
        services.case_transition(
            actor=worker,
            case=case,
            action=action,
            version=case.version,
            at=at,
            calendar=calendar,
            **extra,
        )
    if case.status == Case.Status.CLOSED and rng.random() < 0.04:
        at = _later(calendar, rng, case.closed_at, 4, 30)
        if at < now:
            services.case_transition(
                actor=worker,
                case=case,
                action="reopen",
                version=case.version,
                reason=rng.choice(REOPEN_REASONS),
                at=at,
                calendar=calendar,
            )


def _comment(case: Case, worker: Staff, visibility: str, body: str, at: datetime, calendar) -> None:
    comment = services.case_comment_add(actor=worker, case=case, visibility=visibility, body=body)
    CaseComment.objects.filter(pk=comment.pk).update(created_at=at)
    _date_last_events(case, at, count=1)
    if visibility == CaseComment.Visibility.CUSTOMER:
        # The reply was the first response at `at`, not now.
        case.refresh_from_db()
        if case.first_responded_at and case.first_responded_at > at:
            Case.objects.filter(pk=case.pk).update(
                first_responded_at=at,
                first_response_minutes=round(
                    business_minutes_between(calendar, case.opened_at, at)
                ),
                response_breached=at > case.first_response_due,
            )
            case.refresh_from_db()


def _date_last_events(case: Case, at: datetime, count: int = 2) -> None:
    last = list(case.events.order_by("-id").values_list("pk", flat=True)[:count])
    case.events.filter(pk__in=last).update(at=at)


def _surveys_as_history(rng: random.Random, now: datetime) -> int:
    """The surveys the closures asked for: sent when the case closed, most answered."""
    from bankcrm.messaging.models import Message
    from bankcrm.service.models import CaseEvent
    from bankcrm.surveys import services as surveys
    from bankcrm.surveys.models import Survey

    closed = dict(  # when each case was first closed (the survey was asked for then)
        CaseEvent.objects.filter(kind=CaseEvent.Kind.TRANSITION, to_status=Case.Status.CLOSED)
        .order_by("-at")
        .values_list("case_id", "at")
    )
    n = 0
    for survey in Survey.objects.filter(about_type="case").order_by("pk"):
        sent_at = closed.get(survey.about_id)
        if sent_at is None:
            continue
        n += 1
        sent_at += timedelta(minutes=rng.randint(5, 120))
        answered_at = None
        if survey.answered_at is None and rng.random() < 0.66:
            csat = rng.choices([1, 2, 3, 4, 5], weights=[4, 6, 14, 40, 36])[0]
            nps = {5: (8, 10), 4: (6, 10), 3: (4, 8), 2: (1, 6), 1: (0, 4)}[csat]
            surveys.survey_answer(survey=survey, csat=csat, nps=rng.randint(*nps), comment="")
            answered_at = min(sent_at + timedelta(hours=rng.randint(1, 72)), now)
        Survey.objects.filter(pk=survey.pk).update(
            created_at=sent_at,
            expires_at=sent_at + timedelta(days=surveys.survey_days()),
            **({"answered_at": answered_at} if answered_at else {}),
        )
        if survey.message_id:
            Message.objects.filter(pk=survey.message_id, status=Message.Status.QUEUED).update(
                status=Message.Status.SENT,
                attempts=1,
                sent_at=sent_at,
                next_attempt_at=None,
                provider_message_id=f"demo-case-{survey.pk}",
            )
            Message.objects.filter(pk=survey.message_id).update(created_at=sent_at)
    return n
