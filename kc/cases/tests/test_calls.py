"""The call journal: every state change of a Call, idempotency, callbacks, wrap-up notes."""

import datetime
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import make_staff
from kc.cases import call_rules, calls
from kc.cases.models import Call, Case, Message
from kc.cases.tests.factories import QueueFactory
from kc.core import roles
from kc.customers.tests.factories import BusinessPartnerFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 28, 9, 0, tzinfo=datetime.UTC)


def ring(call_id="c1", *, direction="in", frm="0211 7654321", to="0800 1234567", at=T0):
    return calls.record_new_call(
        call_id=call_id, direction=direction, from_number=frm, to_number=to, at=at
    )


def test_new_call_rings_and_finds_the_one_partner():
    partner = BusinessPartnerFactory(phone="+49 211 7654321")
    result = ring()
    assert result.created and not result.rejected
    call = result.call
    assert (call.state, call.direction, call.partner, call.caller_e164) == (
        "ringing",
        "in",
        partner,
        "+492117654321",
    )
    assert call.started_at == T0


def test_two_partners_with_the_number_link_none():
    BusinessPartnerFactory(phone="0211 7654321")
    BusinessPartnerFactory(mobile="0211 7654321")
    assert ring().call.partner is None


def test_outgoing_call_looks_up_the_callee():
    partner = BusinessPartnerFactory(phone="0211 5550000")
    call = ring(direction="out", frm="0800 1234567", to="0211 5550000").call
    assert call.partner == partner


def test_repeated_new_call_keeps_the_first(caplog):
    ring()
    with caplog.at_level(logging.WARNING, logger="kc.cti"):
        again = ring(frm="0170 123456", at=T0 + datetime.timedelta(seconds=5))
    assert not again.created
    assert Call.objects.count() == 1
    assert again.call.from_number == "0211 7654321"
    assert "repeated" in caplog.text


def test_answer_sets_agent_and_answered_at(agent):
    ring()
    at = T0 + datetime.timedelta(seconds=12)
    call = calls.record_answer(call_id="c1", username="agent", at=at)
    assert (call.state, call.agent, call.answered_at) == ("answered", agent, at)
    assert call.wait_seconds == 12


def test_answer_by_unknown_user_keeps_the_call_without_agent(caplog):
    ring()
    with caplog.at_level(logging.INFO, logger="kc.cti"):
        call = calls.record_answer(call_id="c1", username="ghost", answering_number="201")
    assert (call.state, call.agent) == ("answered", None)
    assert "no known user" in caplog.text


def test_repeated_answer_changes_nothing(agent):
    ring()
    first = calls.record_answer(call_id="c1", username="agent", at=T0)
    make_staff("other", roles.AGENT)
    again = calls.record_answer(call_id="c1", username="other", at=T0 + datetime.timedelta(1))
    assert again.agent == agent
    assert again.answered_at == first.answered_at


@pytest.mark.parametrize("event", ["answer", "hangup"])
def test_unknown_call_id_raises_and_creates_nothing(event):
    with pytest.raises(calls.CallNotFoundError):
        if event == "answer":
            calls.record_answer(call_id="nope", username="agent")
        else:
            calls.record_hangup(call_id="nope", cause="cancel")
    assert not Call.objects.exists()
    assert not Case.objects.exists()


def test_hangup_after_answer_ends_with_talk_time(agent):
    ring()
    calls.record_answer(call_id="c1", username="agent", at=T0 + datetime.timedelta(seconds=10))
    call = calls.record_hangup(
        call_id="c1", cause="normalClearing", at=T0 + datetime.timedelta(seconds=250)
    )
    assert (call.state, call.cause, call.talk_seconds, call.wait_seconds) == (
        "ended",
        "normalClearing",
        240,
        10,
    )
    assert call.case is None
    assert not Case.objects.exists()


@pytest.mark.parametrize("cause", sorted(call_rules.KNOWN_CAUSES - {"normalClearing"}))
def test_unanswered_incoming_call_is_missed_with_one_callback_case(cause):
    callbacks = QueueFactory(name=call_rules.CALLBACK_QUEUE_NAME, is_default=False)
    QueueFactory()
    partner = BusinessPartnerFactory(phone="0211 7654321")
    ring()
    call = calls.record_hangup(call_id="c1", cause=cause, at=T0 + datetime.timedelta(seconds=40))
    calls.record_hangup(call_id="c1", cause=cause)  # the PBX repeats itself
    call.refresh_from_db()
    assert (call.state, call.cause) == ("missed", cause)
    case = Case.objects.get()
    assert call.case == case
    assert case.subject == "Rückruf: +492117654321"
    assert (case.channel, case.queue, case.partner, case.contact_phone) == (
        "phone",
        callbacks,
        partner,
        "+492117654321",
    )
    message = case.messages.get()
    assert message.kind == Message.Kind.CALL
    assert "0:40" in message.body_text


