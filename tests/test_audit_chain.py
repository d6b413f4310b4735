"""The audit trail is hash-chained; any edit, deletion or reordering fails verification."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from bankcrm.audit.models import AuditEvent
from bankcrm.audit.services import audit_record


def _record(n: int, actor=None) -> list[AuditEvent]:
    return [
        audit_record(
            actor=actor,
            action="test.event",
            object_type="thing",
            object_id=i,
            changes={"field": [i, i + 1]},
        )
        for i in range(n)
    ]


def _tamper(*statements: tuple[str, list]) -> None:
    """What an attacker with direct database access would do: drop the guard, edit rows."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # triggers off
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def _verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_an_intact_chain_verifies():
    events = _record(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert "intact: 5 entries" in _verify()


@pytest.mark.django_db
def test_an_edited_entry_is_named():
    events = _record(5)
    _tamper(("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["edited", events[2].pk]))
    with pytest.raises(CommandError, match=r"entry 3 \(id \d+\).*edited"):
        _verify()


@pytest.mark.django_db
def test_a_deleted_entry_is_named():
    events = _record(5)
    _tamper(("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk]))
    with pytest.raises(CommandError, match="entry 2 is missing"):
        _verify()


@pytest.mark.django_db
def test_a_deleted_tail_is_detected_through_the_head():
    events = _record(4)
    _tamper(("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk]))
    with pytest.raises(CommandError, match="head records entry 4"):
        _verify()


@pytest.mark.django_db
def test_reordered_entries_are_detected():
    events = _record(4)
    a, b = events[1], events[2]
    _tamper(
        ("UPDATE audit_auditevent SET seq = -1 WHERE id = %s", [a.pk]),
        ("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [a.seq, b.pk]),
        ("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [b.seq, a.pk]),
    )
    with pytest.raises(CommandError, match="entry 2"):
        _verify()


@pytest.mark.django_db
def test_the_application_cannot_edit_or_delete_entries():
    event = _record(1)[0]
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()


@pytest.mark.django_db
def test_the_database_refuses_edits_even_with_raw_sql():
    from django.db import DatabaseError

    event = _record(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


@pytest.mark.django_db
def test_a_change_and_its_audit_entry_commit_together():
    # when: the transaction that wrote the entry fails afterwards
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="test.event", object_type="thing")
        raise RuntimeError("the change failed")
    # then: neither is kept, and the chain continues cleanly
    assert AuditEvent.objects.count() == 0
    _record(2)
    assert "intact: 2 entries" in _verify()


@pytest.mark.django_db
def test_anchor_kept_off_site_must_still_match():
    from io import StringIO

    _record(3)
    out = StringIO()
    call_command("audit_anchor", stdout=out)
    anchor = out.getvalue().strip()
    assert anchor.startswith("3:")
    _record(2)
    call_command("verify_audit", anchor=anchor, stdout=StringIO())
    with pytest.raises(CommandError, match="differs from the anchor"):
        call_command("verify_audit", anchor="3:" + "0" * 64, stdout=StringIO())
