"""Reads of the outbox, scoped to the actor through the customers they may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet
from django.http import Http404

from bankcrm.customers.selectors import customers_visible_to
from bankcrm.messaging.models import Message

VIEW = "messaging.view_message"


def messages_visible_to(actor) -> QuerySet[Message]:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(VIEW):
        return Message.objects.none()
    return Message.objects.filter(customer__in=customers_visible_to(actor).values("pk"))


def message_get(*, actor, pk: int) -> Message:
    message = messages_visible_to(actor).select_related("customer").filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


@dataclass(frozen=True)
class OutboxFilters:
    status: str = ""
    channel: str = ""
    customer_id: int | None = None
    since: datetime | None = None


def _filtered(actor, filters: OutboxFilters) -> QuerySet[Message]:
    qs = messages_visible_to(actor)
    if filters.status in Message.Status.values:
        qs = qs.filter(status=filters.status)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.since:
        qs = qs.filter(created_at__gte=filters.since)
    return qs


def outbox_page(*, actor, filters: OutboxFilters, after: int | None = None, size: int = 50):
    """Keyset page of the outbox, newest first: (rows, next cursor or None)."""
    qs = _filtered(actor, filters).select_related("customer")
    if after:
        qs = qs.filter(id__lt=after)
    rows = list(qs.order_by("-id")[: size + 1])
    return rows[:size], (rows[size - 1].pk if len(rows) > size else None)


@dataclass(frozen=True)
class OutboxCounts:
    by_status: dict[str, int]
    by_channel_status: dict[str, dict[str, int]]  # channel ("" for none) → status → count
    total: int


def outbox_counts(*, actor, since: datetime | None = None) -> OutboxCounts:
    """Messages created since `since`, by status and by channel (one grouped query)."""
    rows = (
        _filtered(actor, OutboxFilters(since=since))
        .values("channel", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_status: dict[str, int] = {s: 0 for s in Message.Status.values}
    by_channel: dict[str, dict[str, int]] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        by_channel.setdefault(row["channel"], {})[row["status"]] = row["n"]
    return OutboxCounts(
        by_status=by_status, by_channel_status=by_channel, total=sum(by_status.values())
    )


def recent_errors(*, actor, limit: int = 10) -> list[Message]:
    """The latest failed (given up) messages with their errors."""
    return list(
        messages_visible_to(actor)
        .filter(status=Message.Status.FAILED)
        .select_related("customer")
        .order_by("-updated_at", "-id")[:limit]
    )


def messages_of(*, related_type: str, related_id: int) -> QuerySet[Message]:
    """The messages about one object (e.g. a survey, a campaign), newest first."""
    return Message.objects.filter(related_type=related_type, related_id=related_id).order_by(
        "-created_at", "-id"
    )


def timeline_entries(*, actor, customer, limit: int):
    """Sent and suppressed messages for the customer 360 timeline (customers.timeline). The
    customer is one the actor may see; the text of a message is never shown here."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from bankcrm.customers.timeline import TimelineEntry
    from bankcrm.org.templatetags.bankcrm_ui import channel_icon

    may_open = actor.has_perm(VIEW)
    rows = (
        Message.objects.filter(
            customer_id=customer.pk,
            status__in=[Message.Status.SENT, Message.Status.SUPPRESSED],
        )
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit]
    )
    for m in rows:
        sent = m.status == Message.Status.SENT
        yield TimelineEntry(
            at=m.sent_at if sent and m.sent_at else m.created_at,
            kind="message",
            kind_label=_("Message sent") if sent else _("Message suppressed"),
            icon=channel_icon(m.channel) if sent else "bi-slash-circle",
            title=m.subject,
            detail=" · ".join(
                filter(
                    None,
                    [
                        str(m.get_channel_display()) if m.channel else "",
                        str(m.get_purpose_display()),
                        str(m.get_suppressed_reason_display()) if not sent else "",
                    ],
                )
            ),
            url=reverse("messaging:detail", args=[m.pk]) if may_open else "",
            actor=(m.created_by.display_name or m.created_by.username) if m.created_by else "",
        )
