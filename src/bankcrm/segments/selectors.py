"""Reads of segments, always scoped to what the actor may see.

Who sees a segment: the whole bank's roles every segment; branch roles the segments made at
their branch or below it; relationship managers their own. A segment outside that answers 404,
exactly like a missing one. Member lists, samples and exports go through the customer selector
too (`customers_visible_to`), so nobody ever lists a customer they could not open.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from bankcrm.analytics import segments as analytics
from bankcrm.analytics.segments import Group
from bankcrm.analytics.viewer import scope_of
from bankcrm.common import masking
from bankcrm.common.errors import ensure_perm
from bankcrm.customers.models import Customer, Gender
from bankcrm.customers.selectors import customers_visible_to
from bankcrm.org.roles import Scope as StaffScope
from bankcrm.segments.models import Segment, SegmentChange, SegmentMember, SegmentRefresh

VIEW = "segments.view_segment"


def segments_visible_to(actor) -> QuerySet[Segment]:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(VIEW):
        return Segment.objects.none()
    qs = Segment.objects.select_related("owner", "branch")
    if actor.scope == StaffScope.ALL:
        return qs
    if actor.scope == StaffScope.BRANCH_SUBTREE:
        if actor.branch.parent_id is None:
            return qs
        return qs.filter(branch__path__startswith=actor.branch.path)
    return qs.filter(owner_id=actor.pk)


def segment_get(*, actor, pk) -> Segment:
    """One segment the actor may see, or Http404 exactly as for a missing one."""
    try:
        return segments_visible_to(actor).get(pk=pk)
    except (Segment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@dataclass
class SegmentPage:
    items: list[Segment]
    next_cursor: int | None


def segment_page(
    *, actor, archived: bool = False, after: int | None = None, size: int = 25
) -> SegmentPage:
    """Segments newest first, a keyset page at a time."""
    qs = segments_visible_to(actor).filter(archived=archived)
    if after is not None:
        qs = qs.filter(pk__lt=after)
    items = list(qs.order_by("-id")[: size + 1])
    more = len(items) > size
    items = items[:size]
    return SegmentPage(items, items[-1].pk if more and items else None)


def segment_members(*, actor, segment: Segment) -> QuerySet[Customer]:
    """The segment's members that the actor may see (the segment itself already checked)."""
    ids = SegmentMember.objects.filter(segment=segment).values("customer_id")
    return customers_visible_to(actor).filter(pk__in=ids)


@dataclass
class MemberPage:
    items: list[Customer]
    next_cursor: int | None
    prev_cursor: int | None


def member_page(
    *,
    actor,
    segment: Segment,
    after: int | None = None,
    before: int | None = None,
    size: int | None = None,
) -> MemberPage:
    """Members in customer-id order, keyset paged (never OFFSET, never a COUNT)."""
    size = size or settings.CUSTOMER_PAGE_SIZE
    qs = segment_members(actor=actor, segment=segment).select_related("branch", "rm")
    if before is not None:
        rows = list(qs.filter(pk__lt=before).order_by("-id")[: size + 1])
        more = len(rows) > size
        rows = list(reversed(rows[:size]))
        return MemberPage(
            rows, rows[-1].pk if rows else None, rows[0].pk if rows and more else None
        )
    if after is not None:
        qs = qs.filter(pk__gt=after)
    rows = list(qs.order_by("id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return MemberPage(
        rows, rows[-1].pk if rows and more else None, rows[0].pk if rows and after else None
    )


@dataclass
class ChangeRow:
    change: SegmentChange
    customer: Customer | None  # None: a customer the actor may not open


@dataclass
class ChangePage:
    items: list[ChangeRow]
    next_cursor: int | None


def change_page(
    *, actor, segment: Segment, before: int | None = None, size: int = 20
) -> ChangePage:
    """Who entered and left, newest first; customers out of the actor's scope are not listed."""
    visible = customers_visible_to(actor).values("pk")
    qs = SegmentChange.objects.filter(segment=segment, customer_id__in=visible)
    if before is not None:
        qs = qs.filter(pk__lt=before)
    changes = list(qs.order_by("-id")[: size + 1])
    more = len(changes) > size
    changes = changes[:size]
    customers = Customer.objects.in_bulk([c.customer_id for c in changes])
    return ChangePage(
        [ChangeRow(c, customers.get(c.customer_id)) for c in changes],
        changes[-1].pk if more and changes else None,
    )


def customer_segments(*, actor, customer_id: int) -> list[Segment]:
    """The segments (visible to the actor, not archived) a customer belongs to, by name; for the
    customer 360 page (the customer itself checked by the caller through `customer_get`)."""
    ids = SegmentMember.objects.filter(customer_id=customer_id).values("segment_id")
    return list(segments_visible_to(actor).filter(pk__in=ids, archived=False).order_by("name"))


def refresh_history(*, segment: Segment, limit: int = 60) -> list[SegmentRefresh]:
    """The last refreshes, oldest first (for the chart)."""
    rows = list(SegmentRefresh.objects.filter(segment=segment).order_by("-at", "-id")[:limit])
    return list(reversed(rows))


# ---------------------------------------------------------------------------------------------
# The live preview of a definition


def distribution_labels() -> dict[str, dict[str, str]]:
    return {
        "age_group": {k: str(v) for k, v in analytics.AGE_GROUPS},
        "wealth_tier": {k: str(v) for k, v in analytics.WEALTH_TIERS},
        "gender": {k: str(v) for k, v in Gender.choices},
        "rfm_cell": {k: str(v) for k, v in analytics.RFM_CELLS},
    }


@dataclass
class SampleCustomer:
    id: int
    number: str
    name_masked: str


@dataclass
class Distribution:
    attribute: str
    title: str
    items: list[tuple[str, str, int]]  # value, label, members


@dataclass
class PreviewView:
    count: int
    sample: list[SampleCustomer]
    distributions: list[Distribution]


def segment_preview(*, actor, definition: Group) -> PreviewView:
    """Count, a few members and the distribution of key attributes, in the actor's scope."""
    ensure_perm(actor, VIEW)
    found = analytics.preview(definition, scope=scope_of(actor))
    customers = customers_visible_to(actor).in_bulk(found.sample)
    sample = [
        SampleCustomer(c.pk, c.number or "", masking.mask("name", c.name))
        for c in (customers.get(pk) for pk in found.sample)
        if c is not None
    ]
    labels = distribution_labels()
    unknown = _("Unknown")
    distributions = [
        Distribution(
            attribute=name,
            title=str(analytics.FIELDS[name].label),
            items=[
                (value, labels[name].get(value, value) if value else unknown, n)
                for value, n in pairs
            ],
        )
        for name, pairs in found.distributions.items()
    ]
    return PreviewView(count=found.count, sample=sample, distributions=distributions)
