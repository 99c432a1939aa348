"""Disconnection pages: the document with its actions, the list, the window capture with its
self-updating result, the proof file, the reconnection dashboard and the block on the customer
page; permissions, CSRF, audit and object level."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_staff
from kc.cases.tests.factories import QueueFactory
from kc.core import clamd, roles
from kc.core.models import AuditLogEntry, User
from kc.disconnection import chain, proofs, receipts
from kc.disconnection.models import (
    DisconnectionCase,
    FieldOrder,
    InstallmentPlan,
    PaymentProof,
)
from kc.disconnection.tests.factories import claim, household_contract
from kc.disconnection.tests.receipt_images import transfer_receipt
from kc.supply.models import Contract

pytestmark = pytest.mark.django_db

D = Decimal
Status = DisconnectionCase.Status
SEP, OCT, NOV = datetime.date(2026, 9, 15), datetime.date(2026, 10, 15), datetime.date(2026, 11, 15)
THREAT_DAY = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def queue() -> None:
    QueueFactory(is_default=True)


@pytest.fixture
def lead_client() -> Client:
    return client_for(roles.TEAM_LEAD, "lead")


@pytest.fixture
def window_client() -> Client:
    return client_for(roles.CUSTOMER_CENTER, "vorort")


def client_for(role: str | None, username: str = "other", *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(make_staff(username, role))
    return client


def overdue_contract() -> Contract:
    contract = household_contract(monthly="100.00")
    for day in (SEP, OCT, NOV):
        claim(contract, "100.00", day)
    return contract


def threatened() -> DisconnectionCase:
    return chain.threaten(overdue_contract(), on=THREAT_DAY)


def disconnected() -> DisconnectionCase:
    """Threat, announcement, order and execution: 300 € arrears plus 95 € costs."""
    case = chain.announce(threatened(), on=THREAT_DAY + datetime.timedelta(days=1))
    assert case.planned_on is not None
    order = chain.order_disconnection(case, on=case.planned_on)
    chain.confirm_order(order, executed_at=timezone.now())
    case.refresh_from_db()
    assert case.status == Status.DISCONNECTED
    return case


def proof_of(
    case: DisconnectionCase,
    *,
    status: str = PaymentProof.Status.COVERS,
    scan: str = "clean",
    amount: str | None = "395.00",
) -> PaymentProof:
    proof = PaymentProof(
        account=case.account,
        case=case,
        source=PaymentProof.Source.WINDOW,
        content_type="image/png",
        sha256="0" * 64,
        scan=scan,
        status=status,
        amount=D(amount) if amount is not None else None,
        needed=D("395.00"),
    )
    proof.file.save("zahlbeleg.png", ContentFile(transfer_receipt(scale=0.3)), save=False)
    proof.save()
    return proof


def detail_url(case: DisconnectionCase) -> str:
    return reverse("disconnection:case_detail", args=[case.pk])


def action_url(name: str, case: DisconnectionCase, *more: int) -> str:
    return reverse(f"disconnection:{name}", args=[case.pk, *more])


def file_url(proof: PaymentProof) -> str:
    return reverse("disconnection:proof_file", args=[proof.pk])


# --- the document ------------------------------------------------------------------------------


def test_document_shows_the_case_its_log_and_letters_and_is_audited(
    agent_client: Client, agent: User
) -> None:
    case = threatened()
    response = agent_client.get(detail_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert case.number in html and "Sperre angedroht" in html
    assert "300,00 €" in html and "200,00 €" in html  # arrears and threshold
    assert "20.11.2026" in html and f"{case.earliest_on:%d.%m.%Y}" in html
    assert "§ 41f" in html or "41f" in html  # the rule set's title
    letter_number = case.events.get(kind="threat").letter_number
    assert letter_number and reverse("letters:detail", args=[letter_number]) in html
    assert action_url("stop", case) in html and action_url("request_agreement", case) in html
    assert action_url("reconnect", case) not in html  # not disconnected
    entry = AuditLogEntry.objects.get(action="read", object_type="disconnection.disconnectioncase")
    assert (entry.actor, entry.partner_id, entry.object_id) == (
        agent,
        case.account.partner_id,
        str(case.pk),
    )


def test_pages_refuse_staff_without_the_permission() -> None:
    case = disconnected()
    proof = proof_of(case)
    nobody = client_for(None, "norole")
    onsite = client_for(roles.CUSTOMER_CENTER, "vorort")
    for url in (
        detail_url(case),
        reverse("disconnection:case_list"),
        reverse("disconnection:reconnections"),
    ):
        assert nobody.get(url).status_code == 403
        assert onsite.get(url).status_code == 403  # the window staff see no document
    assert nobody.get(reverse("disconnection:window")).status_code == 403
    assert nobody.get(file_url(proof)).status_code == 403
    partial = reverse("disconnection:reconnections_rows")
    assert nobody.get(partial, headers={"HX-Request": "true"}).status_code == 403
    for url in (
        action_url("stop", case),
        action_url("reconnect", case),
        action_url("request_agreement", case),
        action_url("proof_accept", case, proof.pk),
        action_url("proof_reject", case, proof.pk),
    ):
        assert onsite.post(url, {"stop-reason": "x"}).status_code == 403
    case.refresh_from_db()
    assert case.status == Status.DISCONNECTED
    assert not AuditLogEntry.objects.filter(action="read").exists()


def test_anonymous_polls_are_told_to_stop(client: Client) -> None:
    url = reverse("disconnection:reconnections_rows")
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 286
    assert client.get(detail_url(threatened())).status_code == 302  # to the login


def test_posts_need_the_csrf_token(agent: User) -> None:
    case = threatened()
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(action_url("stop", case), {"stop-reason": "Gefahr für Leib und Leben"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Status.THREATENED
    window = client_for(roles.CUSTOMER_CENTER, "vorort", csrf=True)
    upload = ContentFile(transfer_receipt(scale=0.3), name="beleg.png")
    url = reverse("disconnection:window_account", args=[case.account.pk])
    assert window.post(url, {"file": upload}).status_code == 403
    assert not PaymentProof.objects.exists()


def test_stop_needs_a_reason_then_stops(agent_client: Client) -> None:
    case = threatened()
    response = agent_client.post(action_url("stop", case), {"stop-reason": "  "})
    assert response.status_code == 400
    assert "Bitte den Grund angeben." in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.THREATENED
    response = agent_client.post(
        action_url("stop", case), {"stop-reason": "Sauerstoffgerät im Haushalt"}
    )
    assert response.status_code == 302 and response["Location"] == detail_url(case)
    case.refresh_from_db()
    assert case.status == Status.STOPPED and case.stop_reason == "Sauerstoffgerät im Haushalt"
    # Stopped: a second stop is refused by the service with its message.
    again = agent_client.post(action_url("stop", case), {"stop-reason": "noch einmal"})
    assert again.status_code == 400
    assert "kann nicht mehr eingestellt werden" in again.content.decode()


def test_agreement_requested_offered_and_accepted(agent_client: Client) -> None:
    case = threatened()
    response = agent_client.post(action_url("request_agreement", case), follow=True)
    assert response.status_code == 200
    assert "Abwendungsvereinbarung angeboten" in response.content.decode()
    plan = InstallmentPlan.objects.get(case=case)
    assert plan.status == InstallmentPlan.Status.OFFERED and plan.letter_number
    html = response.content.decode()
    assert action_url("accept_agreement", case, plan.pk) in html
    response = agent_client.post(action_url("accept_agreement", case, plan.pk))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.AGREEMENT and case.agreement_requested_on is not None
    # Accepted once: a second click is refused with the service's message.
    again = agent_client.post(action_url("accept_agreement", case, plan.pk))
    assert again.status_code == 400 and "nicht mehr offen" in again.content.decode()


def test_reconnection_without_cover_needs_a_reason(agent_client: Client) -> None:
    case = disconnected()
    html = agent_client.get(detail_url(case)).content.decode()
    assert action_url("reconnect", case) in html and "395,00 €" in html  # still needed
    assert (
        agent_client.post(action_url("reconnect", case), {"reconnect-reason": ""}).status_code
        == 400
    )
    assert not FieldOrder.objects.filter(kind=FieldOrder.Kind.RECONNECT).exists()
    response = agent_client.post(
        action_url("reconnect", case), {"reconnect-reason": "Kind mit Fieber, Heizung nötig"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RECONNECTION_ORDERED
    assert case.events.filter(kind="reconnect_without_cover").exists()


def test_a_covering_proof_is_accepted_in_one_action(agent_client: Client) -> None:
    case = disconnected()
    proof = proof_of(case)
    html = agent_client.get(detail_url(case)).content.decode()
    assert file_url(proof) in html and "/media/" not in html
    response = agent_client.post(action_url("proof_accept", case, proof.pk), {})
    assert response.status_code == 302
    proof.refresh_from_db()
    case.refresh_from_db()
    assert proof.status == PaymentProof.Status.ACCEPTED
    assert case.status == Status.RECONNECTION_ORDERED
    assert FieldOrder.objects.get(case=case, kind=FieldOrder.Kind.RECONNECT).priority == 4


def test_a_partial_proof_needs_a_reason_and_rejection_needs_one_too(agent_client: Client) -> None:
    case = disconnected()
    proof = proof_of(case, status=PaymentProof.Status.PARTIAL, amount="100.00")
    refused = agent_client.post(action_url("proof_accept", case, proof.pk), {})
    assert (
        refused.status_code == 400 and "ohne Deckung nur mit Begründung" in refused.content.decode()
    )
    no_reason = agent_client.post(action_url("proof_reject", case, proof.pk), {})
    assert no_reason.status_code == 400
    rejected = agent_client.post(
        action_url("proof_reject", case, proof.pk),
        {f"reject-{proof.pk}-reason": "Beleg gehört zu einer anderen Zahlung"},
    )
    assert rejected.status_code == 302
    proof.refresh_from_db()
    assert proof.status == PaymentProof.Status.REJECTED
    again = agent_client.post(
        action_url("proof_reject", case, proof.pk), {f"reject-{proof.pk}-reason": "x"}
    )
    assert again.status_code == 400
    proof.refresh_from_db()
    assert proof.note == "Beleg gehört zu einer anderen Zahlung"


def test_a_proof_or_plan_of_another_case_is_404(agent_client: Client) -> None:
    case = disconnected()
    other = disconnected()
    proof = proof_of(other)
    for name in ("proof_accept", "proof_reject"):
        url = action_url(name, case, proof.pk)
        assert agent_client.post(url, {f"reject-{proof.pk}-reason": "x"}).status_code == 404
    plan = chain.request_agreement(threatened(), on=THREAT_DAY, actor=None)
    assert agent_client.post(action_url("accept_agreement", case, plan.pk)).status_code == 404
    proof.refresh_from_db()
    plan.refresh_from_db()
    assert proof.status == PaymentProof.Status.COVERS
    assert plan.status == InstallmentPlan.Status.OFFERED


# --- the proof's file --------------------------------------------------------------------------


def test_the_proof_file_is_served_only_when_scanned_clean(agent_client: Client) -> None:
    case = disconnected()
    clean = proof_of(case)
    response = agent_client.get(file_url(clean))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    assert AuditLogEntry.objects.filter(
        action="read", object_type="disconnection.paymentproof", object_id=str(clean.pk)
    ).exists()
    pending = proof_of(case, scan="pending", status=PaymentProof.Status.RECEIVED)
    assert agent_client.get(file_url(pending)).status_code == 409
    infected = proof_of(case, scan="infected", status=PaymentProof.Status.REJECTED)
    assert agent_client.get(file_url(infected)).status_code == 403
    html = agent_client.get(detail_url(case)).content.decode()
    assert file_url(pending) not in html and file_url(infected) not in html


def test_the_proof_file_of_any_customer_is_open_to_staff_with_the_permission() -> None:
    """No owner check beyond the permission: staff see every customer's proofs."""
    proof = proof_of(disconnected())
    onsite = client_for(roles.CUSTOMER_CENTER, "vorort")
    assert onsite.get(file_url(proof)).status_code == 200
    assert client_for(None, "norole").get(file_url(proof)).status_code == 403
    missing = reverse("disconnection:proof_file", args=[proof.pk + 1000])
    assert onsite.get(missing).status_code == 404


