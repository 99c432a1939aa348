"""Payment pages: the payments part of the customer page (balance, items, mandate; fixed
queries), an account's postings, SEPA mandates (grant, bank change, revocation), the queue of
unmatched transfers and the files overview; permissions, CSRF, audit, object level."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_staff
from kc.core import roles
from kc.core.models import AuditLogEntry, User
from kc.customers.models import BusinessPartner, ContractAccount
from kc.customers.tests.factories import BusinessPartnerFactory, ContractAccountFactory
from kc.letters.models import Letter
from kc.payments import ledger
from kc.payments.models import (
    BankImport,
    BankTransaction,
    DirectDebitFile,
    LedgerDocument,
    LedgerLine,
    SepaMandate,
)
from kc.payments.selectors import account_payments, with_payments
from kc.payments.tests.factories import (
    IBAN,
    IBAN_OTHER_BANK,
    creditor,
    mandated_account,
    receivable,
)

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = timezone.localdate()
PAST = TODAY - datetime.timedelta(days=10)
FUTURE = TODAY + datetime.timedelta(days=20)
Outcome = BankTransaction.Outcome


@pytest.fixture
def lead(db: None) -> User:
    return make_staff("lead", roles.TEAM_LEAD)


@pytest.fixture
def lead_client(lead: User) -> Client:
    client = Client()
    client.force_login(lead)
    return client


def client_for(role: str | None, username: str = "other") -> Client:
    client = Client()
    client.force_login(make_staff(username, role))
    return client


def payment(account: ContractAccount, amount: str, *, source: str = "") -> LedgerDocument:
    """A transfer in the customer's favour, not yet used on any item."""
    return ledger.post(
        account=account,
        kind=LedgerDocument.Kind.PAYMENT,
        source=source or f"test-payment:{account.number}:{amount}",
        text="Überweisung",
        entries=[ledger.Entry(amount=-D(amount), text="Überweisung Kunde")],
        offset=LedgerLine.Offset.BANK,
    )


def disputed_line(account: ContractAccount, amount: str) -> LedgerLine:
    """Lines are immutable (a database trigger) and ledger.post cannot mark a line disputed,
    so the flag can only be there from the start: written here directly, balanced."""
    document = LedgerDocument.objects.create(
        number="BU9999999999",
        kind=LedgerDocument.Kind.FEE,
        account=account,
        booking_date=PAST,
        text="Mahngebühr",
        source="test:disputed",
    )
    line = LedgerLine.objects.create(
        document=document,
        account=account,
        side=LedgerLine.Offset.CUSTOMER,
        amount=D(amount),
        due_on=PAST,
        text="Mahngebühr",
        disputed=True,
    )
    LedgerLine.objects.create(
        document=document,
        account=account,
        side=LedgerLine.Offset.FEES,
        amount=-D(amount),
        text="Mahngebühr",
    )
    return line


def account_with_items() -> tuple[ContractAccount, SepaMandate]:
    """Owes 100 (due) and 50 (not yet due), has paid 30 unused: 120 open, 70 due now."""
    creditor()
    account, mandate = mandated_account()
    receivable(account, "100.00", due_on=PAST)
    receivable(account, "50.00", due_on=FUTURE)
    payment(account, "30.00")
    return account, mandate


def unmatched(
    amount: str = "70.00", *, direction: str = "credit", key: str = "k1"
) -> BankTransaction:
    bank_file, _created = BankImport.objects.get_or_create(
        sha256="0" * 64,
        defaults={"filename": "camt054.xml", "kind": "camt.054", "message_id": "M1"},
    )
    return BankTransaction.objects.create(
        bank_import=bank_file,
        key=key,
        direction=direction,
        amount=D(amount),
        booking_date=PAST,
        reference="Strom Abschlag",
        counterparty_name="Erika Beispiel",
        counterparty_iban="DE02120300000000202051",
        outcome=Outcome.UNMATCHED,
        note="Kein Vertragskonto sicher erkannt.",
    )


def customer_url(partner: BusinessPartner) -> str:
    return reverse("desk:customer_detail", args=[partner.pk])


def ledger_url(account: ContractAccount) -> str:
    return reverse("payments:account_ledger", args=[account.pk])


def grant_url(account: ContractAccount) -> str:
    return reverse("payments:mandate_grant", args=[account.pk])


def change_url(mandate: SepaMandate) -> str:
    return reverse("payments:mandate_change_bank", args=[mandate.pk])


