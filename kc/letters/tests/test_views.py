"""Letter pages and the print room: forms, permissions, audit, double clicks, HTMX poll."""

import datetime

import pytest
from django.contrib.messages import constants as message_levels
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_staff
from kc.core import roles
from kc.core.models import AuditLogEntry, User
from kc.customers.models import BusinessPartner
from kc.customers.tests.factories import (
    BusinessPartnerFactory,
    ContractAccountFactory,
    PostalAddressFactory,
)
from kc.letters import printroom, services
from kc.letters.models import Delivery, Letter, LetterEvent, PrintBatch, PrintJob
from kc.letters.samples import SAMPLES
from kc.letters.tests import pdfcheck
from kc.letters.tests.factories import LetterheadFactory, customer_with_address

pytestmark = pytest.mark.django_db

NO_PRINTER = "ipp://127.0.0.1:9/printers/none"  # nothing listens on port 9


@pytest.fixture(autouse=True)
def letterhead() -> None:
    LetterheadFactory()


@pytest.fixture
def onsite(db: None) -> User:
    return make_staff("vorort", roles.CUSTOMER_CENTER)


@pytest.fixture
def onsite_client(onsite: User) -> Client:
    client = Client()
    client.force_login(onsite)
    return client


def write(partner: BusinessPartner | None = None, actor: User | None = None) -> Letter:
    return services.create_letter(
        kind="free_text",
        partner=partner or customer_with_address(),
        values=SAMPLES["free_text"],
        actor=actor,
    )


def messages_of(response) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(m.level, m.message) for m in response.context["messages"]]


def ready_batch() -> PrintBatch:
    write()
    (batch,) = printroom.assemble_batches()
    return printroom.build_batch(batch.pk)


# --- writing --------------------------------------------------------------------------


def test_free_text_letter_from_the_customer_page(agent_client: Client, agent: User) -> None:
    partner = customer_with_address()
    account = ContractAccountFactory(partner=partner)
    url = reverse("letters:create", args=[partner.pk])
    form = agent_client.get(url, {"vorgang": "V-2026-000042"})
    assert form.status_code == 200
    assert 'value="V-2026-000042"' in form.content.decode()
    response = agent_client.post(
        f"{url}?vorgang=V-2026-000042",
        {
            "account": account.pk,
            "case_number": "V-2026-000042",
            "subject": "Ihre Rückfrage zum Zähler",
            "text": "wir haben Ihren Zähler geprüft.\r\n\r\nEr zählt richtig.",
        },
        follow=True,
    )
    letter = Letter.objects.get()
    assert response.redirect_chain == [(reverse("letters:detail", args=[letter.number]), 302)]
    assert letter.status == Letter.Status.READY and letter.kind == "free_text"
    assert (letter.account, letter.case_number, letter.created_by) == (
        account,
        "V-2026-000042",
        agent,
    )
    text = pdfcheck.page_text(letter.pdf.read())
    assert "Ihre Rückfrage zum Zähler" in text and "Er zählt richtig." in text
    assert (message_levels.SUCCESS, f"Brief {letter.number} erstellt. Versand: Post.") in (
        messages_of(response)
    )


def test_form_errors_and_unknown_customer(agent_client: Client) -> None:
    partner = customer_with_address()
    url = reverse("letters:create", args=[partner.pk])
    response = agent_client.post(url, {"subject": "", "text": ""})
    assert response.status_code == 400 and not Letter.objects.exists()
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    other = ContractAccountFactory()  # another customer's account is no choice
    response = agent_client.post(url, {"account": other.pk, "subject": "x", "text": "y"})
    assert response.status_code == 400 and not Letter.objects.exists()
    assert agent_client.get(reverse("letters:create", args=[999999])).status_code == 404


def test_without_letterhead_the_letter_is_held_with_the_reason(agent_client: Client) -> None:
    from kc.letters.models import Letterhead

    Letterhead.objects.all().delete()
    partner = customer_with_address()
    response = agent_client.post(
        reverse("letters:create", args=[partner.pk]), {"subject": "x", "text": "y"}, follow=True
    )
    letter = Letter.objects.get()
    assert letter.status == Letter.Status.HELD
    assert "kein Briefkopf" in response.content.decode()