# --- list and dashboard ------------------------------------------------------------------------


def test_list_shows_open_cases_by_status_and_filters(lead_client: Client) -> None:
    first = threatened()
    second = disconnected()
    stopped = threatened()
    DisconnectionCase.objects.filter(pk=stopped.pk).update(status=Status.STOPPED)
    url = reverse("disconnection:case_list")
    html = lead_client.get(url).content.decode()
    assert first.number in html and second.number in html and stopped.number not in html
    assert html.index(first.number) < html.index(second.number)  # chain order
    assert "Alter (Tage)" in html
    filtered = lead_client.get(url, {"status": Status.DISCONNECTED}).content.decode()
    assert second.number in filtered and first.number not in filtered
    assert lead_client.get(url, {"status": "nonsense"}).status_code == 200
    menu = lead_client.get(reverse("desk:home")).content.decode()
    assert url in menu and reverse("disconnection:reconnections") in menu


def test_dashboard_shows_waiting_reconnections_escalated_and_lead_times(
    lead_client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.KC_RECONNECTION_TARGET_MINUTES = 120
    waiting = disconnected()
    DisconnectionCase.objects.filter(pk=waiting.pk).update(
        proof_received_at=timezone.now() - datetime.timedelta(hours=3)
    )
    done = disconnected()
    now = timezone.now()
    DisconnectionCase.objects.filter(pk=done.pk).update(
        status=Status.RECONNECTED,
        proof_received_at=now - datetime.timedelta(minutes=30),
        reconnection_ordered_at=now - datetime.timedelta(minutes=20),
    )
    response = lead_client.get(reverse("disconnection:reconnections"))
    assert response.status_code == 200
    html = response.content.decode()
    assert waiting.number in html and done.number not in html
    assert "über der Zielzeit" in html and "<strong>180</strong>" in html
    assert "noch nicht beauftragt" in html
    assert "10,0 Minuten" in html  # median and p95 of the one lead time
    partial_url = reverse("disconnection:reconnections_rows")
    assert f'hx-get="{partial_url}"' in html and "every 15s" in html and "X-KC-Poll" in html
    partial = lead_client.get(partial_url, headers={"HX-Request": "true", "X-KC-Poll": "1"})
    assert partial.status_code == 200 and waiting.number in partial.content.decode()
    assert "<html" not in partial.content.decode()
    assert lead_client.get(partial_url).status_code == 302  # without htmx: the page


# --- window capture ----------------------------------------------------------------------------


def test_window_finds_by_account_or_customer_number(window_client: Client) -> None:
    case = threatened()
    account = case.account
    url = reverse("disconnection:window")
    assert window_client.get(url).status_code == 200
    by_account = window_client.get(url, {"q": account.number})
    assert by_account.status_code == 302
    assert by_account["Location"] == reverse("disconnection:window_account", args=[account.pk])
    by_customer = window_client.get(url, {"q": account.partner.number})
    assert by_customer.status_code == 302
    nothing = window_client.get(url, {"q": "999999999999"})
    assert "Kein Vertragskonto und kein Kunde" in nothing.content.decode()
    page = window_client.get(by_account["Location"]).content.decode()
    assert 'accept="image/*,application/pdf"' in page and 'capture="environment"' in page
    assert 'enctype="multipart/form-data"' in page and "300,00 €" in page  # needed now
    menu = window_client.get(reverse("desk:home")).content.decode()
    assert f'href="{url}"' in menu
    assert f'href="{reverse("disconnection:case_list")}"' not in menu


def test_window_upload_creates_a_proof_and_its_page_polls_until_checked(
    window_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = disconnected()
    account = case.account
    url = reverse("disconnection:window_account", args=[account.pk])
    image = transfer_receipt(amount="395,00", reference=f"Vertragskonto {account.number}")
    response = window_client.post(url, {"file": ContentFile(image, name="IMG_0001.png")})
    assert response.status_code == 302
    proof = PaymentProof.objects.get()
    assert proof.source == PaymentProof.Source.WINDOW and proof.case == case
    assert proof.status == PaymentProof.Status.RECEIVED and proof.scan == "pending"
    assert response["Location"] == reverse("disconnection:window_proof", args=[proof.pk])
    # The background task is only enqueued here (database backend): the page polls.
    page = window_client.get(response["Location"]).content.decode()
    state_url = reverse("disconnection:window_proof_state", args=[proof.pk])
    assert f'hx-get="{state_url}"' in page and 'hx-trigger="every 3s"' in page
    assert "Aktualisieren" in page and "wird geprüft" in page
    headers = {"HX-Request": "true", "X-KC-Poll": "1"}
    assert 'hx-trigger="every 3s"' in window_client.get(state_url, headers=headers).content.decode()
    # The check runs (clamd clean, OCR reads the receipt): the partial stops polling.
    monkeypatch.setattr(clamd, "scan_bytes", lambda data, **kw: clamd.ScanVerdict(clean=True))
    text = (
        "Betrag 395,00 EUR\nAusführungsdatum 27.11.2026\n"
        f"Verwendungszweck Vertragskonto {account.number}"
    )
    monkeypatch.setattr(
        receipts,
        "ocr",
        lambda data, **kw: receipts.OcrResult(text=text, confidence=95, seconds=0.1),
    )
    assert proofs.check(proof.pk) == PaymentProof.Status.COVERS
    partial = window_client.get(state_url, headers=headers).content.decode()
    assert "hx-get" not in partial and "Aktualisieren" not in partial
    assert "deckt den Betrag — Entsperrung kann beauftragt werden" in partial
    assert "395,00 €" in partial
    assert window_client.get(state_url).status_code == 302  # without htmx: the page


def test_window_upload_of_a_wrong_type_is_400_with_the_message(window_client: Client) -> None:
    case = threatened()
    url = reverse("disconnection:window_account", args=[case.account.pk])
    response = window_client.post(url, {"file": ContentFile(b"GIF89a" + b"\0" * 64, name="x.png")})
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "Dateityp nicht erlaubt" in html and "Erlaubt sind Fotos (JPEG, PNG, WebP) und PDF." in html
    )
    assert window_client.post(url, {}).status_code == 400
    assert not PaymentProof.objects.exists()


def test_unreadable_proof_says_a_colleague_checks(window_client: Client) -> None:
    proof = proof_of(disconnected(), status=PaymentProof.Status.UNREADABLE, amount=None)
    html = window_client.get(
        reverse("disconnection:window_proof", args=[proof.pk])
    ).content.decode()
    state_url = reverse("disconnection:window_proof_state", args=[proof.pk])
    assert "nicht lesbar — ein Kollege prüft" in html and state_url not in html
    assert AuditLogEntry.objects.filter(action="read", object_id=str(proof.pk)).exists()


# --- customer page -----------------------------------------------------------------------------


def test_customer_page_shows_the_open_case_per_account(agent_client: Client) -> None:
    case = threatened()
    url = reverse("desk:customer_detail", args=[case.account.partner_id])
    html = agent_client.get(url).content.decode()
    assert detail_url(case) in html and "Sperre angedroht" in html
    onsite = client_for(roles.CUSTOMER_CENTER, "vorort").get(url).content.decode()
    assert detail_url(case) not in onsite
    DisconnectionCase.objects.filter(pk=case.pk).update(status=Status.STOPPED)
    assert detail_url(case) not in agent_client.get(url).content.decode()