def revoke_url(mandate: SepaMandate) -> str:
    return reverse("payments:mandate_revoke", args=[mandate.pk])


def assign_url(tx: BankTransaction) -> str:
    return reverse("payments:unmatched_assign", args=[tx.pk])


def grant_data(**fields: object) -> dict[str, object]:
    values: dict[str, object] = {
        "iban": "DE89 3704 0044 0532 0130 00",
        "bic": "",
        "account_holder": "Erika Beispiel",
        "signed_on": TODAY.isoformat(),
        "origin": SepaMandate.Origin.PAPER,
        "confirmed": "on",
    }
    return values | fields


# --- customer page -------------------------------------------------------------------------


def test_customer_page_shows_balance_due_items_credits_and_mandate(agent_client: Client) -> None:
    account, mandate = account_with_items()
    disputed_line(account, "12.34")
    response = agent_client.get(customer_url(account.partner))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>132,34 €</strong> offen" in html
    assert "<strong>82,34 €</strong>" in html  # due now: 100 + 12.34 - 30
    assert "Abschlag " + f"{PAST:%m/%Y}" in html and "100,00 €" in html and "50,00 €" in html
    assert "bestritten" in html
    assert "Nicht verbrauchte Gutschriften" in html and "30,00 €" in html
    assert mandate.reference in html and "DE89 **** 3000" in html and "Papier" in html
    assert "noch nie" in html  # last used
    assert ledger_url(account) in html
    assert (
        grant_url(account) in html and change_url(mandate) in html and revoke_url(mandate) in html
    )


def test_customer_page_wording_for_credit_and_no_mandate(agent_client: Client) -> None:
    account = ContractAccountFactory(payment_method=ContractAccount.PaymentMethod.TRANSFER)
    payment(account, "40.00")
    html = agent_client.get(customer_url(account.partner)).content.decode()
    assert "<strong>40,00 €</strong> Guthaben" in html
    assert "Kein Mandat" in html
    assert "Keine offenen Posten." in html
    assert "Mandat erfassen" in html


def test_customer_page_figures_agree_with_the_ledger() -> None:
    account, _mandate = account_with_items()
    other, _ = mandated_account()
    receivable(other, "20.00", due_on=PAST, source="test:other")
    document = payment(other, "25.00", source="test:other-payment")
    ledger.settle_account(other, document)
    # 0.70 + 0.10 is 0.7999… in floating point, which SQLite uses to sum decimals: the
    # receivable of 0.80 is settled all the same.
    cents = ContractAccountFactory()
    receivable(cents, "0.80", due_on=PAST, source="test:cents")
    for amount in ("0.70", "0.10"):
        ledger.settle_account(cents, payment(cents, amount, source=f"test:cents:{amount}"))
    assert ledger.open_items(cents) == []
    for checked in (account, other, cents):
        loaded = with_payments(ContractAccount.objects.filter(pk=checked.pk)).get()
        figures = account_payments(loaded, today=TODAY)
        assert figures.balance == ledger.balance(checked)
        assert figures.due_now == ledger.due_balance(checked, on=TODAY)
        assert [i.line.pk for i in figures.open_items] == [
            i.line.pk for i in ledger.open_items(checked)
        ]
        assert [i.open_amount for i in figures.open_items] == [
            i.open_amount for i in ledger.open_items(checked)
        ]
        assert [i.open_amount for i in figures.open_credits] == [
            i.open_amount for i in ledger.open_credits(checked)
        ]


def test_customer_page_queries_do_not_grow_with_accounts_items_or_mandates(
    agent_client: Client,
) -> None:
    creditor()

    def customer(accounts: int) -> BusinessPartner:
        partner = BusinessPartnerFactory()
        for n in range(accounts):
            account, _ = mandated_account(partner=partner)
            for month in range(n + 1):
                receivable(account, "10.00", due_on=PAST - datetime.timedelta(days=31 * month))
            payment(account, "5.00")
        return partner

    def count(partner: BusinessPartner) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert agent_client.get(customer_url(partner)).status_code == 200
        return len(ctx.captured_queries)

    agent_client.get(reverse("desk:home"))  # the first request of a session saves it
    assert count(customer(1)) == count(customer(4))


def test_roles_without_the_ledger_see_no_payments_on_the_customer_page() -> None:
    account, mandate = account_with_items()
    html = client_for(roles.ENERGY_ADVISOR).get(customer_url(account.partner)).content.decode()
    assert "Kontostand" not in html and mandate.reference not in html
    assert ledger_url(account) not in html


