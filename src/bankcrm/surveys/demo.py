"""Demo data: satisfaction surveys after the demo bank's visits and calls over the last twelve
months, about two in three answered, so the results page and the trend have something to show.

Surveys are requested and answered through the services (with their messages and audit
entries); then their dates are moved back to when the contact happened, and their messages are
marked sent then (history: nothing goes out to the demo addresses)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from bankcrm.interactions.models import Interaction
from bankcrm.messaging.models import Message
from bankcrm.org.models import Branch, Staff
from bankcrm.org.roles import Role
from bankcrm.surveys import services
from bankcrm.surveys.models import Survey

ABOUT = "interaction"
SAMPLE = {"rm": 5, "bj": 12, "all": 12}  # surveys a month: demo RM's book, Beijing, the rest
DEMO_BRANCH = "110"  # the demo manager's and agent's branch (demo.bank.DEMO_LOGINS)
MONTHS = 12

COMMENTS = {
    "good": [
        "柜员很耐心，解释得很清楚。",
        "办理速度很快，点赞。",
        "客户经理主动提醒我理财到期，很贴心。",
        "环境干净，排队时间短。",
        "电话里就把问题解决了，谢谢。",
    ],
    "mixed": [
        "整体还可以，就是等待时间有点长。",
        "手续有点多，希望能简化。",
        "解释得不够详细，回家后还是不太明白。",
    ],
    "bad": [
        "排队一个多小时，体验很差。",
        "问题转了好几个人都没解决。",
        "电话一直打不通。",
    ],
}


def _csat(rng: random.Random, k: int) -> int:
    """Mostly satisfied, a little better each month (k: 0 the oldest month … 11)."""
    better = k * 0.012
    weights = [0.05 - better / 3, 0.07 - better / 3, 0.16 - better / 3, 0.40, 0.32 + better]
    return rng.choices([1, 2, 3, 4, 5], weights=weights)[0]


def _nps(rng: random.Random, csat: int) -> int:
    ranges = {5: (8, 10), 4: (7, 10), 3: (5, 8), 2: (2, 6), 1: (0, 4)}
    low, high = ranges[csat]
    return max(rng.randint(low, high), rng.randint(low, high))  # leaning to the top


def _comment(rng: random.Random, csat: int) -> str:
    if rng.random() > 0.35:
        return ""
    mood = "good" if csat >= 4 else "mixed" if csat == 3 else "bad"
    return rng.choice(COMMENTS[mood])


def seed_demo(*, seed: int) -> str:
    if Survey.objects.filter(about_type=ABOUT).exists():
        return "surveys: already seeded"
    rng = random.Random(seed)  # noqa: S311 - demo figures, not secrets
    fallback = Staff.objects.filter(role=Role.SERVICE_AGENT, is_active=True).order_by("pk").first()
    if fallback is None:
        return "surveys: no service agent to request surveys"
    now = timezone.now()
    first = (timezone.localdate().replace(day=1) - timedelta(days=MONTHS * 31)).replace(day=1)
    since = datetime(first.year, first.month, 1, tzinfo=timezone.get_current_timezone())
    contacts = (
        Interaction.objects.filter(
            channel__in=[Interaction.Channel.BRANCH_VISIT, Interaction.Channel.CALL],
            occurred_at__gte=since,
            occurred_at__lte=now - timedelta(days=1),
        )
        .select_related("customer__branch", "staff")
        .order_by("id")
    )
    # Each month: some contacts of the demo RM's book, more of the Beijing branch (the demo
    # manager's and agent's), the rest from the whole bank.
    beijing = Branch.objects.filter(code=DEMO_BRANCH).values_list("path", flat=True).first() or "-"
    demo_rm = Staff.objects.filter(username="rm").values_list("pk", flat=True).first()
    by_month: dict[tuple[int, int], dict[str, list[Interaction]]] = {}
    for contact in contacts.iterator(chunk_size=2000):
        local = timezone.localtime(contact.occurred_at)
        buckets = by_month.setdefault((local.year, local.month), {"rm": [], "bj": [], "all": []})
        if contact.customer.rm_id == demo_rm:
            kind = "rm"
        elif contact.customer.branch.path.startswith(beijing):
            kind = "bj"
        else:
            kind = "all"
        if len(buckets[kind]) < 200:
            buckets[kind].append(contact)
    months = sorted(by_month)[-MONTHS:]
    requested = answered = 0
    with transaction.atomic():
        for k, month in enumerate(months):
            chosen = [
                contact
                for kind, wanted in SAMPLE.items()
                for contact in rng.sample(
                    by_month[month][kind], min(wanted, len(by_month[month][kind]))
                )
            ]
            for contact in chosen:
                actor = contact.staff if contact.staff.has_perm(services.REQUEST) else fallback
                survey = services.survey_request(
                    actor=actor,
                    customer=contact.customer,
                    about_type=ABOUT,
                    about_id=contact.pk,
                    staff=contact.staff,
                    branch=contact.customer.branch,
                )
                requested += 1
                sent_at = contact.occurred_at + timedelta(hours=rng.randint(2, 30))
                answered_at = None
                invited = survey.message.status == Message.Status.QUEUED
                if invited and rng.random() < 0.68:
                    csat = _csat(rng, k + MONTHS - len(months))
                    services.survey_answer(
                        survey=survey,
                        csat=csat,
                        nps=_nps(rng, csat),
                        comment=_comment(rng, csat),
                    )
                    answered_at = min(sent_at + timedelta(hours=rng.randint(1, 72)), now)
                    answered += 1
                expires_at = sent_at + timedelta(days=services.survey_days())
                Survey.objects.filter(pk=survey.pk).update(
                    created_at=sent_at, expires_at=expires_at, answered_at=answered_at
                )
                Message.objects.filter(pk=survey.message_id, status=Message.Status.QUEUED).update(
                    status=Message.Status.SENT,
                    attempts=1,
                    sent_at=sent_at,
                    next_attempt_at=None,
                    provider_message_id=f"demo-{survey.pk}",
                )
                Message.objects.filter(pk=survey.message_id).update(created_at=sent_at)
        expired = services.surveys_expire()
    return (
        f"surveys: {requested} requested over {len(months)} months, {answered} answered, "
        f"{expired} expired"
    )
