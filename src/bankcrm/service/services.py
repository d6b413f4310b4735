"""Writes of the service app: opening cases, moving them through their workflow, notes and
replies, attachments, assignment, escalation and the periodic SLA check.

Every write is one transaction with its audit event and a case event (the case's own history).
A case that is edited carries a `version`: a stale version raises ConflictError, nothing saved.

Workflows (TRANSITIONS below is the one table):
- requests and questions: open → in progress → resolved → closed;
- complaints: registered → acknowledged → investigating → resolved → return visit → closed; a
  complaint closes only with a recorded resolution and a recorded return visit;
- any resolved, visited or closed case reopens on the customer's request (a reason is required).
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bankcrm.audit.services import audit_record
from bankcrm.common.errors import ConflictError, ensure_perm
from bankcrm.customers.selectors import customers_visible_to
from bankcrm.messaging.services import message_enqueue
from bankcrm.org.models import Staff
from bankcrm.service import selectors
from bankcrm.service.models import (
    Case,
    CaseAttachment,
    CaseComment,
    CaseEvent,
    Category,
    Priority,
)
from bankcrm.service.sla import (
    AT_RISK,
    WorkCalendar,
    add_business_minutes,
    business_minutes_between,
)

S = Case.Status
K = Case.Kind


@dataclass(frozen=True)
class Transition:
    action: str
    label: object  # lazy translated
    sources: tuple[str, ...]
    target: str


_REQUEST_FLOW = (
    Transition("start", gettext_lazy("Start work"), (S.OPEN,), S.IN_PROGRESS),
    Transition("resolve", gettext_lazy("Resolve"), (S.OPEN, S.IN_PROGRESS), S.RESOLVED),
    Transition("close", gettext_lazy("Close"), (S.RESOLVED,), S.CLOSED),
    Transition("reopen", gettext_lazy("Reopen"), (S.RESOLVED, S.CLOSED), S.IN_PROGRESS),
)
_COMPLAINT_FLOW = (
    Transition("acknowledge", gettext_lazy("Acknowledge"), (S.REGISTERED,), S.ACKNOWLEDGED),
    Transition("investigate", gettext_lazy("Investigate"), (S.ACKNOWLEDGED,), S.INVESTIGATING),
    Transition("resolve", gettext_lazy("Resolve"), (S.INVESTIGATING,), S.RESOLVED),
    Transition("visit", gettext_lazy("Record return visit"), (S.RESOLVED,), S.VISITED),
    Transition("close", gettext_lazy("Close"), (S.VISITED,), S.CLOSED),
    Transition(
        "reopen", gettext_lazy("Reopen"), (S.RESOLVED, S.VISITED, S.CLOSED), S.INVESTIGATING
    ),
)
TRANSITIONS: dict[str, tuple[Transition, ...]] = {
    K.REQUEST: _REQUEST_FLOW,
    K.QUESTION: _REQUEST_FLOW,
    K.COMPLAINT: _COMPLAINT_FLOW,
}
INITIAL_STATUS = {K.REQUEST: S.OPEN, K.QUESTION: S.OPEN, K.COMPLAINT: S.REGISTERED}
# Moving a case out of these statuses is its first response to the customer.
FIRST_RESPONSE_ACTIONS = {"acknowledge", "start", "resolve"}

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
}
# The first bytes each type must start with: a renamed executable is refused.
_MAGIC = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
    ".wav": (b"RIFF",),
}


def allowed_actions(case: Case) -> list[Transition]:
    return [t for t in TRANSITIONS[case.kind] if case.status in t.sources]


def attachment_dir() -> Path:
    return Path(settings.VAR_DIR) / "service" / "attachments"


def _hours_to_minutes(hours: Decimal) -> float:
    return float(hours) * 60


def _due_times(
    calendar: WorkCalendar, *, start: datetime, category: Category, priority: int
) -> tuple[datetime, datetime, datetime]:
    targets = selectors.sla_targets(category=category, priority=priority)
    first = _hours_to_minutes(targets.first_response_hours)
    resolve = _hours_to_minutes(targets.resolution_hours)
    return (
        add_business_minutes(calendar, start, first),
        add_business_minutes(calendar, start, resolve),
        add_business_minutes(calendar, start, resolve * AT_RISK),
    )


def _event(case: Case, *, actor, kind: str, at: datetime, detail: str = "", **data) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        from_status=data.pop("from_status", ""),
        to_status=data.pop("to_status", ""),
        detail=detail,
        data=data,
    )


def _assigned_event(case: Case, staff: Staff, *, at: datetime, actor, **data) -> CaseEvent:
    """The "assigned" event: the case given to `staff` (`data`: automatic=True when the system
    picked them; previous and reason when someone reassigned it by hand)."""
    return _event(
        case,
        actor=actor,
        kind=CaseEvent.Kind.ASSIGNED,
        at=at,
        detail=staff.display_name or staff.username,
        assignee=staff.pk,
        **data,
    )


def _save(case: Case, *, version: int, **values) -> None:
    """Write `values` if nobody saved the case since `version`; bump the version."""
    updated = Case.objects.filter(pk=case.pk, version=version).update(
        **values, version=F("version") + 1
    )
    if updated != 1:
        raise ConflictError()
    for key, value in values.items():
        setattr(case, key, value)
    case.version = version + 1


def _pick_assignee(*, branch, category, exclude: set[int] = frozenset()) -> Staff | None:
    """The candidate agent with the fewest open cases (then the longest idle: lowest id)."""
    agents = [
        a for a in selectors.agents_for(branch=branch, category=category) if a.pk not in exclude
    ]
    if not agents:
        return None
    load = selectors.open_workload([a.pk for a in agents])
    return min(agents, key=lambda a: (load[a.pk], a.pk))


@transaction.atomic
def case_create(
    *,
    actor,
    customer,
    kind: str,
    channel: str,
    category: Category | None,
    subject: str,
    description: str = "",
    priority: int = Priority.NORMAL,
    assignee: Staff | None = None,
    opened_at: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Case:
    """Open a case for a customer the actor may see; assign it (the given assignee, or the
    least-loaded agent for its branch and category) and start its SLA clocks."""
    ensure_perm(actor, "service.add_case")
    now = timezone.now()
    opened_at = opened_at or now
    errors = {}
    if kind not in K.values:
        errors["kind"] = _("Choose a kind of case.")
    if channel not in Case.Channel.values:
        errors["channel"] = _("Choose a channel.")
    if category is None or not category.active:
        errors["category"] = _("Choose a category.")
    try:
        priority = int(priority)
    except (TypeError, ValueError):
        priority = 0
    if priority not in Priority.values:
        errors["priority"] = _("Choose a priority.")
    subject = (subject or "").strip()
    if not subject:
        errors["subject"] = _("A subject is required.")
    elif len(subject) > 200:
        errors["subject"] = _("The subject is at most 200 characters.")
    if opened_at > now + timedelta(minutes=5):
        errors["opened_at"] = _("A case cannot be opened in the future.")
    if not customers_visible_to(actor).filter(pk=customer.pk).exists():
        errors["customer"] = _("Choose a customer you serve.")
    if assignee is not None and not (
        assignee.is_active and assignee.has_perm("service.change_case")
    ):
        errors["assignee"] = _("This staff member cannot work on cases.")
    if errors:
        raise ValidationError(errors)
    calendar = calendar or selectors.work_calendar()
    first_due, resolution_due, warn_at = _due_times(
        calendar, start=opened_at, category=category, priority=priority
    )
    branch = customer.branch
    if assignee is None:
        assignee = _pick_assignee(branch=branch, category=category)
    case = Case.objects.create(
        number=uuid.uuid4().hex[:20],
        customer=customer,
        kind=kind,
        channel=channel,
        category=category,
        priority=priority,
        subject=subject,
        description=(description or "").strip(),
        status=INITIAL_STATUS[kind],
        branch=branch,
        assignee=assignee,
        opened_by=actor,
        opened_at=opened_at,
        first_response_due=first_due,
        resolution_due=resolution_due,
        resolution_warn_at=warn_at,
    )
    case.number = f"CS{timezone.localtime(opened_at):%Y%m%d}{case.pk:06d}"
    Case.objects.filter(pk=case.pk).update(number=case.number)
    _event(
        case,
        actor=actor,
        kind=CaseEvent.Kind.OPENED,
        at=opened_at,
        to_status=case.status,
        assignee=assignee.pk if assignee else None,
    )
    if assignee is not None:
        _assigned_event(case, assignee, at=opened_at, actor=actor, automatic=True)
    audit_record(
        actor=actor,
        action="case.create",
        object_type="case",
        object_id=case.pk,
        customer_id=customer.pk,
        changes={
            "kind": kind,
            "channel": channel,
            "category": category.pk,
            "priority": priority,
            "assignee": assignee.pk if assignee else None,
        },
    )
    return case


@transaction.atomic
def case_transition(
    *,
    actor,
    case: Case,
    action: str,
    version: int,
    resolution: str = "",
    reason: str = "",
    visit_outcome: str = "",
    visit_notes: str = "",
    at: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Case:
    """Move a case one step along its workflow. Refuses (ValidationError on `action`) a step the
    workflow does not allow from the case's status."""
    ensure_perm(actor, "service.change_case")
    now = at or timezone.now()
    transition = next((t for t in allowed_actions(case) if t.action == action), None)
    if transition is None:
        raise ValidationError(
            {
                "action": _("A %(kind)s in status “%(status)s” cannot be moved this way.")
                % {"kind": case.get_kind_display(), "status": case.get_status_display()}
            }
        )
    values: dict = {"status": transition.target}
    data: dict = {}
    errors = {}
    calendar = calendar or selectors.work_calendar()
    if action == "resolve":
        resolution = (resolution or "").strip()
        if not resolution:
            errors["resolution"] = _("Describe how the case was resolved.")
        values.update(
            resolution=resolution,
            resolved_at=now,
            resolution_minutes=round(business_minutes_between(calendar, case.opened_at, now)),
            resolution_breached=case.resolution_breached or now > case.resolution_due,
        )
    elif action == "visit":
        if visit_outcome not in Case.VisitOutcome.values:
            errors["visit_outcome"] = _("Record the outcome of the return visit.")
        values.update(
            visit_at=now,
            visit_by=actor,
            visit_outcome=visit_outcome,
            visit_notes=(visit_notes or "").strip(),
        )
        data["visit_outcome"] = visit_outcome
    elif action == "close":
        if not case.resolution.strip() or case.resolved_at is None:
            errors["resolution"] = _("A case cannot close without a recorded resolution.")
        if case.is_complaint and (case.visit_at is None or not case.visit_outcome):
            errors["visit_outcome"] = _("A complaint cannot close without a recorded return visit.")
        values["closed_at"] = now
    elif action == "reopen":
        reason = (reason or "").strip()
        if not reason:
            errors["reason"] = _("Say why the customer asked to reopen the case.")
        targets = selectors.sla_targets(category=case.category, priority=case.priority)
        minutes = _hours_to_minutes(targets.resolution_hours)
        data["previous_resolution"] = case.resolution
        values.update(
            resolution="",
            resolved_at=None,
            resolution_minutes=None,
            visit_at=None,
            visit_by=None,
            visit_outcome="",
            visit_notes="",
            closed_at=None,
            sla_warned=False,
            resolution_due=add_business_minutes(calendar, now, minutes),
            resolution_warn_at=add_business_minutes(calendar, now, minutes * AT_RISK),
            reopen_count=case.reopen_count + 1,
        )
    if errors:
        raise ValidationError(errors)
    if action in FIRST_RESPONSE_ACTIONS and case.first_responded_at is None:
        values.update(_first_response_values(case, now, calendar))
    from_status = case.status
    _save(case, version=version, **values)
    detail = {"resolve": resolution, "reopen": reason, "visit": values.get("visit_notes", "")}
    _event(
        case,
        actor=actor,
        kind=CaseEvent.Kind.REOPENED if action == "reopen" else CaseEvent.Kind.TRANSITION,
        at=now,
        detail=detail.get(action, ""),
        from_status=from_status,
        to_status=transition.target,
        action=action,
        **data,
    )
    audit_record(
        actor=actor,
        action=f"case.{action}",
        object_type="case",
        object_id=case.pk,
        customer_id=case.customer_id,
        changes={"status": [from_status, transition.target], **data},
        reason=reason if action == "reopen" else "",
    )
    if action == "close":
        _request_survey(actor=actor, case=case)
    return case


