"""Writes of the people app: targets, courses and their materials and quizzes, assignments,
quiz attempts and completions. Each one checks permission and scope and is audited."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bankcrm.audit.services import audit_record
from bankcrm.common.errors import ConflictError, ensure_perm
from bankcrm.org.models import Branch, Staff, Team
from bankcrm.org.roles import Role, Scope
from bankcrm.people.models import (
    Assignment,
    AumSnapshot,
    AumSnapshotRow,
    Choice,
    Completion,
    Course,
    Material,
    MaterialView,
    Metric,
    Question,
    QuizAttempt,
    Target,
    training_storage,
)
from bankcrm.people.periods import Period

PERCENT_METRICS = frozenset({Metric.SLA_MET_SHARE, Metric.CSAT})
# Counts are whole numbers; money has two decimals.
COUNT_METRICS = frozenset({Metric.NEW_CUSTOMERS, Metric.SALES_COUNT})


# ---------------------------------------------------------------------------------------------
# Scope: whose targets and training a manager may set


def in_branch_scope(actor, branch: Branch) -> bool:
    """Whether `branch` is the actor's branch or below it (or the actor sees the whole bank)."""
    if actor.scope == Scope.ALL:
        return True
    if actor.scope != Scope.BRANCH_SUBTREE:
        return False
    return branch.path.startswith(actor.branch.path)


def _ensure_staff_in_scope(actor, staff: Staff) -> None:
    if not in_branch_scope(actor, staff.branch):
        raise PermissionDenied("people: staff out of scope")


# ---------------------------------------------------------------------------------------------
# Targets


def _clean_value(metric: str, raw) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError({metric: _("Enter a number.")}) from None
    if not value.is_finite() or value < 0:
        raise ValidationError({metric: _("A target cannot be negative.")})
    if metric in PERCENT_METRICS and value > 100:
        raise ValidationError({metric: _("A share cannot be more than 100%.")})
    if metric in COUNT_METRICS and value != value.to_integral_value():
        raise ValidationError({metric: _("Enter a whole number.")})
    if value >= Decimal("1e16"):
        raise ValidationError({metric: _("This number is too large.")})
    return value.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class TargetChange:
    created: int
    updated: int
    removed: int


@transaction.atomic
def target_set(
    *,
    actor,
    period: Period,
    values: dict[str, object],
    versions: dict[str, int],
    staff: Staff | None = None,
    team: Team | None = None,
) -> TargetChange:
    """Set one RM's or one team's targets for a period: `values` maps each metric to a number
    (blank removes the target). `versions` are the versions the form showed (0: none): if
    someone changed a target since, nothing is saved (ConflictError)."""
    ensure_perm(actor, "people.set_target")
    if (staff is None) == (team is None):
        raise ValueError("target_set needs exactly one of staff and team")
    if staff is not None:
        if staff.role != Role.RELATIONSHIP_MANAGER or not staff.is_active:
            raise ValidationError({"staff": _("Targets are set for active relationship managers.")})
        _ensure_staff_in_scope(actor, staff)
        branch, owner = staff.branch, {"staff": staff}
    else:
        if not in_branch_scope(actor, team.branch):
            raise PermissionDenied("people: team out of scope")
        branch, owner = team.branch, {"team": team}
    unknown = set(values) - set(Metric.values)
    if unknown:
        raise ValidationError({"metric": _("Unknown metric.")})
    errors: dict[str, list] = {}
    cleaned: dict[str, Decimal | None] = {}
    for metric, raw in values.items():
        try:
            cleaned[metric] = _clean_value(metric, raw)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    existing = {
        t.metric: t
        for t in Target.objects.select_for_update().filter(
            period_kind=period.kind, period_start=period.start, **owner
        )
    }
    for metric in cleaned:
        current = existing[metric].version if metric in existing else 0
        if versions.get(metric, 0) != current:
            raise ConflictError()
    created = updated = removed = 0
    changes: dict[str, list] = {}
    for metric, value in cleaned.items():
        target = existing.get(metric)
        if target is None and value is not None:
            Target.objects.create(
                branch=branch,
                period_kind=period.kind,
                period_start=period.start,
                metric=metric,
                value=value,
                set_by=actor,
                **owner,
            )
            created += 1
            changes[metric] = [None, str(value)]
        elif target is not None and value is None:
            target.delete()
            removed += 1
            changes[metric] = [str(target.value), None]
        elif target is not None and value != target.value:
            Target.objects.filter(pk=target.pk).update(
                value=value, set_by=actor, version=F("version") + 1, updated_at=timezone.now()
            )
            updated += 1
            changes[metric] = [str(target.value), str(value)]
    if changes:
        audit_record(
            actor=actor,
            action="target.set",
            object_type="staff" if staff is not None else "team",
            object_id=(staff or team).pk,
            changes={"period": period.key, **changes},
        )
    return TargetChange(created=created, updated=updated, removed=removed)