def test_held_letter_shows_the_reason_and_can_be_made_again(agent_client: Client) -> None:
    partner = BusinessPartnerFactory()  # no address
    response = agent_client.post(
        reverse("letters:create", args=[partner.pk]),
        {"subject": "Hinweis", "text": "Bitte melden Sie sich."},
        follow=True,
    )
    letter = Letter.objects.get()
    assert letter.status == Letter.Status.HELD
    ((level, text),) = messages_of(response)
    assert level == message_levels.WARNING
    assert f"Brief {letter.number} ist angehalten" in text and letter.hold_reason in text
    html = response.content.decode()
    assert "Der Brief ist angehalten" in html and "Erneut erstellen" in html
    assert agent_client.get(reverse("letters:pdf", args=[letter.number])).status_code == 404

    PostalAddressFactory(partner=partner)
    released = agent_client.post(reverse("letters:release", args=[letter.number]), follow=True)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.READY and letter.pdf
    assert (message_levels.SUCCESS, f"Brief {letter.number} erstellt. Versand: Post.") in (
        messages_of(released)
    )
    again = agent_client.post(reverse("letters:release", args=[letter.number]), follow=True)
    assert messages_of(again) == [
        (message_levels.ERROR, "Nur angehaltene Briefe können neu erstellt werden.")
    ]


# --- the letter page --------------------------------------------------------------------


def test_letter_page_shows_deliveries_and_history(agent_client: Client, agent: User) -> None:
    letter = write(actor=agent)
    response = agent_client.get(reverse("letters:detail", args=[letter.number]))
    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        letter.number,
        "Freier Brief",
        "Ihre Anfrage",
        "Version 1",
        "Post: Wartet",
        "Standardbrief",
        "0,95 €",
        str(LetterEvent.Kind.CREATED.label),
        str(LetterEvent.Kind.QUEUED.label),
        "Standardbrief, 1 Blatt",
        "Zurückziehen",
    ):
        assert expected in html, expected
    assert AuditLogEntry.objects.filter(
        action="read", object_type="letters.letter", partner_id=letter.partner_id
    ).exists()
    assert agent_client.get(reverse("letters:detail", args=["B99999999"])).status_code == 404


def test_legal_paper_is_marked(agent_client: Client) -> None:
    partner = customer_with_address(preferred_channel=BusinessPartner.Channel.EMAIL)
    letter = services.create_letter(
        kind="disconnection_announcement",
        partner=partner,
        values=SAMPLES["disconnection_announcement"],
        actor=None,
    )
    html = agent_client.get(reverse("letters:detail", args=[letter.number])).content.decode()
    assert "E-Mail: Wartet" in html and "Gesetzlich auf Papier" in html