def _first_response_values(case: Case, now: datetime, calendar: WorkCalendar) -> dict:
    return {
        "first_responded_at": now,
        "first_response_minutes": round(business_minutes_between(calendar, case.opened_at, now)),
        "response_breached": case.response_breached or now > case.first_response_due,
    }


def _request_survey(*, actor, case: Case) -> None:
    """Ask the customer for their satisfaction (surveys app; it goes out through the outbox
    after this transaction commits, on the customer's consented channel)."""
    from bankcrm.surveys.services import survey_request

    survey_request(
        actor=actor,
        customer=case.customer,
        about_type="case",
        about_id=case.pk,
        staff=case.assignee,
        branch=case.branch,
    )


@transaction.atomic
def case_comment_add(*, actor, case: Case, visibility: str, body: str) -> CaseComment:
    """An internal note, or a reply to the customer (sent through the outbox on a channel the
    customer consented to for service; the first response if none was given yet). Not
    versioned: notes only add."""
    ensure_perm(actor, "service.change_case")
    body = (body or "").strip()
    errors = {}
    if visibility not in CaseComment.Visibility.values:
        errors["visibility"] = _("Choose a note or a reply.")
    if not body:
        errors["body"] = _("Write the text.")
    elif len(body) > 5000:
        errors["body"] = _("The text is at most 5,000 characters.")
    if case.status == S.CLOSED:
        errors["body"] = _("A closed case takes no notes; reopen it first.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    comment = CaseComment.objects.create(
        case=case, author=actor, visibility=visibility, body=body, created_at=now
    )
    reply = visibility == CaseComment.Visibility.CUSTOMER
    if reply and case.first_responded_at is None:
        values = _first_response_values(case, now, selectors.work_calendar())
        Case.objects.filter(pk=case.pk, first_responded_at__isnull=True).update(
            **values, version=F("version") + 1
        )
        case.refresh_from_db()
    _event(
        case,
        actor=actor,
        kind=CaseEvent.Kind.REPLY if reply else CaseEvent.Kind.NOTE,
        at=now,
        detail=body[:500],
        comment=comment.pk,
    )
    audit_record(
        actor=actor,
        action="case.reply" if reply else "case.note",
        object_type="case",
        object_id=case.pk,
        customer_id=case.customer_id,
        changes={"comment": comment.pk},
    )
    if reply:  # the reply reaches the customer through the outbox, on a consented channel
        message_enqueue(
            customer=case.customer,
            purpose="service",
            subject=f"[{case.number}] {case.subject}",
            body=body,
            dedupe_key=f"case-reply:{comment.pk}",
            related_type="case",
            related_id=case.pk,
            actor=actor,
        )
    return comment


