"""Everything stored about one customer (Art. 15, 20 GDPR), gathered area by area.

One small collector per app area returns an `Area`: its rows are the model's own fields
(personal data of the customer), never search keys, password hashes or staff identities
(Art. 15 (4): other people's data stay out; the audit rows name the role, not the colleague,
as the CJEU allows in C-579/21). Readings belong to the customer only within the supply
periods of their contracts: the meter stays with the premise when people move.

Portal logins live in kc.portal and consultations and funding in apps beside this one in the
layer order or built later: they are read through the app registry, never imported.
"""

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Q, QuerySet

from kc.billing.models import (
    BillingDocument,
    BudgetBillingPlan,
    BudgetChangeRequest,
    BudgetInstalment,
    Invoice,
    TariffOffer,
)
from kc.cases.models import Attachment, Call, Case, Message
from kc.core.models import AuditLogEntry
from kc.customers.models import BusinessPartner, Consent, ContractAccount, PostalAddress
from kc.disconnection.models import (
    DisconnectionCase,
    DisconnectionEvent,
    InstallmentPlan,
    PaymentProof,
)
from kc.letters.models import Letter
from kc.payments.models import BankTransaction, LedgerDocument, LedgerLine, Payout, SepaMandate
from kc.privacy.export_rows import (
    SCHEMA,
    SCHEMA_VERSION,
    Area,
    Scope,
    area_of,
    json_value,
    labels_of,
    registry_model,
    rows_of,
    scope_of,
)
from kc.supply.models import Contract, MarketLocation, Meter, MeterReading, Premise

# --- collectors, one per area ----------------------------------------------------------


def partner_areas(s: Scope) -> list[Area]:
    p = s.partner
    return [
        area_of("partner", "Stammdaten", BusinessPartner, [p]),
        area_of("addresses", "Anschriften", PostalAddress, p.addresses.order_by("pk")),
        area_of("consents", "Einwilligungen", Consent, p.consents.order_by("pk")),
        area_of(
            "accounts",
            "Vertragskonten und Bankverbindung",
            ContractAccount,
            ContractAccount.objects.filter(pk__in=s.account_ids).order_by("pk"),
        ),
    ]


def supply_areas(s: Scope) -> list[Area]:
    malo_ids = {c.market_location_id for c in s.contracts}
    malos = MarketLocation.objects.filter(pk__in=malo_ids).order_by("pk")
    premises = Premise.objects.filter(market_locations__in=malo_ids).distinct().order_by("pk")
    meters = Meter.objects.filter(market_location_id__in=malo_ids).order_by("pk")
    return [
        area_of("contracts", "Verträge", Contract, s.contracts),
        area_of("premises", "Verbrauchsstellen", Premise, premises),
        area_of("market_locations", "Marktlokationen", MarketLocation, malos),
        area_of("meters", "Zähler", Meter, meters),
        area_of("readings", "Zählerstände", MeterReading, own_readings(s)),
    ]


def own_readings(s: Scope) -> QuerySet[MeterReading]:
    """Readings of the contracts' meters within each contract's supply period."""
    within = Q(pk__in=[])
    for c in s.contracts:
        period = Q(
            register__meter__market_location_id=c.market_location_id, read_on__gte=c.start_date
        )
        if c.end_date is not None:
            period &= Q(read_on__lte=c.end_date)
        within |= period
    return MeterReading.objects.filter(within).order_by("read_on", "pk")


def case_areas(s: Scope) -> list[Area]:
    messages = Message.objects.filter(case_id__in=s.case_ids).order_by("created_at", "pk")
    attachments = Attachment.objects.filter(message__case_id__in=s.case_ids).order_by("pk")
    calls = Call.objects.filter(Q(partner=s.partner) | Q(case_id__in=s.case_ids))
    calls = calls.order_by("started_at", "pk")
    return [
        area_of("cases", "Vorgänge", Case, Case.objects.filter(pk__in=s.case_ids).order_by("pk")),
        area_of("messages", "Nachrichten und Notizen", Message, messages),
        area_of("attachments", "Anhänge (Liste)", Attachment, attachments),
        area_of("calls", "Anrufe", Call, calls),
    ]


