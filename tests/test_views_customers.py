"""Customer pages: list and search, the 360 page, reveal, create and edit, consent, lifecycle."""

import html
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from bankcrm.audit.models import AuditEvent
from bankcrm.customers.models import Consent, Customer, LifecycleEvent, Tag
from bankcrm.customers.services import customer_update, relationship_add
from bankcrm.interactions.models import Interaction, Task
from bankcrm.interactions.services import interaction_create, task_create
from bankcrm.products.models import ProductType
from bankcrm.products.services import holding_create
from tests import factories

CLEAR_VALUES = ("11010519491231002X", "13800138000", "+8613800138000", "sanfeng@example.cn")


def _list(client, **data):
    return client.post(reverse("customers:list"), data)


def _edit_data(customer: Customer, **changes) -> dict:
    data = {
        "kind": customer.kind,
        "name": customer.name,
        "id_type": customer.id_type,
        "id_number": "",
        "mobile": "",
        "email": "",
        "gender": customer.gender,
        "birth_date": customer.birth_date.isoformat() if customer.birth_date else "",
        "province": customer.province,
        "city": customer.city,
        "address": customer.address,
        "occupation": customer.occupation,
        "industry": customer.industry,
        "employer": customer.employer,
        "education": customer.education,
        "income_band": customer.income_band,
        "family_status": customer.family_status,
        "risk_tolerance": customer.risk_tolerance,
        "kyc_status": customer.kyc_status,
        "preferred_contact_time": customer.preferred_contact_time,
        "version": customer.version,
    }
    data.update(changes)
    return data


def _create_data(**changes) -> dict:
    data = {
        "kind": "individual",
        "name": "欧阳娜娜",
        "id_type": "resident_id",
        "id_number": factories.resident_id(date(1990, 5, 20)),
        "mobile": "19912345678",
        "email": "nana@example.cn",
        "preferred_contact_time": "any",
        "kyc_status": "pending",
    }
    data.update(changes)
    return data


# --- List and search ---------------------------------------------------------------------------


def test_list_shows_my_customers_masked_and_not_others(client, bank, customer):
    # given
    factories.customer(actor=bank.other_rm, name="李四光")
    client.force_login(bank.rm)
    # when
    response = client.get(reverse("customers:list"))
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "张三丰" in body
    assert "138****8000" in body
    assert "110105********002X" in body
    assert "李四光" not in body
    for value in CLEAR_VALUES:
        assert value not in body


@pytest.mark.parametrize(
    "query",
    ["13800138000", "+86 138 0013 8000", "11010519491231002X", "zhangsanf", "zsf", "张三"],
    ids=["mobile", "mobile-e164", "id-number", "pinyin", "initials", "chinese"],
)
def test_search_finds_the_customer(client, bank, customer, query):
    # given
    factories.customer(actor=bank.rm, name="李四光")
    client.force_login(bank.rm)
    # when
    response = _list(client, q=query)
    # then
    body = response.content.decode()
    assert "张三丰" in body
    assert "李四光" not in body


def test_search_by_customer_number_and_email(client, bank, customer):
    # given
    client.force_login(bank.rm)
    # when
    by_number = _list(client, q=customer.number).content.decode()
    by_email = _list(client, q="sanfeng@example.cn").content.decode()
    # then
    assert "张三丰" in by_number
    assert "张三丰" in by_email


def test_search_is_posted_and_a_query_in_the_url_is_ignored(client, bank, customer):
    # given
    factories.customer(actor=bank.rm, name="李四光")
    client.force_login(bank.rm)
    # when
    page = client.get(reverse("customers:list") + "?q=13800138000")
    # then
    body = page.content.decode()
    assert "李四光" in body  # the q parameter was not applied
    assert 'id="customer-search"' in body
    assert 'method="post"' in body
    assert "13800138000" not in body


def test_htmx_search_returns_only_the_results_table(client, bank, customer):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(reverse("customers:list"), {"q": "zsf"}, HTTP_HX_REQUEST="true")
    # then
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="customer-results"')
    assert "<html" not in body
    assert "张三丰" in body


