"""Requesting a survey after a case closes, and the customer's answer."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from bankcrm.audit.models import AuditEvent
from bankcrm.messaging.models import Message
from bankcrm.surveys import services
from bankcrm.surveys.models import Survey
from tests.surveys.support import consent, link_of, request_survey


def test_a_survey_is_created_with_its_message_and_link(bank, customer, settings):
    # given
    settings.PUBLIC_URL = "https://crm.bank.example"
    consent(bank, customer, "email")
    # when
    survey = request_survey(bank, customer)
    # then
    message = Message.objects.get(pk=survey.message_id)
    assert (message.purpose, message.channel, message.status) == ("service", "email", "queued")
    assert (message.related_type, message.related_id) == ("survey", survey.pk)
    assert message.dedupe_key == "survey:case:42"
    assert "https://crm.bank.example/surveys/r/" in message.body
    token = link_of(survey).split("/")[-2]
    assert len(token) >= 43
    assert survey.token_digest == hashlib.sha256(f"survey:{token}".encode()).hexdigest()
    assert (survey.status, survey.staff, survey.branch) == ("sent", bank.agent, bank.beijing)
    assert timedelta(days=13, hours=23) < survey.expires_at - timezone.now() <= timedelta(days=14)
    event = AuditEvent.objects.get(action="survey.request")
    assert event.changes == {
        "about": "case:42",
        "staff": bank.agent.pk,
        "message": message.pk,
        "message_status": "queued",
    }


def test_the_link_token_is_not_stored(bank, customer):
    # given
    consent(bank, customer, "email")
    survey = request_survey(bank, customer)
    token = link_of(survey).split("/")[-2]
    # when
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM surveys_survey")
        rows = repr(cursor.fetchall())
        cursor.execute("SELECT body FROM messaging_message")
        bodies = repr(cursor.fetchall())
    # then
    assert token not in rows
    assert token not in bodies  # the message text is encrypted


def test_a_second_request_about_the_same_case_returns_the_first(bank, customer):
    # given
    consent(bank, customer, "email")
    first = request_survey(bank, customer)
    # when
    second = request_survey(bank, customer)
    # then
    assert second.pk == first.pk
    assert (Survey.objects.count(), Message.objects.count()) == (1, 1)


def test_without_consent_the_survey_exists_and_its_message_is_suppressed(bank, customer):
    # when
    survey = request_survey(bank, customer)
    # then
    message = Message.objects.get(pk=survey.message_id)
    assert (survey.status, message.status, message.suppressed_reason) == (
        "sent",
        "suppressed",
        "no_consent",
    )


def test_requesting_needs_the_permission(bank, customer):
    # when / then: an analyst closes no cases
    with pytest.raises(PermissionDenied):
        services.survey_request(
            actor=bank.analyst,
            customer=customer,
            about_type="case",
            about_id=1,
            staff=bank.agent,
            branch=bank.beijing,
        )
    assert Survey.objects.count() == 0


def test_the_invitation_is_in_the_surveys_language(bank, customer):
    # given
    consent(bank, customer, "email")
    # when
    with translation.override("en"):
        survey = request_survey(bank, customer)
    # then: the customer's language (Chinese by default), whatever the agent's
    message = Message.objects.get(pk=survey.message_id)
    assert survey.language == "zh-hans"
    assert message.language == "zh-hans"
    assert "张三丰" in message.body


def test_an_answer_is_recorded_once(bank, customer):
    # given
    survey = request_survey(bank, customer)
    # when
    services.survey_answer(survey=survey, csat="4", nps="9", comment=" 办理很快 ")
    # then
    survey.refresh_from_db()
    assert (survey.status, survey.csat, survey.nps, survey.comment) == (
        "answered",
        4,
        9,
        "办理很快",
    )
    assert survey.has_comment is True
    assert survey.answered_at is not None
    with pytest.raises(services.SurveyClosed) as closed:
        services.survey_answer(survey=survey, csat="1", nps="0")
    assert closed.value.status == "answered"
    survey.refresh_from_db()
    assert (survey.csat, survey.nps) == (4, 9)
    event = AuditEvent.objects.get(action="survey.answer")
    assert event.changes == {"csat": 4, "nps": 9, "comment": True}


def test_an_expired_survey_takes_no_answer(bank, customer):
    # given
    survey = request_survey(bank, customer)
    Survey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    survey.refresh_from_db()
    # when
    with pytest.raises(services.SurveyClosed) as closed:
        services.survey_answer(survey=survey, csat=5, nps=10)
    # then
    assert closed.value.status == "expired"
    survey.refresh_from_db()
    assert (survey.status, survey.csat) == ("expired", None)


@pytest.mark.parametrize(
    ("csat", "nps", "fields"),
    [
        ("", "", {"csat", "nps"}),
        ("6", "5", {"csat"}),
        ("3", "11", {"nps"}),
        ("x", "-1", {"csat", "nps"}),
    ],
)
def test_scores_out_of_range_are_refused_by_field(bank, customer, csat, nps, fields):
    # given
    survey = request_survey(bank, customer)
    # when
    with pytest.raises(ValidationError) as caught:
        services.survey_answer(survey=survey, csat=csat, nps=nps)
    # then
    assert set(caught.value.message_dict) == fields
    survey.refresh_from_db()
    assert survey.status == "sent"


def test_surveys_expire_marks_the_ones_past_their_date(bank, customer):
    # given
    old = request_survey(bank, customer, about_id=1)
    request_survey(bank, customer, about_id=2)
    Survey.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
    # when
    expired = services.surveys_expire()
    # then
    assert expired == 1
    assert sorted(Survey.objects.values_list("about_id", "status")) == [
        (1, "expired"),
        (2, "sent"),
    ]