def test_pdf_download_is_inline_and_audited(agent_client: Client, agent: User) -> None:
    letter = write()
    response = agent_client.get(reverse("letters:pdf", args=[letter.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{letter.number}.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    entry = AuditLogEntry.objects.get(action="read", object_type="letters.letter")
    assert (entry.actor, entry.object_id, entry.partner_id, entry.request_path) == (
        agent,
        str(letter.pk),
        letter.partner_id,
        f"/briefe/{letter.number}/pdf/",
    )


def test_withdraw_needs_a_reason(agent_client: Client) -> None:
    letter = write()
    url = reverse("letters:withdraw", args=[letter.number])
    refused = agent_client.post(url, {"withdraw-reason": "  "})
    assert refused.status_code == 400
    assert "Dieses Feld ist zwingend erforderlich." in refused.content.decode()
    letter.refresh_from_db()
    assert letter.status == Letter.Status.READY
    done = agent_client.post(url, {"withdraw-reason": "Kunde hat angerufen"}, follow=True)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.WITHDRAWN
    assert letter.events.last().detail == "Kunde hat angerufen"  # type: ignore[union-attr]
    assert (message_levels.SUCCESS, f"Brief {letter.number} zurückgezogen.") in messages_of(done)
    assert "withdraw-reason" not in done.content.decode()  # no second withdrawal offered
    again = agent_client.post(url, {"withdraw-reason": "nochmal"}, follow=True)
    assert messages_of(again) == [(message_levels.ERROR, "Der Brief ist bereits zurückgezogen.")]


def test_withdraw_after_print_is_refused_with_the_reason(agent_client: Client) -> None:
    batch = ready_batch()
    PrintBatch.objects.filter(pk=batch.pk).update(state=PrintBatch.State.PRINTED)
    Delivery.objects.filter(batch=batch).update(state=Delivery.State.PRINTED)
    letter = Letter.objects.get()
    response = agent_client.post(
        reverse("letters:withdraw", args=[letter.number]),
        {"withdraw-reason": "zu spät"},
        follow=True,
    )
    ((level, text),) = messages_of(response)
    assert level == message_levels.ERROR and "bereits gedruckt" in text


def test_who_may_write_and_read_letters(client: Client, onsite_client: Client) -> None:
    partner = customer_with_address()
    letter = write(partner)
    create = reverse("letters:create", args=[partner.pk])
    assert onsite_client.get(create).status_code == 403
    assert onsite_client.post(create, {"subject": "x", "text": "y"}).status_code == 403
    assert onsite_client.get(reverse("letters:detail", args=[letter.number])).status_code == 200
    withdraw = reverse("letters:withdraw", args=[letter.number])
    assert onsite_client.post(withdraw, {"withdraw-reason": "x"}).status_code == 403
    assert Letter.objects.count() == 1
    for url in (create, reverse("letters:detail", args=[letter.number])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    clerk = Client()
    clerk.force_login(make_staff("foerder", roles.FUNDING_CLERK))
    assert clerk.get(create).status_code == 200
    assert clerk.post(withdraw, {"withdraw-reason": "x"}).status_code == 403


# --- the customer page --------------------------------------------------------------------


def test_customer_page_shows_the_letters_card(agent_client: Client) -> None:
    partner = customer_with_address()
    letter = write(partner)

    def page() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = agent_client.get(reverse("desk:customer_detail", args=[partner.pk]))
        assert response.status_code == 200
        return response.content.decode(), len(ctx.captured_queries)

    agent_client.get(reverse("desk:home"))  # the first request of a session saves it
    html, queries = page()
    assert reverse("letters:detail", args=[letter.number]) in html
    assert "Freier Brief: Ihre Anfrage" in html and "Post: Wartet" in html
    assert reverse("letters:create", args=[partner.pk]) in html
    for _ in range(3):
        write(partner)
    assert page()[1] == queries  # deliveries are prefetched


def test_customer_page_without_write_permission(onsite_client: Client) -> None:
    partner = customer_with_address()
    write(partner)
    html = onsite_client.get(reverse("desk:customer_detail", args=[partner.pk])).content.decode()
    assert "Briefe" in html and reverse("letters:create", args=[partner.pk]) not in html


# --- the print room -------------------------------------------------------------------


def test_print_room_is_for_on_site_staff_and_team_leads(
    agent_client: Client, onsite_client: Client
) -> None:
    url = reverse("letters:print_room")
    assert agent_client.get(url).status_code == 403
    assert "Druckraum" not in agent_client.get(reverse("desk:home")).content.decode()
    page = onsite_client.get(url)
    assert page.status_code == 200
    assert "kein Drucker eingerichtet" in page.content.decode()
    assert reverse("letters:print_room") in onsite_client.get(reverse("desk:home")).content.decode()
    lead = Client()
    lead.force_login(make_staff("leitung", roles.TEAM_LEAD))
    assert lead.get(url).status_code == 200
    response = Client().get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert agent_client.post(reverse("letters:assemble")).status_code == 403


def test_unreachable_printer_is_shown(onsite_client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_PRINTER_URI = NO_PRINTER
    page = onsite_client.get(reverse("letters:print_room"))
    assert "Drucker nicht erreichbar." in page.content.decode()


def test_building_batches_from_the_page(onsite_client: Client) -> None:
    write()
    write()
    page = onsite_client.get(reverse("letters:print_room")).content.decode()
    assert "Standardbrief" in page and "Keine offenen Stapel." in page
    assert onsite_client.get(reverse("letters:assemble")).status_code == 405
    response = onsite_client.post(reverse("letters:assemble"), follow=True)
    batch = PrintBatch.objects.get()
    assert batch.letter_count == 2 and batch.state == PrintBatch.State.BUILDING
    assert (
        message_levels.SUCCESS,
        f"1 Stapel gebildet: {batch.number}. Das PDF wird erstellt.",
    ) in messages_of(response)
    html = response.content.decode()
    assert f"Stapel {batch.number}" in html and "Keine Briefe warten." in html
    again = onsite_client.post(reverse("letters:assemble"), follow=True)
    assert messages_of(again) == [(message_levels.INFO, "Es warten keine Briefe auf einen Stapel.")]
    assert PrintBatch.objects.count() == 1


def test_print_and_the_second_click(onsite_client: Client, onsite: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_PRINTER_URI = NO_PRINTER
    batch = ready_batch()
    page = onsite_client.get(reverse("letters:print_room")).content.decode()
    assert reverse("letters:batch_print", args=[batch.number]) in page
    assert reverse("letters:batch_pdf", args=[batch.number]) in page
    url = reverse("letters:batch_print", args=[batch.number])
    first = onsite_client.post(url, follow=True)
    job = PrintJob.objects.get()
    assert (job.state, job.attempt, job.requested_by) == (PrintJob.State.PENDING, 1, onsite)
    assert (message_levels.SUCCESS, f"Stapel {batch.number} geht an den Drucker.") in (
        messages_of(first)
    )
    assert "Wird gedruckt" in first.content.decode()
    second = onsite_client.post(url, follow=True)
    assert messages_of(second) == [
        (message_levels.ERROR, f"Stapel {batch.number} ist bereits beim Drucker.")
    ]
    assert PrintJob.objects.count() == 1


def test_reprint_after_a_failed_job_needs_a_reason(onsite_client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_PRINTER_URI = NO_PRINTER
    batch = ready_batch()
    url = reverse("letters:batch_print", args=[batch.number])
    onsite_client.post(url)
    PrintJob.objects.update(state=PrintJob.State.FAILED, detail="abgebrochen")
    PrintBatch.objects.filter(pk=batch.pk).update(
        state=PrintBatch.State.READY, problem="Druckauftrag wurde abgebrochen"
    )
    page = onsite_client.get(reverse("letters:print_room")).content.decode()
    assert "Nachdrucken" in page and "Grund für den Nachdruck" in page
    assert "Druckauftrag wurde abgebrochen" in page
    refused = onsite_client.post(url, {"reason": ""}, follow=True)
    ((level, text),) = messages_of(refused)
    assert level == message_levels.ERROR and "Grund" in text
    done = onsite_client.post(url, {"reason": "Papierstau"}, follow=True)
    job = PrintJob.objects.get(attempt=2)
    assert job.reason == "Papierstau"
    assert (
        message_levels.SUCCESS,
        f"Nachdruck von Stapel {batch.number} ist beauftragt (Versuch 2).",
    ) in messages_of(done)


def test_a_hanging_job_can_be_cancelled_with_a_reason(  # type: ignore[no-untyped-def]
    onsite_client: Client, onsite: User, settings
) -> None:
    settings.KC_PRINTER_URI = NO_PRINTER
    batch = ready_batch()
    onsite_client.post(reverse("letters:batch_print", args=[batch.number]))
    page = onsite_client.get(reverse("letters:print_room")).content.decode()
    assert "Druckauftrag abbrechen" in page
    url = reverse("letters:batch_cancel", args=[batch.number])
    refused = onsite_client.post(url, {"reason": " "}, follow=True)
    assert messages_of(refused)[0][0] == message_levels.ERROR
    done = onsite_client.post(url, {"reason": "Drucker defekt"}, follow=True)
    assert messages_of(done)[0][0] == message_levels.SUCCESS
    job = PrintJob.objects.get()
    assert job.state == PrintJob.State.FAILED and "Drucker defekt" in job.detail
    batch.refresh_from_db()
    assert batch.state == PrintBatch.State.READY and "Drucker defekt" in batch.problem
    again = onsite_client.post(url, {"reason": "nochmal"}, follow=True)
    assert messages_of(again)[0] == (
        message_levels.ERROR,
        "Für diesen Stapel läuft kein Druckauftrag.",
    )


def test_envelope_and_post(onsite_client: Client, onsite: User) -> None:
    batch = ready_batch()
    enveloped = reverse("letters:batch_enveloped", args=[batch.number])
    posted = reverse("letters:batch_posted", args=[batch.number])
    early = onsite_client.post(enveloped, follow=True)
    ((level, _text),) = messages_of(early)
    assert level == message_levels.ERROR
    PrintBatch.objects.filter(pk=batch.pk).update(
        state=PrintBatch.State.PRINTED, printed_at=timezone.now()
    )
    page = onsite_client.get(reverse("letters:print_room")).content.decode()
    assert enveloped in page and posted not in page and "Nachdrucken" in page
    wrong_order = onsite_client.post(posted, follow=True)
    assert messages_of(wrong_order)[0][0] == message_levels.ERROR
    onsite_client.post(enveloped)
    batch.refresh_from_db()
    assert batch.state == PrintBatch.State.ENVELOPED and batch.enveloped_by == onsite
    page = onsite_client.get(reverse("letters:print_room")).content.decode()
    assert posted in page and enveloped not in page
    done = onsite_client.post(posted, follow=True)
    batch.refresh_from_db()
    assert batch.state == PrintBatch.State.POSTED and batch.posted_by == onsite
    assert Delivery.objects.get().state == Delivery.State.POSTED
    assert (message_levels.SUCCESS, f"Stapel {batch.number} ist zur Post gegeben.") in (
        messages_of(done)
    )
    html = done.content.decode()
    assert "Keine offenen Stapel." in html and batch.number in html  # in the posted list
    PrintBatch.objects.filter(pk=batch.pk).update(
        posted_at=timezone.now() - datetime.timedelta(days=8)
    )
    assert batch.number not in onsite_client.get(reverse("letters:print_room")).content.decode()


def test_batch_pdf_download(onsite_client: Client, onsite: User) -> None:
    write()
    (building,) = printroom.assemble_batches()
    assert (
        onsite_client.get(reverse("letters:batch_pdf", args=[building.number])).status_code == 404
    )
    batch = printroom.build_batch(building.pk)
    response = onsite_client.get(reverse("letters:batch_pdf", args=[batch.number]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AuditLogEntry.objects.filter(
        action="read", object_type="letters.printbatch", actor=onsite
    ).exists()


def test_csrf_is_enforced(onsite: User) -> None:
    write()
    client = Client(enforce_csrf_checks=True)
    client.force_login(onsite)
    assert client.post(reverse("letters:assemble")).status_code == 403
    assert not PrintBatch.objects.exists()


def test_the_batch_list_answers_the_htmx_poll(agent_client: Client, onsite_client: Client) -> None:
    batch = ready_batch()
    url = reverse("letters:print_room_batches")
    page = onsite_client.get(reverse("letters:print_room")).content.decode()
    assert f'hx-get="{url}"' in page and "every 10s" in page and "X-KC-Poll" in page
    partial = onsite_client.get(url, headers={"HX-Request": "true", "X-KC-Poll": "1"})
    assert partial.status_code == 200 and "HX-Request" in partial["Vary"]
    html = partial.content.decode()
    assert f"Stapel {batch.number}" in html and "<html" not in html
    plain = onsite_client.get(url)
    assert plain.status_code == 302 and plain["Location"] == reverse("letters:print_room")
    assert agent_client.get(url, headers={"HX-Request": "true"}).status_code == 403
    assert Client().get(url, headers={"HX-Request": "true"}).status_code == 286