def test_filters_by_stage_tag_and_aum(client, bank, customer):
    # given
    vip = Tag.objects.create(name="贵宾", name_en="VIP")
    rich = factories.customer(actor=bank.rm, name="钱多多", tags=[vip])
    holding_create(
        actor=bank.rm,
        customer=rich,
        product=factories.product(),
        account_number="6222000000000099",
        balance=Decimal("900000.00"),
        opened_on=date(2024, 1, 1),
    )
    client.force_login(bank.rm)
    # when
    by_tag = _list(client, tag=vip.pk).content.decode()
    by_aum = _list(client, aum_min="500000").content.decode()
    by_stage = _list(client, stage="active").content.decode()
    # then
    assert "钱多多" in by_tag and "张三丰" not in by_tag
    assert "钱多多" in by_aum and "张三丰" not in by_aum
    assert "No customers match." in by_stage


def test_non_personal_filters_work_in_a_get_link(client, bank, customer):
    # given
    factories.customer(actor=bank.bj_manager, rm=bank.other_rm, name="李四光")
    client.force_login(bank.bj_manager)
    # when
    body = client.get(reverse("customers:list") + f"?rm={bank.rm.pk}").content.decode()
    # then
    assert "张三丰" in body
    assert "李四光" not in body


def test_keyset_paging_posts_the_cursor_and_the_query(client, bank, settings):
    # given
    settings.CUSTOMER_PAGE_SIZE = 2
    made = [factories.customer(actor=bank.rm, name=f"张{n}") for n in "一二三四五"]
    factories.customer(actor=bank.rm, name="李不在")
    client.force_login(bank.rm)
    # when
    first = _list(client, q="张")
    second = _list(client, q="张", after=first.context["page"].next_cursor)
    back = _list(client, q="张", before=second.context["page"].prev_cursor)
    # then
    newest_first = [c.name for c in reversed(made)]
    assert [c.name for c in first.context["page"].items] == newest_first[:2]
    assert [c.name for c in second.context["page"].items] == newest_first[2:4]
    assert [c.name for c in back.context["page"].items] == newest_first[:2]
    body = first.content.decode()
    assert f'name="after" value="{first.context["page"].next_cursor}"' in body
    assert '<input type="hidden" name="q" value="张">' in body
    assert "?after=" not in body and "?q=" not in body


def test_list_page_query_count_does_not_grow_with_rows(client, bank, django_assert_max_num_queries):
    # given
    tags = [Tag.objects.create(name=f"标签{i}") for i in range(3)]
    for i in range(20):
        factories.customer(actor=bank.rm, name=f"吴{i}", tags=tags[: i % 3 + 1])
    client.force_login(bank.bj_manager)
    # when / then
    with django_assert_max_num_queries(14):
        response = _list(client, q="wu")
    assert len(response.context["page"].items) == 20


# --- The customer 360 page ---------------------------------------------------------------------


def _fill_360(bank, customer, holdings: int, interactions: int) -> None:
    product = factories.product(type=ProductType.TIME_DEPOSIT)
    for i in range(holdings):
        holding_create(
            actor=bank.rm,
            customer=customer,
            product=product,
            account_number=f"62220000{customer.pk:04d}{i:04d}",
            balance=Decimal("1000.00") * (i + 1),
            opened_on=date(2023, 1, 1),
        )
    for i in range(interactions):
        interaction_create(
            actor=bank.rm,
            customer=customer,
            channel="call",
            subject=f"Call {i}",
            follow_up_title=f"Follow {i}",
            follow_up_due=date(2030, 1, 1),
        )


def test_360_shows_masked_values_and_never_the_clear_ones(client, bank, customer):
    # given
    _fill_360(bank, customer, holdings=2, interactions=1)
    client.force_login(bank.rm)
    # when
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "110105********002X" in body
    assert "138****8000" in body
    assert "s***@example.cn" in body
    for value in CLEAR_VALUES:
        assert value not in body
    assert "no-store" in response["Cache-Control"]


