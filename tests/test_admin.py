"""The admin site: system administrators only; every change audited; no deletes."""

from bankcrm.audit.models import AuditEvent
from bankcrm.org.models import Branch, Staff


def test_only_a_system_administrator_gets_in(client, bank):
    for user in (bank.rm, bank.bj_manager, bank.auditor, bank.analyst):
        client.force_login(user)
        response = client.get("/admin/", follow=True)
        assert response.status_code == 403, user.role
    client.force_login(bank.admin)
    assert client.get("/admin/").status_code == 200


def test_the_admin_has_no_sign_in_form_of_its_own(client, bank):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/?next=/admin/"
    assert client.post("/admin/login/", {"username": "admin", "password": "x"}).url.startswith(
        "/login/"
    )


def test_administrator_creates_a_staff_member_and_it_is_audited(client, bank):
    # given
    client.force_login(bank.admin)
    # when
    response = client.post(
        "/admin/org/staff/add/",
        {
            "username": "newrm",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
            "display_name": "李经理",
            "employee_number": "E900001",
            "email": "newrm@bank.example",
            "language": "zh-hans",
            "role": "relationship_manager",
            "branch": bank.chaoyang.pk,
            "team": "",
        },
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    staff = Staff.objects.get(username="newrm")
    assert (staff.role, staff.branch) == ("relationship_manager", bank.chaoyang)
    event = AuditEvent.objects.get(action="staff.create", object_id=str(staff.pk))
    assert event.actor == bank.admin
    assert "role" in event.changes and event.changes["role"] is None


def test_a_new_branch_gets_its_place_in_the_hierarchy(client, bank):
    client.force_login(bank.admin)
    response = client.post(
        "/admin/org/branch/add/",
        {
            "code": "110108",
            "name": "海淀支行",
            "name_en": "Haidian sub-branch",
            "parent": bank.beijing.pk,
            "city": "北京",
        },
    )
    assert response.status_code == 302
    branch = Branch.objects.get(code="110108")
    assert (branch.level, branch.path) == (2, "/000/110/110108/")
    assert client.post(f"/admin/org/branch/{branch.pk}/delete/").status_code == 403