def _check_upload(upload: UploadedFile) -> tuple[str, str]:
    name = Path(upload.name or "").name.strip()
    ext = Path(name).suffix.lower()
    if not name or ext not in ATTACHMENT_TYPES:
        raise ValidationError(
            {
                "file": _("Attach a PDF, image, text, Word, Excel or audio file (%(types)s).")
                % {"types": ", ".join(sorted(ATTACHMENT_TYPES))}
            }
        )
    if upload.size is None or upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)s MB.")
                % {"mb": ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            }
        )
    head = upload.read(16)
    upload.seek(0)
    magic = _MAGIC.get(ext)
    if magic and not head.startswith(magic):
        raise ValidationError({"file": _("The file's content does not match its type.")})
    if ext == ".txt" and b"\x00" in head:
        raise ValidationError({"file": _("The file's content does not match its type.")})
    return name[-200:], ATTACHMENT_TYPES[ext]


@transaction.atomic
def case_attachment_add(*, actor, case: Case, upload: UploadedFile) -> CaseAttachment:
    """Store a file with the case under the data directory (never under a public URL)."""
    ensure_perm(actor, "service.change_case")
    if case.status == S.CLOSED:
        raise ValidationError({"file": _("A closed case takes no attachments; reopen it first.")})
    filename, content_type = _check_upload(upload)
    storage_name = f"{case.pk}/{uuid.uuid4().hex}"
    target = attachment_dir() / storage_name
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    try:
        attachment = CaseAttachment.objects.create(
            case=case,
            uploaded_by=actor,
            filename=filename,
            storage_name=storage_name,
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            created_at=timezone.now(),
        )
    except Exception:
        target.unlink(missing_ok=True)  # nothing half-saved
        raise
    _event(
        case,
        actor=actor,
        kind=CaseEvent.Kind.ATTACHMENT,
        at=attachment.created_at,
        detail=filename,
        attachment=attachment.pk,
    )
    audit_record(
        actor=actor,
        action="case.attach",
        object_type="case",
        object_id=case.pk,
        customer_id=case.customer_id,
        changes={"attachment": attachment.pk, "size": upload.size, "type": content_type},
    )
    return attachment