def test_360_shows_holdings_timeline_tasks_consent_lifecycle_and_history(client, bank, customer):
    # given
    _fill_360(bank, customer, holdings=2, interactions=1)
    customer.refresh_from_db()
    customer_update(actor=bank.rm, customer=customer, version=customer.version, employer="华为")
    client.force_login(bank.rm)
    # when
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    # then
    body = response.content.decode()
    assert "3,000.00" in body  # AUM of the two deposits
    assert "Call 0" in body
    assert "Follow 0" in body
    assert 'data-consent="marketing:sms"' in body
    assert 'data-source="chart-holdings"' in body
    assert "Profile edited" in body
    assert "—" in body and "华为" in body
    assert f'action="/customers/{customer.pk}/lifecycle/"' in body


def test_360_links_a_relationship_only_when_the_related_customer_is_visible(client, bank, customer):
    # given
    spouse = factories.customer(actor=bank.rm, name="王配偶")
    stranger = factories.customer(actor=bank.sh_rm, name="沈陌生")
    relationship_add(actor=bank.rm, customer=customer, related=spouse, kind="household")
    relationship_add(actor=bank.sh_manager, customer=customer, related=stranger, kind="referrer")
    client.force_login(bank.rm)
    # when
    body = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    # then
    assert reverse("customers:detail", args=[spouse.pk]) in body
    assert reverse("customers:detail", args=[stranger.pk]) not in body
    assert "沈陌生" not in body


def test_360_query_count_does_not_grow_with_holdings_and_interactions(
    client, bank, django_assert_max_num_queries
):
    # given
    small = factories.customer(actor=bank.rm, name="钱少")
    big = factories.customer(actor=bank.rm, name="钱多")
    _fill_360(bank, small, holdings=1, interactions=1)
    _fill_360(bank, big, holdings=8, interactions=8)
    client.force_login(bank.rm)
    client.get(reverse("customers:detail", args=[small.pk]))  # warm the session
    # when
    with CaptureQueriesContext(connection) as small_queries:
        client.get(reverse("customers:detail", args=[small.pk]))
    with django_assert_max_num_queries(25):
        response = client.get(reverse("customers:detail", args=[big.pk]))
    with CaptureQueriesContext(connection) as big_queries:
        client.get(reverse("customers:detail", args=[big.pk]))
    # then
    assert response.status_code == 200
    assert len(big_queries) == len(small_queries)


# --- Reveal ------------------------------------------------------------------------------------


def test_reveal_with_a_reason_shows_the_value_and_is_audited(client, bank, customer):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(
        reverse("customers:reveal", args=[customer.pk]),
        {"field": "mobile", "reason": "Customer asked for a call back"},
        HTTP_HX_REQUEST="true",
    )
    # then
    assert response.status_code == 200
    assert "+8613800138000" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="customer.reveal", customer_id=customer.pk)
    assert event.actor == bank.rm
    assert event.reason == "Customer asked for a call back"
    assert event.changes == {"mobile": None}
    assert event.outcome == "allowed"


def test_reveal_without_a_reason_shows_nothing_and_asks_for_one(client, bank, customer):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(
        reverse("customers:reveal", args=[customer.pk]),
        {"field": "id_number", "reason": ""},
        HTTP_HX_REQUEST="true",
    )
    # then
    body = response.content.decode()
    assert "11010519491231002X" not in body
    assert "State why you need to see this value." in body
    assert not AuditEvent.objects.filter(action="customer.reveal", outcome="allowed").exists()


def test_reveal_without_permission_is_refused_and_shows_nothing(client, bank, customer):
    # given: a service agent of the Beijing branch sees the customer but may not reveal
    client.force_login(bank.agent)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    # when
    response = client.post(
        reverse("customers:reveal", args=[customer.pk]),
        {"field": "id_number", "reason": "Just curious today"},
    )
    # then
    assert 'name="reason"' not in page
    assert response.status_code == 403
    assert "11010519491231002X" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="customer.reveal", outcome="allowed").exists()


