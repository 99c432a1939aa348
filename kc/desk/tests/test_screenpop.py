"""Screen pop, wrap-up note and call journal: who sees which call, and what lands on the case."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_staff
from kc.cases import calls
from kc.cases.models import Call, Case, Message
from kc.cases.tests.factories import QueueFactory
from kc.core import roles
from kc.customers.tests.factories import BusinessPartnerFactory

pytestmark = pytest.mark.django_db

POP = reverse("desk:screenpop")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def partner():
    return BusinessPartnerFactory(
        first_name="Hildegard", last_name="Quastenberg", phone="0211 7654321"
    )


def ring_and_answer(username="agent", call_id="c1", frm="0211 7654321"):
    calls.record_new_call(call_id=call_id, direction="in", from_number=frm, to_number="0800")
    return calls.record_answer(call_id=call_id, username=username)


def test_pop_shows_the_answering_agent_the_customer(agent_client, partner):
    ring_and_answer()
    response = agent_client.get(POP, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Quastenberg" in html
    assert reverse("desk:customer_detail", args=[partner.pk]) in html
    assert "Aktuelles Gespräch" in html


def test_another_agent_sees_nothing(client, partner):
    ring_and_answer()
    other = make_staff("other", roles.AGENT)
    client.force_login(other)
    response = client.get(POP, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Quastenberg" not in html
    assert "+492117654321" not in html
    assert 'value="none"' in html


def test_ringing_call_is_not_popped(agent_client, partner):
    calls.record_new_call(call_id="c1", direction="in", from_number="0211 7654321", to_number="1")
    assert "Quastenberg" not in agent_client.get(POP).content.decode()


def test_unchanged_pop_answers_204(agent_client, partner):
    call = ring_and_answer()
    assert agent_client.get(POP, {"shown": "none"}).status_code == 200
    state = f"{call.pk}-answered-0"
    assert f'value="{state}"' in agent_client.get(POP).content.decode()
    assert agent_client.get(POP, {"shown": state}).status_code == 204
    calls.record_hangup(call_id="c1", cause="normalClearing")
    response = agent_client.get(POP, {"shown": state})
    assert response.status_code == 200
    assert "Gespräch beendet" in response.content.decode()


def test_unknown_caller_gets_search_and_new_case_links(agent_client):
    ring_and_answer(frm="0170 5556666")
    html = agent_client.get(POP).content.decode()
    assert "Unbekannte Nummer" in html
    assert reverse("cases:create") in html
    assert "q=%2B491705556666" in html


def test_logged_out_poll_stops_polling(client):
    response = client.get(POP, **HTMX)
    assert response.status_code == 286
    assert response.content == b""


def test_pop_needs_case_permission(client):
    client.force_login(make_staff("nobody", None))
    assert client.get(POP).status_code == 403


def test_pop_container_only_for_staff_with_case_permission(agent_client, client):
    assert 'id="screenpop"' in agent_client.get(reverse("desk:home")).content.decode()
    client.force_login(make_staff("nobody", None))
    assert 'id="screenpop"' not in client.get(reverse("desk:home")).content.decode()


def test_wrap_up_note_lands_on_the_case_with_talk_time(agent_client, agent, partner):
    QueueFactory()
    call = ring_and_answer()
    Call.objects.filter(pk=call.pk).update(
        answered_at=timezone.now() - datetime.timedelta(seconds=95)
    )
    calls.record_hangup(call_id="c1", cause="normalClearing")
    url = reverse("desk:call_note", args=[call.pk])
    response = agent_client.post(url, {"text": "Abschlag auf 80 € gesenkt"}, **HTMX)
    assert response.status_code == 200
    assert "Notiz gespeichert" in response.content.decode()
    message = Message.objects.get(kind=Message.Kind.CALL)
    assert message.case.partner == partner
    assert message.author == agent
    assert "Gesprächsdauer 1:35 min" in message.body_text
    assert "Abschlag auf 80 € gesenkt" in message.body_text
    assert Call.objects.get().case == message.case


def test_wrap_up_without_htmx_redirects_to_the_case(agent_client, partner):
    QueueFactory()
    call = ring_and_answer()
    response = agent_client.post(reverse("desk:call_note", args=[call.pk]), {"text": "Notiz"})
    assert response.status_code == 302
    assert response.url == reverse("cases:detail", args=[Case.objects.get().number])


def test_empty_wrap_up_is_refused(agent_client, partner):
    call = ring_and_answer()
    response = agent_client.post(reverse("desk:call_note", args=[call.pk]), {"text": " "}, **HTMX)
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Message.objects.exists()


def test_another_agent_cannot_write_the_wrap_up(client, partner):
    QueueFactory()
    call = ring_and_answer()
    client.force_login(make_staff("other", roles.AGENT))
    response = client.post(reverse("desk:call_note", args=[call.pk]), {"text": "x"})
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_call_journal_lists_today_with_missed_highlighted(agent_client, partner):
    QueueFactory()
    ring_and_answer()
    calls.record_hangup(call_id="c1", cause="normalClearing")
    calls.record_new_call(call_id="c2", direction="in", from_number="0170 1", to_number="0800")
    calls.record_hangup(call_id="c2", cause="cancel")
    old = calls.record_new_call(
        call_id="old",
        direction="in",
        from_number="0170 999",
        to_number="0800",
        at=timezone.now() - datetime.timedelta(days=2),
    ).call
    response = agent_client.get(reverse("desk:call_journal"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Quastenberg" in html
    assert 'class="missed"' in html
    assert "1 verpasster Anruf" in html
    assert old.from_number not in html
    assert Case.objects.get().number in html


def test_call_journal_needs_case_permission(client):
    client.force_login(make_staff("nobody", None))
    assert client.get(reverse("desk:call_journal")).status_code == 403