def attachment_open(*, actor, attachment: CaseAttachment):
    """The stored file for reading (the caller checked the case is visible); audited. A file
    missing from storage answers 404 (Http404), never a server error."""
    from django.http import Http404

    path = attachment_dir() / attachment.storage_name
    if not path.is_file():
        raise Http404
    audit_record(
        actor=actor,
        action="case.attachment_download",
        object_type="case",
        object_id=attachment.case_id,
        changes={"attachment": attachment.pk},
    )
    return path.open("rb")


@transaction.atomic
def case_assign(*, actor, case: Case, assignee: Staff, version: int, reason: str = "") -> Case:
    """Give the case to another staff member who works on cases and can see it."""
    ensure_perm(actor, "service.assign_case")
    if not (assignee.is_active and assignee.has_perm("service.change_case")):
        raise ValidationError({"assignee": _("This staff member cannot work on cases.")})
    if not selectors.cases_visible_to(assignee).filter(pk=case.pk).exists():
        raise ValidationError({"assignee": _("This staff member cannot see this case.")})
    before = case.assignee_id
    _save(case, version=version, assignee=assignee)
    now = timezone.now()
    _assigned_event(case, assignee, at=now, actor=actor, previous=before, reason=reason)
    audit_record(
        actor=actor,
        action="case.assign",
        object_type="case",
        object_id=case.pk,
        customer_id=case.customer_id,
        changes={"assignee": [before, assignee.pk]},
        reason=reason,
    )
    return case