def test_customer_center_may_view_but_not_change_mandates() -> None:
    account, mandate = account_with_items()
    client = client_for(roles.CUSTOMER_CENTER)
    html = client.get(customer_url(account.partner)).content.decode()
    assert "Kontostand" in html and mandate.reference in html
    assert grant_url(account) not in html and revoke_url(mandate) not in html
    assert client.get(ledger_url(account)).status_code == 200
    assert client.get(grant_url(account)).status_code == 403
    assert client.post(revoke_url(mandate), {"reason": "x"}).status_code == 403
    assert client.get(reverse("payments:unmatched_list")).status_code == 403
    mandate.refresh_from_db()
    assert mandate.status == SepaMandate.Status.ACTIVE


# --- ledger page ---------------------------------------------------------------------------


def test_ledger_page_lists_postings_newest_first_with_balance_and_is_audited(
    agent_client: Client, agent: User
) -> None:
    account, _mandate = account_with_items()
    response = agent_client.get(ledger_url(account))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>120,00 €</strong> offen" in html and "<strong>70,00 €</strong>" in html
    numbers = list(
        LedgerDocument.objects.filter(account=account)
        .order_by("-booking_date", "-id")
        .values_list("number", flat=True)
    )
    positions = [html.index(number) for number in numbers]
    assert positions == sorted(positions)  # newest first
    assert "Abschlagsforderung" in html and "Zahlung" in html
    assert "-30,00 €" in html  # the customer-side amount of the payment
    entry = AuditLogEntry.objects.get(action="read", object_type="customers.contractaccount")
    assert (entry.actor, entry.partner_id, entry.object_id, entry.request_path) == (
        agent,
        account.partner_id,
        str(account.pk),
        f"/zahlungen/konten/{account.pk}/",
    )


def test_ledger_page_is_paginated_by_fifty(agent_client: Client) -> None:
    account = ContractAccountFactory()
    for n in range(51):
        receivable(account, "1.00", due_on=PAST - datetime.timedelta(days=n), source=f"p{n}")
    first = agent_client.get(ledger_url(account)).content.decode()
    second = agent_client.get(ledger_url(account), {"page": 2}).content.decode()
    assert first.count("<tr>") - 1 == 50 and "Ältere" in first
    assert second.count("<tr>") - 1 == 1 and "Seite 2 von 2" in second


def test_ledger_page_shows_only_its_own_account(agent_client: Client) -> None:
    account, _ = account_with_items()
    other = ContractAccountFactory()
    receivable(other, "77.77", due_on=PAST, source="test:other")
    html = agent_client.get(ledger_url(other)).content.decode()
    assert "77,77 €" in html
    for number in LedgerDocument.objects.filter(account=account).values_list("number", flat=True):
        assert number not in html
    assert agent_client.get(reverse("payments:account_ledger", args=[999999])).status_code == 404


# --- permissions, CSRF, object level -------------------------------------------------------


