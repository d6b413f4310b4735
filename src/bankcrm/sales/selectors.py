"""Reads of sales data, always scoped to the actor (out of scope = missing = 404)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum

from bankcrm.sales.models import Lead, Opportunity


@dataclass(frozen=True)
class SalesFigures:
    """One member of staff's sales in a period (for people/performance)."""

    won_count: int = 0
    won_amount: Decimal = Decimal("0")
    new_leads: int = 0
    referrals_given: int = 0


def sales_by_staff(*, start: date, end: date) -> dict[int, SalesFigures]:
    """Each staff member's figures for the days start..end (inclusive, the bank's local dates):
    opportunities won (by owner, on the day they were won), leads newly created and assigned to
    them (by assignee) and referrals they gave (by referrer). Not scoped: the caller (the
    performance pages) scopes by staff. Three grouped queries, whatever the number of staff."""
    won = (
        Opportunity.objects.filter(
            status=Opportunity.Status.WON, closed_at__date__gte=start, closed_at__date__lte=end
        )
        .values("owner_id")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    leads = (
        Lead.objects.filter(
            created_at__date__gte=start, created_at__date__lte=end, assignee__isnull=False
        )
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    referrals = (
        Lead.objects.filter(
            created_at__date__gte=start, created_at__date__lte=end, referrer__isnull=False
        )
        .values("referrer_id")
        .annotate(n=Count("id"))
    )
    parts: dict[int, dict] = {}
    for row in won:
        parts.setdefault(row["owner_id"], {}).update(
            won_count=row["n"], won_amount=row["total"] or Decimal("0")
        )
    for row in leads:
        parts.setdefault(row["assignee_id"], {})["new_leads"] = row["n"]
    for row in referrals:
        parts.setdefault(row["referrer_id"], {})["referrals_given"] = row["n"]
    return {staff_id: SalesFigures(**values) for staff_id, values in parts.items()}
