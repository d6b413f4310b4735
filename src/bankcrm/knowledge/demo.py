"""Demo data of the knowledge base: 38 bilingual articles (demo_articles.py) written by the demo
bank's branch managers and approved by a colleague or the system administrator, through the
services; plus a revision waiting for approval, a new draft, a retired article, a few answers
whose periodic review is overdue, and agents' views and feedback."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from bankcrm.knowledge import services
from bankcrm.knowledge.demo_articles import ARTICLES
from bankcrm.knowledge.models import Article
from bankcrm.org.models import Staff
from bankcrm.org.roles import Role
from bankcrm.service.models import Category


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def seed_demo(*, seed: int) -> str:
    if Article.objects.exists():
        return "knowledge: already seeded"
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    managers = list(
        Staff.objects.filter(role=Role.BRANCH_MANAGER, is_active=True).order_by("username")
    )
    admin = Staff.objects.filter(role=Role.SYSTEM_ADMIN, is_active=True).order_by("pk").first()
    agents = list(
        Staff.objects.filter(role=Role.SERVICE_AGENT, is_active=True).order_by("username")[:12]
    )
    rms = list(
        Staff.objects.filter(role=Role.RELATIONSHIP_MANAGER, is_active=True).order_by("pk")[:8]
    )
    if not managers or admin is None:
        return "knowledge: skipped (no branch managers or administrator)"
    categories = dict(Category.objects.values_list("code", "pk"))
    published: list[Article] = []
    with transaction.atomic():
        for n, row in enumerate(ARTICLES):
            cats, t_zh, t_en, s_zh, s_en, b_zh, b_en, tags, start, end = row
            author = managers[n % len(managers)]
            approver = managers[(n + 1) % len(managers)] if len(managers) > 1 else admin
            if n % 4 == 0:
                approver = admin
            article = services.article_create(
                actor=author,
                title_zh=t_zh,
                title_en=t_en,
                summary_zh=s_zh,
                summary_en=s_en,
                body_zh=b_zh,
                body_en=b_en,
                tags=tags,
                categories=[categories[c] for c in cats if c in categories],
                valid_from=_day(start),
                valid_until=_day(end),
                review_interval_days=rng.choice([90, 180, 180, 365]),
            )
            article = services.article_submit(
                actor=author, article=article, version=article.version, change_note="首次发布"
            )
            article = services.article_approve(
                actor=approver, article=article, version=article.version
            )
            published.append(article)

        # Answers last confirmed long ago: the review queue lists them as overdue.
        today = timezone.localdate()
        for article in published[2:30:9]:
            Article.objects.filter(pk=article.pk).update(
                last_reviewed_at=timezone.now() - timedelta(days=article.review_interval_days + 20),
                review_due=today - timedelta(days=20),
            )

        # A revision waiting for approval: the transfer limits change.
        limits = next(a for a in published if a.title_zh == "手机银行转账限额")
        limits.refresh_from_db()
        editor = managers[-1]
        limits = services.article_update(
            actor=editor,
            article=limits,
            version=limits.version,
            summary_zh="短信验证码：单笔5万元、日累计20万元；U盾或数字证书：单笔100万元、日累计500万元；"
            "新设备登录后24小时内单日限额5000元。",
            summary_en="One-time code: CNY 50,000 per transfer and 200,000 a day; USB key or "
            "digital certificate: 1,000,000 and 5,000,000; CNY 5,000 a day for 24 hours after "
            "signing in on a new device.",
        )
        services.article_submit(
            actor=editor, article=limits, version=limits.version, change_note="新增新设备限额"
        )

        # A new draft, not yet submitted.
        services.article_create(
            actor=managers[0],
            title_zh="数字人民币钱包开通与充值",
            title_en="Opening and topping up a digital RMB wallet",
            summary_zh="客户可在数字人民币App选择本行开通钱包，并从本行借记卡充值。",
            summary_en="Customers open a wallet with our bank in the e-CNY app and top it up "
            "from their debit card.",
            tags="数字人民币, e-CNY",
            categories=[categories["digital-app"]] if "digital-app" in categories else [],
        )

        # The 2025 fee schedule is retired (the 2026 one replaced it).
        old = next(a for a in published if a.title_zh == "信用卡年费标准（2025年版）")
        old.refresh_from_db()
        services.article_retire(
            actor=admin, article=old, version=old.version, reason="已被2026年版收费标准取代"
        )

        # Agents read the answers and say whether they helped.
        readers = agents + rms
        comments = ["", "", "", "补充一下办理时限就更好了", "客户问到了外籍人士的情况"]
        for article in published:
            if article.pk == old.pk:
                continue
            for _ in range(rng.randint(3, 40)):
                services.article_count_view(article=article)
            for staff in rng.sample(readers, k=min(len(readers), rng.randint(0, 6))):
                helpful = rng.random() < 0.8
                services.article_feedback(
                    actor=staff,
                    article=article,
                    helpful=helpful,
                    comment="" if helpful else rng.choice(comments),
                )
    return (
        f"knowledge: {len(published)} articles published (1 revision in review, 1 draft, 1 retired)"
    )
