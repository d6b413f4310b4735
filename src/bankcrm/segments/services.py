"""Writes of segments: each is one transaction with its audit event inside.

Evaluating a definition reads the warehouse (seconds on a large bank), so it runs before the
transaction opens; the transaction then locks the segment row, diffs the new members against
the stored ones, writes the members and the entered/left history, and audits, all or nothing.
A refresh always evaluates with the OWNER's scope (the customers the owner may see), whoever
starts it: a branch manager refreshing an RM's segment never widens it to the branch.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bankcrm.analytics import segments as analytics
from bankcrm.analytics.segments import DefinitionError, Group
from bankcrm.analytics.viewer import scope_of
from bankcrm.audit.services import audit_record
from bankcrm.common.errors import ConflictError, ensure_perm
from bankcrm.common.exports import ExportFile
from bankcrm.org.models import Staff
from bankcrm.segments.models import (
    Segment,
    SegmentChange,
    SegmentMember,
    SegmentRefresh,
)
from bankcrm.segments.selectors import segment_members

logger = logging.getLogger(__name__)

ADD, CHANGE = "segments.add_segment", "segments.change_segment"
EXPORT = "customers.export_customer"
BATCH = 500  # ids per statement (SQLite allows 999 parameters)


class DefinitionInvalid(ValidationError):
    """A definition that does not parse: a ValidationError on `definition` whose `path` names
    the bad condition ("conditions[1].conditions[0]"; "" for the whole document)."""

    def __init__(self, error: DefinitionError) -> None:
        super().__init__({"definition": ValidationError(error.message, code="invalid_definition")})
        self.path = error.path
        self.text = error.message


def definition_parse(document: Any) -> Group:
    try:
        return analytics.parse(document)
    except DefinitionError as error:
        raise DefinitionInvalid(error) from None


def _clean(*, name: str | None, description: str | None, kind: str | None) -> dict:
    errors, values = {}, {}
    if name is not None:
        name = name.strip()
        if not name:
            errors["name"] = _("Give the segment a name.")
        elif len(name) > 100:
            errors["name"] = _("At most 100 characters.")
        values["name"] = name
    if description is not None:
        if len(description) > 1000:
            errors["description"] = _("At most 1000 characters.")
        values["description"] = description.strip()
    if kind is not None:
        if kind not in Segment.Kind.values:
            errors["kind"] = _("Choose dynamic or static.")
        values["kind"] = kind
    if errors:
        raise ValidationError(errors)
    return values


def _owner(segment: Segment) -> Staff:
    return Staff.objects.select_related("branch").get(pk=segment.owner_id)


def _evaluate(definition: Group, owner: Staff) -> list[int]:
    return analytics.members(definition, scope=scope_of(owner))


def _chunks(ids: list[int]):
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _apply(*, segment_id: int, ids: list[int], actor, trigger: str) -> SegmentRefresh:
    """Inside a transaction: make the stored members `ids`, recording who entered and left."""
    Segment.objects.select_for_update().filter(pk=segment_id).values_list("pk").get()
    current = set(
        SegmentMember.objects.filter(segment_id=segment_id).values_list("customer_id", flat=True)
    )
    wanted = set(ids)
    entered, left = sorted(wanted - current), sorted(current - wanted)
    now = timezone.now()
    refresh = SegmentRefresh.objects.create(
        segment_id=segment_id,
        at=now,
        trigger=trigger,
        actor_id=getattr(actor, "pk", None),
        entered=len(entered),
        left=len(left),
        member_count=len(wanted),
    )
    for chunk in _chunks(left):
        SegmentMember.objects.filter(segment_id=segment_id, customer_id__in=chunk).delete()
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment_id=segment_id, customer_id=c, since=now) for c in entered],
        batch_size=BATCH,
    )
    moves = [(SegmentChange.Kind.LEFT, left), (SegmentChange.Kind.ENTERED, entered)]
    SegmentChange.objects.bulk_create(
        [
            SegmentChange(segment_id=segment_id, refresh=refresh, customer_id=c, kind=kind, at=now)
            for kind, group in moves
            for c in group
        ],
        batch_size=BATCH,
    )
    Segment.objects.filter(pk=segment_id).update(member_count=len(wanted), last_refreshed_at=now)
    audit_record(
        actor=actor,
        action="segment.refresh",
        object_type="segment",
        object_id=segment_id,
        changes={
            "trigger": trigger,
            "refresh": refresh.pk,
            "entered": len(entered),
            "left": len(left),
            "members": len(wanted),
        },
    )
    return refresh


def segment_create(
    *,
    actor,
    name: str,
    definition: Any,
    kind: str = Segment.Kind.DYNAMIC,
    description: str = "",
) -> Segment:
    """Save a segment owned by the actor and evaluate it once (its first members).

    Raises DefinitionInvalid (naming the bad condition) or ValidationError: nothing is saved.
    """
    ensure_perm(actor, ADD)
    values = _clean(name=name, description=description, kind=kind)
    parsed = definition_parse(definition)
    owner = Staff.objects.select_related("branch").get(pk=actor.pk)
    ids = _evaluate(parsed, owner)
    with transaction.atomic():
        segment = Segment.objects.create(
            **values, definition=definition, owner=owner, branch_id=owner.branch_id
        )
        audit_record(
            actor=actor,
            action="segment.create",
            object_type="segment",
            object_id=segment.pk,
            changes={"name": segment.name, "kind": segment.kind, "definition": definition},
        )
        _apply(segment_id=segment.pk, ids=ids, actor=actor, trigger=SegmentRefresh.Trigger.SAVE)
    segment.refresh_from_db()
    return segment


def segment_update(
    *,
    actor,
    segment: Segment,
    version: int,
    name: str | None = None,
    description: str | None = None,
    definition: Any = None,
    kind: str | None = None,
    archived: bool | None = None,
) -> Segment:
    """Change a segment read at `version` (optimistic lock: ConflictError if someone saved
    since). A new definition, or a change of kind, is evaluated at once: a static segment's
    members are those of its last save."""
    ensure_perm(actor, CHANGE)
    if segment.version != version:
        raise ConflictError()
    values = _clean(name=name, description=description, kind=kind)
    if definition is not None and definition != segment.definition:
        parsed = definition_parse(definition)
        values["definition"] = definition
    else:
        parsed = None
    if archived is not None:
        values["archived"] = archived
    changes = {
        key: [getattr(segment, key), value]
        for key, value in values.items()
        if getattr(segment, key) != value
    }
    if not changes:
        return segment
    reevaluate = ("definition" in changes or "kind" in changes) and not values.get(
        "archived", segment.archived
    )
    ids = None
    if reevaluate:
        parsed = parsed or definition_parse(segment.definition)
        ids = _evaluate(parsed, _owner(segment))
    with transaction.atomic():
        updated = Segment.objects.filter(pk=segment.pk, version=version).update(
            **{k: v[1] for k, v in changes.items()},
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        if updated != 1:
            raise ConflictError()
        audit_record(
            actor=actor,
            action="segment.update",
            object_type="segment",
            object_id=segment.pk,
            changes=changes,
        )
        if ids is not None:
            _apply(segment_id=segment.pk, ids=ids, actor=actor, trigger=SegmentRefresh.Trigger.SAVE)
    segment.refresh_from_db()
    return segment


def segment_archive(*, actor, segment: Segment, version: int, archived: bool = True) -> Segment:
    """Archive (or restore) a segment: it leaves the list and is no longer refreshed."""
    return segment_update(actor=actor, segment=segment, version=version, archived=archived)


def _refreshable(segment: Segment) -> None:
    if segment.kind == Segment.Kind.STATIC:
        raise ValidationError(_("A static segment keeps the members of its last save."))
    if segment.archived:
        raise ValidationError(_("An archived segment is not refreshed."))


def segment_refresh(
    *, segment: Segment, actor=None, trigger: str = SegmentRefresh.Trigger.MANUAL
) -> SegmentRefresh:
    """Evaluate a dynamic segment again with its owner's scope and record who entered and
    left. `actor` None is the scheduler."""
    if actor is not None:
        ensure_perm(actor, CHANGE)
    _refreshable(segment)
    ids = _evaluate(definition_parse(segment.definition), _owner(segment))
    with transaction.atomic():
        return _apply(segment_id=segment.pk, ids=ids, actor=actor, trigger=trigger)


# A request older than this is taken as lost (a worker that died): a new one may be queued.
REFRESH_REQUEST_TTL = timedelta(hours=1)


def refresh_pending(segment: Segment) -> bool:
    at = segment.refresh_requested_at
    return at is not None and at > timezone.now() - REFRESH_REQUEST_TTL


@transaction.atomic
def segment_refresh_request(*, segment: Segment, actor) -> Segment:
    """Queue a refresh for the background worker (evaluating a large segment takes seconds to
    minutes: never in a request). Asking again while one is queued or running queues nothing."""
    ensure_perm(actor, CHANGE)
    _refreshable(segment)
    now = timezone.now()
    queued = (
        Segment.objects.filter(pk=segment.pk)
        .filter(
            Q(refresh_requested_at__isnull=True)
            | Q(refresh_requested_at__lte=now - REFRESH_REQUEST_TTL)
        )
        .update(refresh_requested_at=now)
    )
    if queued:
        from bankcrm.segments.tasks import segment_refresh_requested

        audit_record(
            actor=actor,
            action="segment.refresh_request",
            object_type="segment",
            object_id=segment.pk,
        )
        transaction.on_commit(
            lambda: segment_refresh_requested.enqueue(segment.pk, actor.pk, now.isoformat())
        )
    segment.refresh_from_db()
    return segment


def segments_refresh_all(*, trigger: str = SegmentRefresh.Trigger.SCHEDULE) -> dict:
    """Refresh every dynamic segment that is not archived, the longest-waiting first. One
    segment that fails (a definition the catalogue no longer accepts) does not stop the rest."""
    found = Segment.objects.filter(kind=Segment.Kind.DYNAMIC, archived=False).order_by(
        F("last_refreshed_at").asc(nulls_first=True), "pk"
    )
    done, failed = 0, []
    for segment in found:
        try:
            segment_refresh(segment=segment, trigger=trigger)
        except Exception:
            logger.exception("segment %s: refresh failed", segment.pk)
            failed.append(segment.pk)
        else:
            done += 1
    return {"refreshed": done, "failed": failed}


# ---------------------------------------------------------------------------------------------
# Export


def segment_export(
    *,
    actor,
    segment: Segment,
    fmt: str,
    reason: str,
    unmasked: bool = False,
    language: str = "zh-hans",
) -> ExportFile:
    """The members the actor may see, as a file (the customer export's columns); audited.

    Masked unless the actor may also reveal and asks for clear values. PermissionDenied (audited
    as denied), ValidationError (reason, format, more than EXPORT_MAX_ROWS), ExportUnavailable.
    """
    from bankcrm.customers.exports import export_check, export_file, max_rows

    reason = (reason or "").strip()
    changes: dict[str, Any] = {"format": fmt, "masked": not unmasked, "segment": segment.pk}
    export_check(
        actor=actor,
        fmt=fmt,
        reason=reason,
        unmasked=unmasked,
        action="segment.export",
        object_type="segment",
        object_id=segment.pk,
        changes=changes,
    )
    limit = max_rows()
    customers = list(
        segment_members(actor=actor, segment=segment)
        .select_related("branch", "rm")
        .order_by("id")[: limit + 1]
    )
    if len(customers) > limit:
        raise ValidationError(
            _("The segment has more than %(limit)s members: at most %(limit)s can be exported.")
            % {"limit": f"{limit:,}"},
            code="too_many",
        )
    return export_file(
        actor=actor,
        customers=customers,
        fmt=fmt,
        unmasked=unmasked,
        reason=reason,
        language=language,
        title=_("Segment members"),  # not the name: sheet titles refuse some characters
        basename="segment",
        action="segment.export",
        object_type="segment",
        object_id=segment.pk,
        changes=changes,
    )


def schedule_interval() -> int:
    return settings.SEGMENT_REFRESH_INTERVAL