def _raised(priority: int) -> int:
    return min(int(priority) + 1, Priority.URGENT)


@transaction.atomic
def case_escalate(*, actor, case: Case, version: int, reason: str) -> Case:
    """Escalate by hand: one level up, the priority raised one step (the SLA targets tighten
    from now), and the branch manager (of the case's branch or the nearest above) notified by
    the case appearing in their "escalated to me" list."""
    ensure_perm(actor, "service.escalate_case")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the case is escalated.")})
    if case.status not in selectors.ACTIVE_STATUSES:
        raise ValidationError({"reason": _("A closed case cannot be escalated.")})
    return _escalate(
        actor=actor,
        case=case,
        version=version,
        level=case.escalation_level + 1,
        reason=reason,
        raise_priority=True,
        trigger="manual",
        calendar=selectors.work_calendar(),
    )


def _escalate(
    *,
    actor,
    case: Case,
    version: int,
    level: int,
    reason: str,
    raise_priority: bool,
    trigger: str,
    calendar: WorkCalendar,
    reassign: bool = False,
    now: datetime | None = None,
    extra: dict | None = None,
) -> Case:
    now = now or timezone.now()
    branch = case.branch
    # Level 2 and above go one branch further up than level 1.
    manager = selectors.branch_manager_for(branch)
    if level >= 2 and manager is not None and manager.branch.parent_id:
        higher = selectors.branch_manager_for(manager.branch.parent)
        manager = higher or manager
    values: dict = {"escalation_level": max(level, case.escalation_level), **(extra or {})}
    if manager is not None:
        values["escalated_to"] = manager
    priority_before = case.priority
    if raise_priority and case.priority < Priority.URGENT:
        values["priority"] = _raised(case.priority)
        if case.status in selectors.OPEN_STATUSES and case.resolved_at is None:
            # Tighter targets from now on, never later than the current ones.
            first, due, warn = _due_times(
                calendar, start=now, category=case.category, priority=values["priority"]
            )
            values["resolution_due"] = min(due, case.resolution_due)
            values["resolution_warn_at"] = min(warn, case.resolution_warn_at)
            if case.first_responded_at is None:
                values["first_response_due"] = min(first, case.first_response_due)
    new_assignee = None
    if reassign:
        exclude = {case.assignee_id} if case.assignee_id else set()
        new_assignee = _pick_assignee(branch=branch, category=case.category, exclude=exclude)
        if new_assignee is not None:
            values["assignee"] = new_assignee
    _save(case, version=version, **values)
    _event(
        case,
        actor=actor,
        kind=CaseEvent.Kind.ESCALATED,
        at=now,
        detail=reason,
        level=values["escalation_level"],
        to=manager.pk if manager else None,
        trigger=trigger,
    )
    if "priority" in values:
        _event(
            case,
            actor=actor,
            kind=CaseEvent.Kind.PRIORITY,
            at=now,
            detail=str(Priority(values["priority"]).label),  # shown from data (service_ui)
            previous=priority_before,
            priority=values["priority"],
        )
    if new_assignee is not None:
        _assigned_event(case, new_assignee, at=now, actor=actor, automatic=True)
    audit_record(
        actor=actor,
        action="case.escalate",
        object_type="case",
        object_id=case.pk,
        customer_id=case.customer_id,
        changes={
            "level": values["escalation_level"],
            "to": manager.pk if manager else None,
            "priority": [priority_before, case.priority],
            "assignee": new_assignee.pk if new_assignee else None,
            "trigger": trigger,
        },
        reason=reason,
    )
    return case