def test_pages_refuse_staff_without_the_permission_and_leak_no_ids() -> None:
    account, mandate = account_with_items()
    tx = unmatched()
    client = client_for(None)
    urls = [
        ledger_url(account),
        grant_url(account),
        change_url(mandate),
        revoke_url(mandate),
        reverse("payments:unmatched_list"),
        reverse("payments:files_overview"),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    # An id that exists and one that does not look the same to someone without permission.
    for name in ("account_ledger", "mandate_grant"):
        assert client.get(reverse(f"payments:{name}", args=[999999])).status_code == 403
    for name in ("mandate_change_bank", "mandate_revoke"):
        assert client.get(reverse(f"payments:{name}", args=[999999])).status_code == 403
    assert (
        client.post(assign_url(tx), {f"tx-{tx.pk}-account_number": account.number}).status_code
        == 403
    )
    assert not AuditLogEntry.objects.filter(action="read").exists()
    tx.refresh_from_db()
    assert tx.outcome == Outcome.UNMATCHED


def test_agent_may_not_see_the_files_overview(agent_client: Client) -> None:
    assert agent_client.get(reverse("payments:files_overview")).status_code == 403


def test_posts_without_csrf_token_are_refused(agent: User) -> None:
    account, mandate = account_with_items()
    tx = unmatched()
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    other = ContractAccountFactory(payment_method=ContractAccount.PaymentMethod.TRANSFER, iban="")
    assert client.post(grant_url(other), grant_data()).status_code == 403
    assert (
        client.post(
            change_url(mandate), {"iban": IBAN_OTHER_BANK, "account_holder": "X"}
        ).status_code
        == 403
    )
    assert client.post(revoke_url(mandate), {"reason": "Kündigung"}).status_code == 403
    assert (
        client.post(assign_url(tx), {f"tx-{tx.pk}-account_number": account.number}).status_code
        == 403
    )
    assert not SepaMandate.objects.filter(account=other).exists()
    mandate.refresh_from_db()
    tx.refresh_from_db()
    assert (mandate.status, mandate.iban, tx.outcome) == (
        SepaMandate.Status.ACTIVE,
        IBAN,
        Outcome.UNMATCHED,
    )


def test_a_mandate_page_acts_on_its_own_mandate_and_account_only(agent_client: Client) -> None:
    account, mandate = account_with_items()
    other, other_mandate = mandated_account()
    page = agent_client.get(revoke_url(mandate)).content.decode()
    assert account.number in page and mandate.reference in page
    assert other.number not in page and other_mandate.reference not in page
    # Another account's id in the input changes nothing: the account comes from the mandate.
    response = agent_client.post(
        revoke_url(mandate),
        {"reason": "Kunde zahlt selbst", "account": other.pk, "mandate": other_mandate.pk},
        follow=True,  # the success message is shown (and used up) on the customer page
    )
    assert response.redirect_chain == [(customer_url(account.partner), 302)]
    mandate.refresh_from_db()
    other_mandate.refresh_from_db()
    assert mandate.status == SepaMandate.Status.REVOKED
    assert other_mandate.status == SepaMandate.Status.ACTIVE
    # Where an account and a mandate meet on one page, the mandate is the account's own:
    # the grant page of `account` shows no mandate of `other` and vice versa.
    grant_other = agent_client.get(grant_url(other)).content.decode()
    assert other_mandate.reference in grant_other and mandate.reference not in grant_other
    assert account.number not in grant_other
    grant_own = agent_client.get(grant_url(account)).content.decode()
    assert "Es gibt schon ein aktives Mandat" not in grant_own  # its mandate is revoked
    assert other_mandate.reference not in grant_own
    # Unknown ids are 404 for a permitted user (403 before any lookup for everyone else).
    assert agent_client.get(reverse("payments:mandate_revoke", args=[999999])).status_code == 404


# --- mandate grant -------------------------------------------------------------------------


def test_grant_page_shows_creditor_id_and_the_mandate_text(
    agent_client: Client, agent: User
) -> None:
    creditor()
    account = ContractAccountFactory(payment_method=ContractAccount.PaymentMethod.TRANSFER, iban="")
    response = agent_client.get(grant_url(account))
    assert response.status_code == 200
    html = response.content.decode()
    assert "DE98ZZZ09999999999" in html and "Stadtwerke Musterstadt GmbH" in html
    assert "Ich ermächtige Stadtwerke Musterstadt GmbH" in html
    assert "mittels Lastschrift einzuziehen" in html
    assert "innerhalb von acht Wochen, beginnend mit dem Belastungsdatum" in html
    assert "14 Tage vorher" in html
    assert AuditLogEntry.objects.filter(
        action="read", object_type="customers.contractaccount", actor=agent
    ).exists()


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("DE89370400440532013001", "Prüfziffer der IBAN stimmt nicht"),
        ("DE8937040044053201300", "Die IBAN muss 22 Zeichen lang sein, eingegeben sind 21."),
        ("", "Dieses Feld ist zwingend erforderlich."),
    ],
)
def test_grant_with_a_wrong_iban_is_400_with_the_message(
    agent_client: Client, iban: str, message: str
) -> None:
    creditor()
    account = ContractAccountFactory(payment_method=ContractAccount.PaymentMethod.TRANSFER, iban="")
    response = agent_client.post(grant_url(account), grant_data(iban=iban))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'id="id_iban_error"' in html  # on the IBAN field
    assert not SepaMandate.objects.exists() and not Letter.objects.exists()


def test_service_refusals_land_on_the_form_fields(agent_client: Client) -> None:
    creditor()
    account = ContractAccountFactory(payment_method=ContractAccount.PaymentMethod.TRANSFER, iban="")
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    response = agent_client.post(grant_url(account), grant_data(signed_on=tomorrow))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Das Unterschriftsdatum liegt in der Zukunft." in html
    assert 'id="id_signed_on_error"' in html
    unconfirmed = agent_client.post(grant_url(account), grant_data(confirmed=""))
    assert unconfirmed.status_code == 400
    assert "Bitte bestätigen, dass das Mandat erteilt wurde." in unconfirmed.content.decode()
    assert not SepaMandate.objects.exists()