# ---------------------------------------------------------------------------------------------
# Courses, materials, questions


def _course_fields(
    *, code: str, title: str, pass_mark, title_en: str = "", summary: str = "", summary_en=""
) -> dict:
    errors = {}
    code, title = (code or "").strip(), (title or "").strip()
    if not code:
        errors["code"] = _("A code is required.")
    elif len(code) > 20:
        errors["code"] = _("At most 20 characters.")
    if not title:
        errors["title"] = _("A title is required.")
    elif len(title) > 150:
        errors["title"] = _("At most 150 characters.")
    if len((title_en or "").strip()) > 150:
        errors["title_en"] = _("At most 150 characters.")
    try:
        pass_mark = int(pass_mark)
    except (TypeError, ValueError):
        pass_mark = None
    if pass_mark is None or not 1 <= pass_mark <= 100:
        errors["pass_mark"] = _("The pass mark is a percentage from 1 to 100.")
    if errors:
        raise ValidationError(errors)
    return {
        "code": code,
        "title": title,
        "title_en": (title_en or "").strip(),
        "summary": (summary or "").strip(),
        "summary_en": (summary_en or "").strip(),
        "pass_mark": pass_mark,
    }


@transaction.atomic
def course_create(
    *,
    actor,
    code: str,
    title: str,
    title_en: str = "",
    summary: str = "",
    summary_en: str = "",
    pass_mark: int = 80,
    products=(),
    required_for=(),
    active: bool = True,
) -> Course:
    ensure_perm(actor, "people.manage_training")
    fields = _course_fields(
        code=code,
        title=title,
        title_en=title_en,
        summary=summary,
        summary_en=summary_en,
        pass_mark=pass_mark,
    )
    if Course.objects.filter(code=fields["code"]).exists():
        raise ValidationError({"code": _("Another course has this code.")})
    course = Course.objects.create(created_by=actor, active=active, **fields)
    course.products.set(products)
    course.required_for.set(required_for)
    audit_record(
        actor=actor,
        action="course.create",
        object_type="course",
        object_id=course.pk,
        changes={
            "code": course.code,
            "required_for": sorted(p.code for p in course.required_for.all()),
        },
    )
    return course


@transaction.atomic
def course_update(
    *,
    actor,
    course: Course,
    version: int,
    code: str,
    title: str,
    title_en: str = "",
    summary: str = "",
    summary_en: str = "",
    pass_mark: int = 80,
    products=(),
    required_for=(),
    active: bool = True,
) -> Course:
    ensure_perm(actor, "people.manage_training")
    fields = _course_fields(
        code=code,
        title=title,
        title_en=title_en,
        summary=summary,
        summary_en=summary_en,
        pass_mark=pass_mark,
    )
    if Course.objects.filter(code=fields["code"]).exclude(pk=course.pk).exists():
        raise ValidationError({"code": _("Another course has this code.")})
    before_required = sorted(course.required_for.values_list("code", flat=True))
    updated = Course.objects.filter(pk=course.pk, version=version).update(
        version=F("version") + 1, active=active, **fields
    )
    if not updated:
        raise ConflictError()
    course.refresh_from_db()
    course.products.set(products)
    course.required_for.set(required_for)
    after_required = sorted(course.required_for.values_list("code", flat=True))
    changes = {"code": course.code, "active": active, "pass_mark": course.pass_mark}
    if before_required != after_required:
        changes["required_for"] = [before_required, after_required]
    audit_record(
        actor=actor,
        action="course.update",
        object_type="course",
        object_id=course.pk,
        changes=changes,
    )
    return course


# What a course file may be: its extension, the type it is served as, and how it starts.
ALLOWED_FILES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".mp4": ("video/mp4", ()),  # checked below: "ftyp" at offset 4
}


def max_file_bytes() -> int:
    return int(getattr(settings, "PEOPLE_MATERIAL_MAX_BYTES", 20 * 1024 * 1024))