def test_reveal_of_an_unknown_field_is_a_bad_request(client, bank, customer):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(
        reverse("customers:reveal", args=[customer.pk]), {"field": "name", "reason": "because"}
    )
    # then
    assert response.status_code == 400


def test_reveal_without_htmx_renders_a_page(client, bank, customer):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(
        reverse("customers:reveal", args=[customer.pk]),
        {"field": "email", "reason": "Sending the contract"},
    )
    # then
    body = response.content.decode()
    assert "<html" in body
    assert "sanfeng@example.cn" in body


# --- Create and edit ---------------------------------------------------------------------------


def test_create_a_customer_in_my_book(client, bank):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(reverse("customers:create"), _create_data())
    # then
    created = Customer.objects.get(name="欧阳娜娜")
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[created.pk])
    assert created.rm == bank.rm
    assert created.branch == bank.chaoyang
    assert created.mobile == "+8619912345678"


def test_create_shows_the_services_field_errors(client, bank):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(
        reverse("customers:create"),
        _create_data(name="", mobile="14012345678", kind="corporate", id_type="resident_id"),
    )
    # then
    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["name"] == ["A name is required."]
    assert errors["mobile"] == ["This mobile number is not valid."]
    assert errors["id_type"] == [
        "A corporate customer is identified by its unified social credit code."
    ]
    assert not Customer.objects.exists()


def test_create_warns_about_an_unknown_area_code(client, bank):
    # given
    client.force_login(bank.rm)
    unknown_area = factories.resident_id(date(1980, 1, 1), area="990101")
    # when
    response = client.post(
        reverse("customers:create"), _create_data(id_number=unknown_area), follow=True
    )
    # then
    body = response.content.decode()
    assert Customer.objects.filter(name="欧阳娜娜").count() == 1
    assert html.escape("The resident ID number's area code is not a known region.") in body


def test_create_needs_the_permission(client, bank):
    # given
    client.force_login(bank.analyst)
    # when
    get = client.get(reverse("customers:create"))
    post = client.post(reverse("customers:create"), _create_data())
    # then
    assert get.status_code == 403
    assert post.status_code == 403
    assert not Customer.objects.exists()


def test_edit_form_never_carries_clear_protected_values(client, bank, customer):
    # given
    client.force_login(bank.rm)
    # when
    response = client.get(reverse("customers:edit", args=[customer.pk]))
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert f'name="version" value="{customer.version}"' in body
    assert 'placeholder="138****8000"' in body
    for value in CLEAR_VALUES:
        assert value not in body


def test_edit_saves_and_keeps_protected_values_left_empty(client, bank, customer):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(
        reverse("customers:edit", args=[customer.pk]), _edit_data(customer, employer="新东方")
    )
    # then
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.employer == "新东方"
    assert customer.mobile == "+8613800138000"
    assert customer.id_number == "11010519491231002X"
    assert customer.version == 2
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "新东方" in page
    assert "Changes saved." in page


def test_edit_conflict_keeps_the_first_change_and_the_second_users_input(client, bank, customer):
    # given: two members of staff opened the same version
    client.force_login(bank.rm)
    version = customer.version
    first = client.post(
        reverse("customers:edit", args=[customer.pk]),
        _edit_data(customer, employer="First Co", version=version),
    )
    # when
    second = client.post(
        reverse("customers:edit", args=[customer.pk]),
        _edit_data(customer, employer="Second Co", version=version),
    )
    # then
    body = second.content.decode()
    assert first.status_code == 302
    assert second.status_code == 409
    assert html.escape("Someone else changed this record after you opened it.") in body
    assert 'value="Second Co"' in body
    customer.refresh_from_db()
    assert customer.employer == "First Co"
    assert customer.version == version + 1


