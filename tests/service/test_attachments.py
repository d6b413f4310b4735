"""Attachments: stored under the data directory, never a public URL, served only to staff who
may see the case; size and type limits; every download audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from bankcrm.audit.models import AuditEvent
from bankcrm.service.models import CaseAttachment, CaseEvent
from bankcrm.service.services import ATTACHMENT_MAX_BYTES, attachment_dir

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _var_dir(tmp_path):
    with override_settings(VAR_DIR=tmp_path):
        yield


def _upload(client, case, name="流水.pdf", content=PDF, content_type="application/pdf"):
    return client.post(
        f"/service/{case.pk}/attach/",
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def test_an_attachment_is_stored_privately_and_served_to_who_may_see_the_case(
    client, bank, complaint, tmp_path
):
    # given
    client.force_login(bank.agent)
    # when
    assert _upload(client, complaint).status_code == 302
    # then
    attachment = CaseAttachment.objects.get()
    stored = attachment_dir() / attachment.storage_name
    assert stored.read_bytes() == PDF
    assert str(stored).startswith(str(tmp_path))
    assert attachment.filename == "流水.pdf"
    assert attachment.size == len(PDF)
    assert complaint.events.filter(kind=CaseEvent.Kind.ATTACHMENT).count() == 1
    # when the branch manager downloads it
    client.force_login(bank.bj_manager)
    response = client.get(f"/service/{complaint.pk}/attachments/{attachment.pk}/")
    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"].startswith("no-store")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        AuditEvent.objects.filter(
            action="case.attachment_download", actor_id=bank.bj_manager.pk
        ).count()
        == 1
    )


@pytest.mark.parametrize("stranger", ["sh_manager", "other_rm", "marketing"])
def test_others_cannot_download(client, bank, complaint, stranger):
    client.force_login(bank.agent)
    _upload(client, complaint)
    attachment = CaseAttachment.objects.get()
    client.force_login(getattr(bank, stranger))
    response = client.get(f"/service/{complaint.pk}/attachments/{attachment.pk}/")
    assert response.status_code == (403 if stranger == "marketing" else 404)
    # an attachment asked for under another case is a 404 too
    client.force_login(bank.agent)
    assert client.get(f"/service/999/attachments/{attachment.pk}/").status_code == 404


def test_a_file_missing_from_storage_is_a_404(client, bank, complaint):
    client.force_login(bank.agent)
    _upload(client, complaint)
    attachment = CaseAttachment.objects.get()
    (attachment_dir() / attachment.storage_name).unlink()
    response = client.get(f"/service/{complaint.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 404


def test_anonymous_download_is_sent_to_sign_in(client, bank, complaint):
    client.force_login(bank.agent)
    _upload(client, complaint)
    attachment = CaseAttachment.objects.get()
    client.logout()
    response = client.get(f"/service/{complaint.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("virus.exe", b"MZ\x90\x00"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf"),
        ("empty.png", b""),
        ("big.pdf", b"%PDF" + b"0" * ATTACHMENT_MAX_BYTES),
        ("page.html", b"<script>alert(1)</script>"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(client, bank, complaint, name, content):
    client.force_login(bank.agent)
    response = _upload(client, complaint, name=name, content=content)
    assert response.status_code == 302
    assert CaseAttachment.objects.count() == 0
    stored = [p for p in attachment_dir().rglob("*") if p.is_file()]
    assert stored == []


def test_a_role_without_the_permission_cannot_attach(client, bank, complaint):
    client.force_login(bank.analyst)
    assert _upload(client, complaint).status_code == 403
    assert CaseAttachment.objects.count() == 0