def own_letters(partner: BusinessPartner) -> QuerySet[Letter]:
    return Letter.objects.filter(partner=partner).order_by("created_at", "pk")


def letter_areas(s: Scope) -> list[Area]:
    return [area_of("letters", "Briefe", Letter, own_letters(s.partner))]


def billing_areas(s: Scope) -> list[Area]:
    plans = BudgetBillingPlan.objects.filter(contract_id__in=s.contract_ids).order_by("pk")
    return [
        area_of(
            "billing_documents",
            "Abrechnungen",
            BillingDocument,
            BillingDocument.objects.filter(contract_id__in=s.contract_ids).order_by("pk"),
        ),
        area_of(
            "invoices",
            "Rechnungen",
            Invoice,
            Invoice.objects.filter(account_id__in=s.account_ids).order_by("pk"),
        ),
        area_of("budget_plans", "Abschlagspläne", BudgetBillingPlan, plans),
        area_of(
            "budget_instalments",
            "Abschläge",
            BudgetInstalment,
            BudgetInstalment.objects.filter(plan__in=plans).order_by("due_on", "pk"),
        ),
        area_of(
            "budget_change_requests",
            "Abschlagsänderungen",
            BudgetChangeRequest,
            BudgetChangeRequest.objects.filter(contract_id__in=s.contract_ids).order_by("pk"),
        ),
        area_of(
            "tariff_offers",
            "Tarifangebote",
            TariffOffer,
            TariffOffer.objects.filter(partner=s.partner).order_by("pk"),
        ),
    ]


def payment_areas(s: Scope) -> list[Area]:
    accounts = s.account_ids
    return [
        area_of(
            "ledger_documents",
            "Buchungsbelege",
            LedgerDocument,
            LedgerDocument.objects.filter(account_id__in=accounts).order_by("booking_date", "pk"),
        ),
        area_of(
            "ledger_lines",
            "Offene Posten und Zahlungen",
            LedgerLine,
            LedgerLine.objects.filter(account_id__in=accounts, side="customer").order_by("pk"),
        ),
        area_of(
            "sepa_mandates",
            "SEPA-Lastschriftmandate",
            SepaMandate,
            SepaMandate.objects.filter(account_id__in=accounts).order_by("pk"),
        ),
        area_of(
            "payouts",
            "Auszahlungen",
            Payout,
            Payout.objects.filter(account_id__in=accounts).order_by("pk"),
        ),
        area_of(
            "bank_transactions",
            "Zahlungseingänge und Rücklastschriften",
            BankTransaction,
            BankTransaction.objects.filter(account_id__in=accounts).order_by("pk"),
        ),
        area_of(
            "payment_proofs",
            "Zahlbelege",
            PaymentProof,
            PaymentProof.objects.filter(account_id__in=accounts).order_by("pk"),
        ),
    ]


def disconnection_areas(s: Scope) -> list[Area]:
    cases = DisconnectionCase.objects.filter(account_id__in=s.account_ids).order_by("pk")
    return [
        area_of("disconnection_cases", "Sperrvorgänge", DisconnectionCase, cases),
        area_of(
            "disconnection_events",
            "Schritte der Sperrvorgänge",
            DisconnectionEvent,
            DisconnectionEvent.objects.filter(case__in=cases).order_by("pk"),
        ),
        area_of(
            "installment_plans",
            "Abwendungsvereinbarungen",
            InstallmentPlan,
            InstallmentPlan.objects.filter(case__in=cases).order_by("pk"),
        ),
    ]