@dataclass
class SlaCheck:
    warned: int = 0
    response_breached: int = 0
    resolution_breached: int = 0


def cases_check_slas(*, now: datetime | None = None) -> SlaCheck:
    """The periodic check (command `bankcrm check_slas`, task `sla_check_scheduled`):

    - resolution at risk (80 % of its business time used): escalate to the branch manager;
    - first response late: raise the priority and give the case to the least-loaded other
      agent;
    - resolution late: raise the priority and escalate a level higher (the manager above).

    Each case is handled in its own transaction, locked, and only once per condition, so two
    checks running at once do not escalate twice."""
    now = now or timezone.now()
    calendar = selectors.work_calendar()
    result = SlaCheck()
    open_cases = Case.objects.filter(status__in=selectors.OPEN_STATUSES)
    candidates = open_cases.filter(
        Q(sla_warned=False, resolution_warn_at__lte=now)
        | Q(response_breached=False, first_responded_at__isnull=True, first_response_due__lt=now)
        | Q(resolution_breached=False, resolution_due__lt=now)
    ).values_list("pk", flat=True)
    for pk in list(candidates.order_by("pk")):
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("branch", "category", "category__parent")
                .filter(pk=pk, status__in=selectors.OPEN_STATUSES)
                .first()
            )
            if case is None:
                continue
            if not case.resolution_breached and case.resolution_due < now:
                _event(
                    case,
                    actor=None,
                    kind=CaseEvent.Kind.SLA_BREACH,
                    at=now,
                    target="resolution",
                    due=case.resolution_due.isoformat(),
                )
                _escalate(
                    actor=None,
                    case=case,
                    version=case.version,
                    level=2,
                    reason=_("Resolution target missed."),
                    raise_priority=True,
                    trigger="resolution_breach",
                    calendar=calendar,
                    now=now,
                    extra={"resolution_breached": True, "sla_warned": True},
                )
                result.resolution_breached += 1
            elif not case.sla_warned and case.resolution_warn_at <= now:
                _event(
                    case,
                    actor=None,
                    kind=CaseEvent.Kind.SLA_WARNING,
                    at=now,
                    target="resolution",
                    due=case.resolution_due.isoformat(),
                )
                _escalate(
                    actor=None,
                    case=case,
                    version=case.version,
                    level=1,
                    reason=_("Resolution target at risk: %(pct)s%% of the time used.")
                    % {"pct": int(AT_RISK * 100)},
                    raise_priority=False,
                    trigger="at_risk",
                    calendar=calendar,
                    now=now,
                    extra={"sla_warned": True},
                )
                result.warned += 1
            if (
                not case.response_breached
                and case.first_responded_at is None
                and case.first_response_due < now
            ):
                _event(
                    case,
                    actor=None,
                    kind=CaseEvent.Kind.SLA_BREACH,
                    at=now,
                    target="first_response",
                    due=case.first_response_due.isoformat(),
                )
                _escalate(
                    actor=None,
                    case=case,
                    version=case.version,
                    level=max(case.escalation_level, 1),
                    reason=_("First response target missed: reassigned."),
                    raise_priority=True,
                    trigger="response_breach",
                    calendar=calendar,
                    reassign=True,
                    now=now,
                    extra={"response_breached": True},
                )
                result.response_breached += 1
    return result
