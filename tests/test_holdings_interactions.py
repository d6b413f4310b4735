from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bankcrm.audit.models import AuditEvent
from bankcrm.common.errors import ConflictError
from bankcrm.interactions.models import Task
from bankcrm.interactions.services import interaction_create, task_create, task_update
from bankcrm.products.models import ProductType
from bankcrm.products.services import holding_create, holding_update
from tests import factories


def test_aum_and_liabilities_roll_up_from_active_holdings(bank, customer):
    # given
    deposit = factories.product(type=ProductType.TIME_DEPOSIT)
    fund = factories.product(type=ProductType.FUND)
    mortgage = factories.product(type=ProductType.MORTGAGE)
    # when
    holding_create(
        actor=bank.rm,
        customer=customer,
        product=deposit,
        account_number="6222020000000000011",
        balance=Decimal("100000.00"),
        opened_on=date(2022, 1, 1),
        matures_on=date(2025, 1, 1),
    )
    f = holding_create(
        actor=bank.rm,
        customer=customer,
        product=fund,
        account_number="6222020000000000012",
        balance=Decimal("50000.50"),
        opened_on=date(2022, 1, 1),
    )
    holding_create(
        actor=bank.rm,
        customer=customer,
        product=mortgage,
        account_number="6222020000000000013",
        balance=Decimal("800000.00"),
        opened_on=date(2021, 1, 1),
        matures_on=date(2051, 1, 1),
    )
    customer.refresh_from_db()
    # then
    assert customer.aum == Decimal("150000.50")
    assert customer.liabilities == Decimal("800000.00")
    # when the fund is closed
    holding_update(actor=bank.rm, holding=f, version=1, status="closed")
    customer.refresh_from_db()
    assert customer.aum == Decimal("100000.00")
    assert customer.version == 1  # derived figures do not conflict with profile edits


def test_holding_validation(bank, customer):
    card = factories.product(type=ProductType.CREDIT_CARD)
    with pytest.raises(ValidationError) as exc:
        holding_create(
            actor=bank.rm,
            customer=customer,
            product=card,
            account_number="6222021234567890123",
            balance=Decimal("0"),
            opened_on=date(2022, 1, 1),
        )
    assert "account_number" in exc.value.message_dict
    holding = holding_create(
        actor=bank.rm,
        customer=customer,
        product=card,
        account_number="6222021234567890123",
        balance=Decimal("0"),
        opened_on=date(2022, 1, 1),
        confirm_luhn=True,
    )
    assert holding.account_number_masked == "622202*********0123"
    with pytest.raises(ValidationError) as exc:
        holding_create(
            actor=bank.rm,
            customer=customer,
            product=card,
            account_number="6222021234567890123",
            balance=Decimal("-1"),
            opened_on=date(2022, 1, 1),
            matures_on=date(2021, 1, 1),
            confirm_luhn=True,
        )
    assert set(exc.value.message_dict) == {"account_number", "balance", "matures_on"}
    with pytest.raises(ConflictError):
        holding_update(actor=bank.rm, holding=holding, version=5, balance=Decimal("1"))


def test_interaction_with_follow_up_task(bank, customer):
    # when
    interaction = interaction_create(
        actor=bank.rm,
        customer=customer,
        channel="visit",
        subject="理财产品咨询",
        outcome="interested",
        follow_up_title="寄送产品说明书",
        follow_up_due=date.today() + timedelta(days=3),  # noqa: DTZ011
    )
    # then
    task = Task.objects.get(interaction=interaction)
    assert (task.assignee, task.title, task.status) == (bank.rm, "寄送产品说明书", "open")
    assert (
        AuditEvent.objects.filter(
            customer_id=customer.pk, action__in=["interaction.create", "task.create"]
        ).count()
        == 2
    )


def test_interaction_validation(bank, customer):
    with pytest.raises(ValidationError) as exc:
        interaction_create(
            actor=bank.rm,
            customer=customer,
            channel="telepathy",
            subject="",
            occurred_at=timezone.now() + timedelta(days=1),
            follow_up_title="x",
        )
    assert set(exc.value.message_dict) == {"channel", "subject", "occurred_at", "follow_up_due"}


def test_task_completion_and_conflict(bank, customer):
    task = task_create(
        actor=bank.rm,
        customer=customer,
        assignee=bank.rm,
        title="回访",
        due_date=date.today(),  # noqa: DTZ011
    )
    done = task_update(actor=bank.rm, task=task, version=1, status="done")
    assert done.status == "done" and done.completed_at is not None
    with pytest.raises(ConflictError):
        task_update(actor=bank.rm, task=task, version=1, status="open")