def portal_areas(s: Scope) -> list[Area]:
    account_model = registry_model("portal", "PortalAccount")
    event_model = registry_model("portal", "LoginEvent")
    if account_model is None or event_model is None:
        return []
    accounts = list(account_model._default_manager.filter(partner=s.partner).select_related("user"))
    rows = rows_of(accounts, account_model)
    for row, account in zip(rows, accounts, strict=True):
        row["login_email"] = account.user.email  # type: ignore[attr-defined]
    labels = labels_of(account_model) | {"login_email": "E-Mail (Anmeldung)"}
    events = event_model._default_manager.filter(account__in=accounts).order_by("at", "pk")
    return [
        Area("portal_account", "Portalzugang", rows, labels),
        area_of("portal_logins", "Anmeldeverlauf im Portal", event_model, events),
    ]


def later_app_areas(s: Scope) -> list[Area]:
    """Consultations and funding, when those apps have their models."""
    areas: list[Area] = []
    wanted = (
        ("appointments", "Booking", "consultations", "Beratungstermine", "partner"),
        ("funding", "FundingApplication", "funding_applications", "Förderanträge", "partner"),
        (
            "funding",
            "ApplicationDocument",
            "funding_documents",
            "Unterlagen zu Förderanträgen (Liste)",
            "application__partner",
        ),
    )
    for app_label, name, key, title, lookup in wanted:
        model = registry_model(app_label, name)
        if model is not None:
            objects = model._default_manager.filter(**{lookup: s.partner}).order_by("pk")
            areas.append(area_of(key, title, model, objects))
    return areas


AUDIT_ROLE_STAFF = "Mitarbeiter/in"


def audit_rows(partner_id: int) -> QuerySet[AuditLogEntry]:
    return AuditLogEntry.objects.filter(partner_id=partner_id).order_by("created_at", "pk")


def audit_areas(s: Scope) -> list[Area]:
    portal_user_ids = _portal_user_ids(s.partner)
    rows = [
        {
            "created_at": json_value(entry.created_at),
            "who": _audit_role(entry, portal_user_ids),
            "action": entry.get_action_display(),
            "object_type": entry.object_type,
            "object": entry.object_repr,
        }
        for entry in audit_rows(s.partner.pk)
    ]
    labels = {
        "created_at": "Zeitpunkt (UTC)",
        "who": "Wer",
        "action": "Aktion",
        "object_type": "Objektart",
        "object": "Objekt",
    }
    return [Area("audit_log", "Protokoll: wer hat was gesehen oder geändert", rows, labels)]


def _portal_user_ids(partner: BusinessPartner) -> set[int]:
    account_model = registry_model("portal", "PortalAccount")
    if account_model is None:
        return set()
    return set(
        account_model._default_manager.filter(partner=partner).values_list("user_id", flat=True)
    )


def _audit_role(entry: AuditLogEntry, portal_user_ids: set[int]) -> str:
    if entry.actor_id is None:
        return "System"
    if entry.actor_id in portal_user_ids:
        return "Sie selbst (Kundenportal)"
    return AUDIT_ROLE_STAFF


COLLECTORS: Sequence[Callable[[Scope], list[Area]]] = (
    partner_areas,
    supply_areas,
    case_areas,
    letter_areas,
    billing_areas,
    payment_areas,
    disconnection_areas,
    portal_areas,
    later_app_areas,
    audit_areas,
)


def collect(partner: BusinessPartner) -> list[Area]:
    scope = scope_of(partner)
    return [area for collector in COLLECTORS for area in collector(scope)]


def as_document(
    partner: BusinessPartner, areas: list[Area], *, created_at: datetime.datetime
) -> dict[str, Any]:
    """The machine-readable export (Art. 20): a stable envelope, one list per area."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "created_at": created_at.isoformat(),
        "partner_number": partner.number,
        "areas": {area.key: area.rows for area in areas},
        "labels": {area.key: {"title": area.title, "fields": area.labels} for area in areas},
    }