def test_edit_shows_a_bad_id_number_error_in_the_staff_language(client, bank, customer):
    # given
    client.force_login(bank.rm)  # staff language "en"
    # when
    response = client.post(
        reverse("customers:edit", args=[customer.pk]),
        _edit_data(customer, id_number="36042619910102009X"),
    )
    # then
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == [
        "The resident ID number's check digit is wrong."
    ]
    assert (
        html.escape("The resident ID number's check digit is wrong.") in response.content.decode()
    )
    customer.refresh_from_db()
    assert customer.id_number == "11010519491231002X"


def test_edit_error_follows_a_chinese_speaking_staff_members_language(client, bank, customer):
    # given
    bank.rm.language = "zh-hans"
    bank.rm.save()
    client.force_login(bank.rm)
    with translation.override("zh-hans"):
        expected = gettext("The resident ID number's check digit is wrong.")
    # when
    response = client.post(
        reverse("customers:edit", args=[customer.pk]),
        _edit_data(customer, id_number="36042619910102009X"),
    )
    # then
    assert response.headers["Content-Language"] == "zh-hans"
    assert html.escape(expected) in response.content.decode()


def test_edit_needs_the_permission(client, bank, customer):
    # given: an analyst sees every customer but may not change one
    client.force_login(bank.analyst)
    # when
    get = client.get(reverse("customers:edit", args=[customer.pk]))
    post = client.post(
        reverse("customers:edit", args=[customer.pk]), _edit_data(customer, employer="X")
    )
    # then
    assert get.status_code == 403
    assert post.status_code == 403
    customer.refresh_from_db()
    assert customer.employer == ""


# --- Consent, lifecycle, assignment -------------------------------------------------------------


def test_consent_is_granted_and_withdrawn_in_one_click(client, bank, customer):
    # given
    client.force_login(bank.rm)
    url = reverse("customers:consents", args=[customer.pk])
    # when
    granted = client.post(
        url, {"channel": "sms", "purpose": "marketing", "granted": "1"}, HTTP_HX_REQUEST="true"
    )
    consent = Consent.objects.get(customer=customer, channel="sms", purpose="marketing")
    was_granted, source = consent.granted, consent.source
    client.post(url, {"channel": "sms", "purpose": "marketing", "granted": "0"})
    # then
    assert granted.status_code == 200
    assert granted.content.decode().lstrip().startswith('<div id="consents"')
    assert was_granted is True
    assert source == "staff:rm"
    consent.refresh_from_db()
    assert consent.granted is False
    assert consent.withdrawn_at is not None


def test_lifecycle_change_is_recorded_with_its_reason(client, bank, customer):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(
        reverse("customers:lifecycle", args=[customer.pk]),
        {"to_stage": "onboarding", "reason": "Documents received"},
    )
    # then
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "onboarding"
    event = LifecycleEvent.objects.filter(customer=customer).first()
    assert (event.from_stage, event.to_stage, event.reason, event.actor) == (
        "prospect",
        "onboarding",
        "Documents received",
        bank.rm,
    )


def test_lifecycle_change_refuses_a_jump_and_a_missing_reason(client, bank, customer):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(
        reverse("customers:lifecycle", args=[customer.pk]), {"to_stage": "dormant", "reason": ""}
    )
    # then
    errors = response.context["lifecycle_form"].errors
    assert response.status_code == 200
    assert errors["to_stage"] == ["A customer cannot move from Prospect to Dormant."]
    assert errors["reason"] == ["Give a reason for the change."]
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "prospect"


def test_branch_manager_assigns_a_customer_to_another_rm(client, bank, customer):
    # given
    client.force_login(bank.bj_manager)
    # when
    response = client.post(
        reverse("customers:assign", args=[customer.pk]), {"rm": bank.other_rm.pk}
    )
    # then
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.rm == bank.other_rm