def _check_file(upload: UploadedFile) -> tuple[str, str]:
    """(safe file name, content type) of an acceptable upload, or ValidationError."""
    name = PurePath(upload.name or "").name.strip()
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED_FILES:
        raise ValidationError(
            {
                "file": _("Allowed file types: %(types)s.")
                % {"types": ", ".join(e.lstrip(".").upper() for e in ALLOWED_FILES)}
            }
        )
    limit = max_file_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}}
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    content_type, signatures = ALLOWED_FILES[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    ok = any(head.startswith(s) for s in signatures) if signatures else head[4:8] == b"ftyp"
    if not ok:
        raise ValidationError({"file": _("The file's content does not match its type.")})
    return name[:200], content_type


@transaction.atomic
def material_add(
    *,
    actor,
    course: Course,
    kind: str,
    title: str,
    title_en: str = "",
    body: str = "",
    body_en: str = "",
    upload: UploadedFile | None = None,
) -> Material:
    """Add a text or a file to a course (files: allowed types, size limit, content checked)."""
    ensure_perm(actor, "people.manage_training")
    errors = {}
    title = (title or "").strip()
    if kind not in Material.Kind.values:
        errors["kind"] = _("Choose text or file.")
    if not title:
        errors["title"] = _("A title is required.")
    if kind == Material.Kind.TEXT and not (body or "").strip():
        errors["body"] = _("Write the text (in Chinese; English is optional).")
    if kind == Material.Kind.FILE and upload is None:
        errors["file"] = _("Choose a file.")
    if errors:
        raise ValidationError(errors)
    file_fields = {}
    if kind == Material.Kind.FILE:
        name, content_type = _check_file(upload)
        file_fields = {"file_name": name, "content_type": content_type, "size": upload.size}
    last = course.materials.order_by("-position").values_list("position", flat=True)[:1]
    material = Material(
        course=course,
        position=(last[0] + 1) if last else 1,
        kind=kind,
        title=title[:150],
        title_en=(title_en or "").strip()[:150],
        body=(body or "").strip() if kind == Material.Kind.TEXT else "",
        body_en=(body_en or "").strip() if kind == Material.Kind.TEXT else "",
        **file_fields,
    )
    if kind == Material.Kind.FILE:
        # Stored under a random name: the user's file name is only shown, never a path.
        suffix = PurePath(file_fields["file_name"]).suffix.lower()
        material.file.save(f"{uuid.uuid4().hex}{suffix}", upload, save=False)
    try:
        material.save()
        audit_record(
            actor=actor,
            action="material.add",
            object_type="course",
            object_id=course.pk,
            changes={"material": material.pk, "kind": kind, "size": material.size},
        )
    except Exception:
        if material.file.name:
            training_storage.delete(material.file.name)
        raise
    return material


@transaction.atomic
def material_delete(*, actor, material: Material) -> None:
    ensure_perm(actor, "people.manage_training")
    course_id, pk, stored = material.course_id, material.pk, material.file.name
    material.delete()
    audit_record(
        actor=actor,
        action="material.delete",
        object_type="course",
        object_id=course_id,
        changes={"material": pk},
    )
    if stored:
        transaction.on_commit(lambda: training_storage.delete(stored))


@transaction.atomic
def question_add(
    *, actor, course: Course, text: str, text_en: str = "", choices: list[dict]
) -> Question:
    """A multiple-choice question: `choices` is a list of {text, text_en, correct}; at least two
    answers, at least one correct (several correct answers: all must be chosen)."""
    ensure_perm(actor, "people.manage_training")
    errors = {}
    text = (text or "").strip()
    kept = [c for c in choices if (c.get("text") or "").strip()]
    if not text:
        errors["text"] = _("Write the question.")
    if len(kept) < 2:
        errors["choices"] = _("Give at least two answers.")
    elif not any(c.get("correct") for c in kept):
        errors["choices"] = _("Mark at least one answer as correct.")
    if errors:
        raise ValidationError(errors)
    last = course.questions.order_by("-position").values_list("position", flat=True)[:1]
    question = Question.objects.create(
        course=course,
        position=(last[0] + 1) if last else 1,
        text=text,
        text_en=(text_en or "").strip(),
    )
    Choice.objects.bulk_create(
        Choice(
            question=question,
            position=i,
            text=c["text"].strip()[:300],
            text_en=(c.get("text_en") or "").strip()[:300],
            correct=bool(c.get("correct")),
        )
        for i, c in enumerate(kept, start=1)
    )
    audit_record(
        actor=actor,
        action="question.add",
        object_type="course",
        object_id=course.pk,
        changes={"question": question.pk, "choices": len(kept)},
    )
    return question


@transaction.atomic
def question_delete(*, actor, question: Question) -> None:
    ensure_perm(actor, "people.manage_training")
    course_id, pk = question.course_id, question.pk
    question.delete()
    audit_record(
        actor=actor,
        action="question.delete",
        object_type="course",
        object_id=course_id,
        changes={"question": pk},
    )


# ---------------------------------------------------------------------------------------------
# Assignments


@transaction.atomic
def assignment_create(
    *,
    actor,
    course: Course,
    due_on: date,
    staff: list[Staff] = (),
    team: Team | None = None,
    branch: Branch | None = None,
) -> int:
    """Assign a course to individuals, to a team's members, or to the RMs of a branch (and its
    sub-branches), all within the actor's branch scope. Staff who already have the course
    assigned keep their assignment and its due date. Returns how many were newly assigned."""
    ensure_perm(actor, "people.assign_training")
    errors = {}
    if not course.active:
        errors["course"] = _("This course is not published.")
    if due_on is None:
        errors["due_on"] = _("A due date is required.")
    elif due_on < timezone.localdate():
        errors["due_on"] = _("The due date cannot be in the past.")
    chosen = [bool(staff), team is not None, branch is not None]
    if sum(chosen) != 1:
        errors["staff"] = _("Choose staff members, a team or a branch.")
    if errors:
        raise ValidationError(errors)
    if staff:
        people = list(staff)
        source = Assignment.Source.INDIVIDUAL
    elif team is not None:
        if not in_branch_scope(actor, team.branch):
            raise PermissionDenied("people: team out of scope")
        people = list(team.members.filter(is_active=True))
        source = Assignment.Source.TEAM
    else:
        if not in_branch_scope(actor, branch):
            raise PermissionDenied("people: branch out of scope")
        people = list(
            Staff.objects.filter(
                is_active=True,
                role=Role.RELATIONSHIP_MANAGER,
                branch__path__startswith=branch.path,
            )
        )
        source = Assignment.Source.BRANCH
    for person in people:
        _ensure_staff_in_scope(actor, person)
    if not people:
        raise ValidationError({"staff": _("Nobody to assign: the team or branch has no staff.")})
    already = set(
        Assignment.objects.filter(course=course, staff__in=people).values_list(
            "staff_id", flat=True
        )
    )
    new = [
        Assignment(course=course, staff=p, due_on=due_on, source=source, assigned_by=actor)
        for p in people
        if p.pk not in already
    ]
    try:
        Assignment.objects.bulk_create(new)
    except IntegrityError:
        raise ConflictError() from None
    audit_record(
        actor=actor,
        action="assignment.create",
        object_type="course",
        object_id=course.pk,
        changes={
            "source": source,
            "due_on": due_on.isoformat(),
            "staff": sorted(a.staff_id for a in new),
            "team": team.pk if team else None,
            "branch": branch.pk if branch else None,
        },
    )
    return len(new)


# ---------------------------------------------------------------------------------------------
# Taking a course


def material_viewed(*, actor, material: Material) -> None:
    """Record that the actor opened a material (progress). Repeated views change nothing."""
    MaterialView.objects.get_or_create(material=material, staff=actor)


@transaction.atomic
def quiz_submit(*, actor, course: Course, answers: dict[int, set[int]]) -> QuizAttempt:
    """Mark a quiz: a question counts as correct when exactly its correct answers are chosen.
    Every question must be answered. At or above the pass mark, the course is completed."""
    ensure_perm(actor, "people.view_course")
    if not course.active:
        raise ValidationError({"course": _("This course is not published.")})
    questions = list(course.questions.prefetch_related("choices"))
    if not questions:
        raise ValidationError({"course": _("This course has no quiz.")})
    errors = {}
    correct = 0
    recorded = {}
    for question in questions:
        chosen = {int(c) for c in answers.get(question.pk, set())}
        valid = {c.pk for c in question.choices.all()}
        if not chosen:
            errors[f"q{question.pk}"] = _("Answer this question.")
            continue
        if not chosen <= valid:
            errors[f"q{question.pk}"] = _("Choose among the answers given.")
            continue
        right = {c.pk for c in question.choices.all() if c.correct}
        correct += chosen == right
        recorded[str(question.pk)] = sorted(chosen)
    if errors:
        raise ValidationError(errors)
    total = len(questions)
    score = (Decimal(100) * correct / total).quantize(Decimal("0.01"))
    passed = score >= course.pass_mark
    now = timezone.now()
    attempt = QuizAttempt.objects.create(
        course=course,
        staff=actor,
        submitted_at=now,
        correct=correct,
        total=total,
        score=score,
        pass_mark=course.pass_mark,
        passed=passed,
        answers=recorded,
    )
    completed = False
    if passed:
        _completion, completed = Completion.objects.get_or_create(
            course=course,
            staff=actor,
            defaults={"completed_at": now, "score": score, "attempt": attempt},
        )
    audit_record(
        actor=actor,
        action="quiz.submit",
        object_type="course",
        object_id=course.pk,
        changes={"score": str(score), "passed": passed, "completed": completed},
    )
    return attempt


@transaction.atomic
def course_complete(*, actor, course: Course) -> Completion:
    """Complete a course without a quiz, once every material has been opened."""
    ensure_perm(actor, "people.view_course")
    if not course.active:
        raise ValidationError({"course": _("This course is not published.")})
    if course.questions.exists():
        raise ValidationError({"course": _("Pass the quiz to complete this course.")})
    unseen = course.materials.exclude(views__staff=actor).count()
    if unseen:
        raise ValidationError({"course": _("Open every material before completing the course.")})
    completion, created = Completion.objects.get_or_create(
        course=course, staff=actor, defaults={"completed_at": timezone.now()}
    )
    if created:
        audit_record(
            actor=actor,
            action="course.complete",
            object_type="course",
            object_id=course.pk,
            changes={},
        )
    return completion


# ---------------------------------------------------------------------------------------------
# AUM snapshots (derived from the warehouse; no actor: computed by the background worker)

# A requested refresh not done after this long is requested again (a worker stopped meanwhile).
REFRESH_RETRY = timedelta(minutes=15)


def aum_snapshot_stale(snapshot: AumSnapshot | None, period: Period) -> bool:
    """Missing, or computed on an earlier day while the period was still running."""
    if snapshot is None or snapshot.computed_at is None:
        return True
    computed_on = timezone.localdate(snapshot.computed_at)
    return computed_on <= period.end and computed_on < timezone.localdate()


def _needs_refresh(snapshot: AumSnapshot | None, period: Period) -> bool:
    if not aum_snapshot_stale(snapshot, period):
        return False
    pending = snapshot is not None and snapshot.requested_at is not None
    return not (pending and timezone.now() - snapshot.requested_at < REFRESH_RETRY)


def aum_snapshot_request(*, period: Period) -> bool:
    """Queue a refresh of the period's AUM snapshot if it is stale and none is pending.
    Returns whether one was queued. A page view that finds the snapshot fresh (the usual case)
    only reads: the write transaction is taken when a refresh is due."""
    found = AumSnapshot.objects.filter(period_kind=period.kind, period_start=period.start).first()
    if not _needs_refresh(found, period):
        return False
    return _request(period)


@transaction.atomic
def _request(period: Period) -> bool:
    from bankcrm.people.tasks import aum_snapshot_refresh as refresh_task

    snapshot, _created = AumSnapshot.objects.select_for_update().get_or_create(
        period_kind=period.kind, period_start=period.start
    )
    if not _needs_refresh(snapshot, period):
        return False  # another request got here first
    snapshot.requested_at = timezone.now()
    snapshot.save(update_fields=["requested_at"])
    kind, start = period.kind, period.start.isoformat()
    transaction.on_commit(lambda: refresh_task.enqueue(kind, start))
    return True


def aum_snapshot_refresh(*, period: Period) -> AumSnapshot:
    """Read every RM's AUM before and at the end of `period` from the warehouse and store it
    (replacing the previous rows in one transaction)."""
    from bankcrm.analytics.performance import aum_growth

    end = min(period.end, timezone.localdate())
    growth = aum_growth(start=period.start, end=end)
    with transaction.atomic():
        snapshot, _created = AumSnapshot.objects.select_for_update().get_or_create(
            period_kind=period.kind, period_start=period.start
        )
        snapshot.rows.all().delete()
        if growth.known:
            ids = set(growth.opening.by_rm) | set(growth.closing.by_rm)
            AumSnapshotRow.objects.bulk_create(
                (
                    AumSnapshotRow(
                        snapshot=snapshot,
                        staff_id=staff_id,
                        opening=growth.opening.by_rm.get(staff_id, Decimal("0")),
                        closing=growth.closing.by_rm.get(staff_id, Decimal("0")),
                    )
                    for staff_id in ids
                ),
                batch_size=1000,
            )
        snapshot.opening_day = growth.opening.day if growth.known else None
        snapshot.closing_day = growth.closing.day if growth.known else None
        snapshot.computed_at = timezone.now()
        snapshot.requested_at = None
        snapshot.save()
    return snapshot