def test_grant_without_creditor_settings_says_so(agent_client: Client) -> None:
    account = ContractAccountFactory(payment_method=ContractAccount.PaymentMethod.TRANSFER, iban="")
    assert (
        "Keine Gläubigerdaten hinterlegt" in agent_client.get(grant_url(account)).content.decode()
    )
    response = agent_client.post(grant_url(account), grant_data())
    assert response.status_code == 400
    assert "Es sind keine Gläubigerdaten hinterlegt" in response.content.decode()
    assert not SepaMandate.objects.exists()


def test_a_valid_grant_creates_the_mandate_and_the_letter(
    agent_client: Client, agent: User
) -> None:
    creditor()
    account = ContractAccountFactory(
        payment_method=ContractAccount.PaymentMethod.TRANSFER, iban="", bic=""
    )
    response = agent_client.post(grant_url(account), grant_data(origin="electronic"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == customer_url(account.partner)
    mandate = SepaMandate.objects.get(account=account)
    assert (mandate.iban, mandate.bic, mandate.origin, mandate.signed_on) == (
        IBAN,
        "COBADEFFXXX",
        SepaMandate.Origin.ELECTRONIC,
        TODAY,
    )
    assert (mandate.status, mandate.created_by) == (SepaMandate.Status.ACTIVE, agent)
    letter = Letter.objects.get(kind="sepa_mandate", account=account)
    assert letter.values["mandatsreferenz"] == mandate.reference
    account.refresh_from_db()
    assert account.payment_method == ContractAccount.PaymentMethod.DIRECT_DEBIT
    html = response.content.decode()
    assert f"SEPA-Mandat {mandate.reference} für Vertragskonto {account.number} angelegt" in html
    assert "elektronisch" in html


def test_a_new_grant_replaces_the_active_mandate(agent_client: Client) -> None:
    account, old = account_with_items()
    page = agent_client.get(grant_url(account)).content.decode()
    assert "Es gibt schon ein aktives Mandat" in page and old.reference in page
    response = agent_client.post(grant_url(account), grant_data(iban=IBAN_OTHER_BANK))
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.status == SepaMandate.Status.REVOKED
    assert SepaMandate.objects.get(account=account, status="active").iban == IBAN_OTHER_BANK


# --- amendment and revocation --------------------------------------------------------------


def test_bank_change_amends_the_mandate(agent_client: Client) -> None:
    account, mandate = account_with_items()
    page = agent_client.get(change_url(mandate))
    assert page.status_code == 200 and mandate.reference in page.content.decode()
    same = agent_client.post(change_url(mandate), {"iban": IBAN, "account_holder": "Erika"})
    assert same.status_code == 400 and "Das ist die bisherige IBAN." in same.content.decode()
    response = agent_client.post(
        change_url(mandate), {"iban": "de02 1203 0000 0000 2020 51", "account_holder": "Erika B."}
    )
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert (mandate.iban, mandate.amended_from_iban, mandate.amended_bank_changed) == (
        IBAN_OTHER_BANK,
        IBAN,
        True,
    )
    assert (mandate.reference, mandate.account_holder) == (f"KC-{account.number}-001", "Erika B.")
    assert Letter.objects.filter(kind="sepa_mandate", account=account).count() == 1
    html = agent_client.get(customer_url(account.partner)).content.decode()
    assert "DE02 **** 2051" in html and "Änderung wird mit dem nächsten Einzug gemeldet" in html


def test_revocation_needs_a_reason_and_switches_to_transfer(agent_client: Client) -> None:
    account, mandate = account_with_items()
    empty = agent_client.post(revoke_url(mandate), {"reason": "  "})
    assert empty.status_code == 400
    response = agent_client.post(revoke_url(mandate), {"reason": "Kunde zahlt selbst"})
    assert response.status_code == 302
    mandate.refresh_from_db()
    account.refresh_from_db()
    assert (mandate.status, mandate.end_reason) == (
        SepaMandate.Status.REVOKED,
        "Kunde zahlt selbst",
    )
    assert account.payment_method == ContractAccount.PaymentMethod.TRANSFER
    # An ended mandate offers no form, and a late post is refused on the page.
    assert "nicht mehr aktiv" in agent_client.get(revoke_url(mandate)).content.decode()
    again = agent_client.post(revoke_url(mandate), {"reason": "doppelt"})
    assert again.status_code == 400 and "Das Mandat ist nicht aktiv." in again.content.decode()
    late = agent_client.post(change_url(mandate), {"iban": IBAN_OTHER_BANK, "account_holder": "E"})
    assert late.status_code == 400
    assert "Nur ein aktives Mandat kann geändert werden." in late.content.decode()


# --- unmatched transfers -------------------------------------------------------------------


def test_unmatched_queue_lists_transfers_with_masked_iban(agent_client: Client) -> None:
    unmatched()
    unmatched("12.00", direction="debit", key="k2")
    response = agent_client.get(reverse("payments:unmatched_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Erika Beispiel" in html and "70,00 €" in html and "Strom Abschlag" in html
    assert "DE02 **** 2051" in html and "DE02120300000000202051" not in html
    assert html.count('name="tx-') == 1  # the debit gets no assignment form
    assert "bitte mit der Bank klären" in html


def test_assigning_an_unmatched_transfer_posts_the_payment(
    agent_client: Client, agent: User
) -> None:
    creditor()
    account = ContractAccountFactory()
    item = receivable(account, "70.00", due_on=PAST)
    tx = unmatched()
    response = agent_client.post(
        assign_url(tx), {f"tx-{tx.pk}-account_number": f" {account.number} "}
    )
    assert response.status_code == 302
    tx.refresh_from_db()
    assert (tx.outcome, tx.account) == (Outcome.ASSIGNED, account)
    assert tx.document is not None and tx.document.kind == LedgerDocument.Kind.PAYMENT
    assert tx.document.posted_by == agent
    assert ledger.open_items(account) == [] and ledger.balance(account) == D("0.00")
    assert item.pk not in [i.line.pk for i in ledger.open_items(account)]
    page = agent_client.get(reverse("payments:unmatched_list")).content.decode()
    assert "dem Vertragskonto" in page and "Keine Umsätze zu klären." in page


def test_assigning_to_an_unknown_account_is_400(agent_client: Client) -> None:
    tx = unmatched()
    response = agent_client.post(assign_url(tx), {f"tx-{tx.pk}-account_number": "499999999999"})
    assert response.status_code == 400
    assert "Es gibt kein Vertragskonto mit der Nummer 499999999999." in response.content.decode()
    tx.refresh_from_db()
    assert tx.outcome == Outcome.UNMATCHED and not LedgerDocument.objects.exists()


def test_assigning_a_transfer_twice_says_it_is_done(agent_client: Client) -> None:
    account = ContractAccountFactory()
    tx = unmatched()
    data = {f"tx-{tx.pk}-account_number": account.number}
    assert agent_client.post(assign_url(tx), data).status_code == 302
    again = agent_client.post(assign_url(tx), data)
    assert again.status_code == 400
    assert "bereits zugeordnet" in again.content.decode()
    assert LedgerDocument.objects.filter(kind=LedgerDocument.Kind.PAYMENT).count() == 1


# --- files overview and navigation ---------------------------------------------------------


def test_team_lead_sees_the_files_overview(lead_client: Client) -> None:
    DirectDebitFile.objects.create(
        message_id="KC-LS-20261215-001",
        collection_date=FUTURE,
        path="/srv/kc/var/sepa/ls.xml",
        sha256="a" * 64,
        count=3,
        total=D("1234.56"),
    )
    unmatched()
    response = lead_client.get(reverse("payments:files_overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "KC-LS-20261215-001" in html and "1.234,56 €" in html and "Entwurf" in html
    assert "camt054.xml" in html and "/srv/kc" not in html
    assert "<form" not in html.split('<main id="main"')[1]  # read-only: no release button


def test_menu_links_follow_the_permissions(agent_client: Client, lead_client: Client) -> None:
    clearing = reverse("payments:unmatched_list")
    changes = reverse("billing:change_list")
    files = reverse("payments:files_overview")
    agent_home = agent_client.get(reverse("desk:home")).content.decode()
    lead_home = lead_client.get(reverse("desk:home")).content.decode()
    assert f'href="{clearing}">Zahlungsklärung' in agent_home
    assert changes not in agent_home and files not in agent_home
    assert all(url in lead_home for url in (clearing, changes, files))
    assert "Abschlagsänderungen" in lead_home
    center_home = client_for(roles.CUSTOMER_CENTER).get(reverse("desk:home")).content.decode()
    assert clearing not in center_home and files not in center_home