def test_assign_needs_the_permission_and_an_rm_in_scope(client, bank, customer):
    # given
    client.force_login(bank.bj_manager)
    # when
    foreign_rm = client.post(reverse("customers:assign", args=[customer.pk]), {"rm": bank.sh_rm.pk})
    client.force_login(bank.rm)
    no_perm = client.post(reverse("customers:assign", args=[customer.pk]), {"rm": bank.other_rm.pk})
    # then
    assert foreign_rm.status_code == 302
    assert no_perm.status_code == 403
    customer.refresh_from_db()
    assert customer.rm == bank.rm


# --- Interactions and tasks ------------------------------------------------------------------


def test_record_an_interaction_with_a_follow_up_task(client, bank, customer):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(
        reverse("interactions:create", args=[customer.pk]),
        {
            "channel": "visit",
            "outcome": "interested",
            "subject": "Came in about deposits",
            "notes": "",
            "follow_up_title": "Send rate sheet",
            "follow_up_due": "2030-01-31",
        },
    )
    # then
    assert response.status_code == 302
    interaction = Interaction.objects.get(customer=customer)
    assert (interaction.channel, interaction.subject, interaction.staff) == (
        "visit",
        "Came in about deposits",
        bank.rm,
    )
    task = Task.objects.get(customer=customer)
    assert (task.title, task.due_date, task.interaction) == (
        "Send rate sheet",
        date(2030, 1, 31),
        interaction,
    )


def test_interaction_errors_are_shown_on_the_360_page(client, bank, customer):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(
        reverse("interactions:create", args=[customer.pk]),
        {"channel": "call", "outcome": "info", "subject": "", "follow_up_title": "Call again"},
    )
    # then
    errors = response.context["interaction_form"].errors
    assert response.status_code == 200
    assert errors["subject"] == ["A subject is required."]
    assert errors["follow_up_due"] == ["A follow-up needs a due date."]
    assert not Interaction.objects.exists()


def test_create_a_task_and_complete_it_in_one_click(client, bank, customer):
    # given
    client.force_login(bank.rm)
    client.post(
        reverse("interactions:task_create", args=[customer.pk]),
        {"title": "Renew deposit", "due_date": "2030-02-01", "assignee": bank.rm.pk},
    )
    task = Task.objects.get(customer=customer)
    # when
    response = client.post(
        reverse("interactions:task_complete", args=[task.pk]),
        {"version": task.version, "next": reverse("workbench")},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("workbench")
    task.refresh_from_db()
    assert task.status == "done"
    assert task.completed_at is not None


def test_completing_a_task_with_a_stale_version_changes_nothing(client, bank, customer):
    # given
    task = task_create(
        actor=bank.rm, customer=customer, assignee=bank.rm, title="T", due_date=date(2030, 1, 1)
    )
    client.force_login(bank.rm)
    # when
    response = client.post(
        reverse("interactions:task_complete", args=[task.pk]), {"version": task.version + 5}
    )
    # then
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "open"


def test_rm_filter_lists_the_chosen_branchs_rms_not_the_whole_bank(client, bank):
    # given: head office has thousands of RMs in a real bank; the list offers them per branch
    from bankcrm.customers.forms import CustomerFilterForm

    # when
    unfiltered = CustomerFilterForm(data={}, actor=bank.analyst)
    chaoyang = CustomerFilterForm(data={"branch": bank.beijing.pk}, actor=bank.analyst)
    own = CustomerFilterForm(data={}, actor=bank.bj_manager)
    # then
    assert list(unfiltered.fields["rm"].queryset) == []
    assert set(chaoyang.fields["rm"].queryset) == {bank.rm, bank.other_rm}
    assert set(own.fields["rm"].queryset) == {bank.rm, bank.other_rm}


def test_choosing_a_branch_refreshes_the_rm_choices_beside_the_results(client, bank, customer):
    client.force_login(bank.analyst)
    response = client.post(
        "/customers/", {"branch": bank.chaoyang.pk}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert 'id="rm-filter" hx-swap-oob="true"' in html
    assert f'value="{bank.rm.pk}"' in html and f'value="{bank.sh_rm.pk}"' not in html