def test_callback_goes_to_default_queue_without_the_callback_queue():
    default = QueueFactory()
    ring()
    calls.record_hangup(call_id="c1", cause="noAnswer")
    assert Case.objects.get().queue == default


def test_missed_call_without_any_queue_stays_in_the_journal(caplog):
    ring()
    with caplog.at_level(logging.ERROR, logger="kc.cti"):
        call = calls.record_hangup(call_id="c1", cause="noAnswer")
    assert call.state == "missed"
    assert Call.objects.get().state == "missed"
    assert not Case.objects.exists()
    assert "no queue" in caplog.text


def test_withheld_number_is_missed_without_callback():
    QueueFactory()
    ring(frm="anonymous")
    assert calls.record_hangup(call_id="c1", cause="cancel").state == "missed"
    assert not Case.objects.exists()


def test_unanswered_outgoing_call_just_ends():
    QueueFactory()
    ring(direction="out", frm="0800 1234567", to="0211 5550000")
    assert calls.record_hangup(call_id="c1", cause="noAnswer").state == "ended"
    assert not Case.objects.exists()


def test_blocked_number_is_rejected_and_ended(settings):
    settings.KC_CTI_BLOCKED_NUMBERS = ["0211/7654321", "not a number"]
    QueueFactory()
    result = ring()
    assert result.rejected
    assert (result.call.state, result.call.cause) == ("ended", "blocked")
    assert ring().rejected
    calls.record_hangup(call_id="c1", cause="busy")
    assert not Case.objects.exists()


def answered_call(agent, *, ended=True):
    ring()
    calls.record_answer(call_id="c1", username=agent.username, at=T0)
    if ended:
        calls.record_hangup(call_id="c1", at=T0 + datetime.timedelta(seconds=187))
    return Call.objects.get(call_id="c1")


def test_wrap_up_note_opens_a_case_with_talk_time(agent):
    QueueFactory()
    partner = BusinessPartnerFactory(phone="0211 7654321")
    call = answered_call(agent)
    message = calls.add_wrap_up_note(call=call, text="Zählerstand durchgegeben", actor=agent)
    call.refresh_from_db()
    assert call.case is not None
    assert (call.case.partner, call.case.channel) == (partner, "phone")
    assert (message.kind, message.author, message.case) == ("call", agent, call.case)
    assert "3:07" in message.body_text
    assert "Zählerstand durchgegeben" in message.body_text
    # A second note goes on the same case.
    calls.add_wrap_up_note(call=call, text="Nachtrag", actor=agent)
    assert Case.objects.count() == 1
    assert call.case.messages.count() == 2


def test_wrap_up_during_the_call_counts_talk_time_so_far(agent):
    QueueFactory()
    call = answered_call(agent, ended=False)
    message = calls.add_wrap_up_note(call=call, text="Läuft noch", actor=agent)
    assert "Gesprächsdauer" in message.body_text


def test_wrap_up_only_by_the_answering_agent(agent):
    QueueFactory()
    call = answered_call(agent)
    other = make_staff("other", roles.AGENT)
    with pytest.raises(PermissionDenied):
        calls.add_wrap_up_note(call=call, text="x", actor=other)
    with pytest.raises(ValidationError):
        calls.add_wrap_up_note(call=call, text="   ", actor=agent)
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("seconds", "text"), [(None, "–"), (0, "0:00"), (187, "3:07"), (3723, "1:02:03")]
)
def test_format_duration(seconds, text):
    assert call_rules.format_duration(seconds) == text


def test_customer_number_and_missed_rules():
    assert call_rules.customer_number(direction="in", from_number="a", to_number="b") == "a"
    assert call_rules.customer_number(direction="out", from_number="a", to_number="b") == "b"
    assert call_rules.is_missed(direction="in", answered=False)
    assert not call_rules.is_missed(direction="out", answered=False)
    assert not call_rules.is_blocked("", [""])
    assert call_rules.is_blocked("+49211", ["+49211"])


def test_now_is_used_without_explicit_times(agent):
    before = timezone.now()
    calls.record_new_call(call_id="n1", direction="in", from_number="0211 1", to_number="1")
    assert Call.objects.get(call_id="n1").started_at >= before
