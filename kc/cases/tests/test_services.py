import pytest
from django.core.exceptions import ValidationError

from conftest import make_staff
from kc.cases import services
from kc.cases.models import Case, Message
from kc.cases.tests.factories import CaseFactory, QueueFactory, TeamFactory, TextModuleFactory
from kc.cases.text_modules import fill_placeholders, salutation_line
from kc.core import roles
from kc.core.models import AuditLogEntry, Team
from kc.customers.tests.factories import BusinessPartnerFactory


@pytest.mark.django_db
def test_open_case_numbers_default_queue_and_audit(agent) -> None:  # type: ignore[no-untyped-def]
    QueueFactory()
    partner = BusinessPartnerFactory()
    case = services.open_case(
        subject="  Abschlag zu hoch ",
        channel="phone",
        actor=agent,
        case_type="budget_billing_change",
        partner=partner,
    )
    assert case.number == "V00000001"
    assert case.subject == "Abschlag zu hoch"
    assert case.queue.is_default and case.status == Case.Status.NEW
    entry = AuditLogEntry.objects.get(object_type="cases.case")
    assert (entry.action, entry.partner_id) == ("create", partner.pk)
    assert services.open_case(subject="x", channel="email", actor=None).number == "V00000002"


@pytest.mark.django_db
def test_without_any_queue_opening_is_a_clear_error(agent) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        services.open_case(subject="x", channel="email", actor=agent)
    assert err.value.code == "no_queue"


@pytest.mark.django_db
def test_reply_queues_mail_marks_first_response_and_tags_subject(agent) -> None:  # type: ignore[no-untyped-def]
    case = CaseFactory(partner=BusinessPartnerFactory(email="kunde@example.org"))
    reply = services.reply_by_email(case=case, text="Guten Tag ...", actor=agent)
    case.refresh_from_db()
    assert reply.kind == Message.Kind.EMAIL_OUT and reply.delivery == Message.Delivery.QUEUED
    assert reply.recipients == "kunde@example.org"
    assert reply.subject == f"Re: Frage zur Jahresrechnung [{case.number}]"
    assert case.first_response_at == reply.created_at and case.status == Case.Status.OPEN
    second = services.reply_by_email(case=case, text="Nachtrag", actor=agent)
    case.refresh_from_db()
    assert case.first_response_at == reply.created_at < second.created_at


@pytest.mark.django_db
def test_note_is_internal_and_does_not_count_as_response(agent) -> None:  # type: ignore[no-untyped-def]
    case = CaseFactory(contact_email="x@example.org")
    note = services.add_note(case=case, text="Kunde ruft morgen zurück", actor=agent)
    case.refresh_from_db()
    assert note.is_internal and note.delivery == ""
    assert case.first_response_at is None
    with pytest.raises(ValidationError):
        services.add_note(case=case, text="   ", actor=agent)


@pytest.mark.django_db
def test_reply_needs_an_address(agent) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        services.reply_by_email(case=CaseFactory(), text="Hallo", actor=agent)
    assert err.value.error_dict["text"][0].code == "no_recipient"
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_status_changes_are_on_the_timeline(agent) -> None:  # type: ignore[no-untyped-def]
    case = CaseFactory()
    services.change_status(case=case, status="resolved", actor=agent)
    case.refresh_from_db()
    assert case.resolved_at is not None
    services.change_status(case=case, status="resolved", actor=agent)
    assert case.messages.filter(kind=Message.Kind.STATUS).count() == 1
    services.change_status(case=case, status="open", actor=agent)
    case.refresh_from_db()
    assert case.resolved_at is None


@pytest.mark.django_db
def test_hand_off_moves_queue_and_owner_with_note(agent) -> None:  # type: ignore[no-untyped-def]
    case = CaseFactory(assignee=agent)
    site = TeamFactory(name="Kunden-Center", kind=Team.Kind.CUSTOMER_CENTER)
    window = QueueFactory(name="Kunden-Center vor Ort", team=site, is_default=False)
    colleague = make_staff("vorort", roles.CUSTOMER_CENTER)
    with pytest.raises(ValidationError):
        services.hand_off(case=case, queue=window, note="", actor=agent)
    services.hand_off(
        case=case,
        queue=window,
        owner=colleague,
        actor=agent,
        note="Bitte drucken und am Fenster übergeben",
    )
    case.refresh_from_db()
    assert (case.queue, case.assignee) == (window, colleague)
    note = case.messages.get(kind=Message.Kind.NOTE)
    assert "Kunden-Center vor Ort" in note.body_text and "Fenster" in note.body_text


@pytest.mark.django_db
def test_collision_shows_the_other_viewer(agent) -> None:  # type: ignore[no-untyped-def]
    case = CaseFactory()
    other = make_staff("zweite", roles.AGENT)
    assert services.touch_viewer(case=case, user=agent) == []
    seen = services.touch_viewer(case=case, user=other, composing=True)
    assert [v.user for v in seen] == [agent]
    back = services.touch_viewer(case=case, user=agent)
    assert [(v.user, v.composing) for v in back] == [(other, True)]


@pytest.mark.django_db
def test_text_module_fills_customer_placeholders() -> None:
    partner = BusinessPartnerFactory(salutation="ms", last_name="Maier", first_name="Jana")
    case = CaseFactory(partner=partner)
    text, missing = services.render_text_module(case=case, module=TextModuleFactory())
    assert text.startswith("Sehr geehrte Frau Maier,\n")
    assert case.number in text
    assert missing == ["betrag"] and "{betrag}" in text
    text, missing = services.render_text_module(
        case=case, module=TextModuleFactory(), extra={"betrag": "84,00 €"}
    )
    assert missing == [] and "84,00 €" in text


@pytest.mark.parametrize(
    ("salutation", "last", "full", "line"),
    [
        ("mr", "Weiß", "Jörg Weiß", "Sehr geehrter Herr Weiß,"),
        ("ms", "Maier", "Jana Maier", "Sehr geehrte Frau Maier,"),
        ("none", "Kim", "Alex Kim", "Guten Tag Alex Kim,"),
        ("company", "", "Bäckerei Lange GmbH", "Sehr geehrte Damen und Herren,"),
    ],
)
def test_salutation_lines(salutation: str, last: str, full: str, line: str) -> None:
    assert salutation_line(salutation, last, full) == line


def test_unknown_placeholders_stay_visible() -> None:
    assert fill_placeholders("Hallo {wer}, {name}", {"name": "Jana"}) == (
        "Hallo {wer}, Jana",
        ["wer"],
    )
