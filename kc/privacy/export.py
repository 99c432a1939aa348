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
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile

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
from kc.payments.models import LedgerDocument, LedgerLine, Payout, SepaMandate
from kc.supply.models import Contract, MarketLocation, Meter, MeterReading, Premise

SCHEMA = "kundencenter.dsgvo-export"
SCHEMA_VERSION = 1

# Derived or technical fields that say nothing about the person, or protect their account.
_LEFT_OUT = frozenset(
    {
        "name_key",
        "first_name_key",
        "phonetic_key",
        "email_key",
        "phone_key",
        "mobile_key",
        "street_key",
        "city_key",
        "password",
        "code_hash",
        "body_html",
        "message_id",
        "in_reply_to",
        "references",
        "send_claimed_at",
        "send_attempts",
        "sha256",
        "pdf_sha256",
        "content_id",
    }
)


@dataclass(frozen=True, slots=True)
class Area:
    key: str
    title: str
    rows: list[dict[str, Any]]
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Scope:
    """The customer's own objects, found once and shared by the collectors."""

    partner: BusinessPartner
    account_ids: list[int]
    contracts: list[Contract]
    case_ids: list[int]

    @property
    def contract_ids(self) -> list[int]:
        return [contract.pk for contract in self.contracts]


def scope_of(partner: BusinessPartner) -> Scope:
    accounts = list(ContractAccount.objects.filter(partner=partner).values_list("pk", flat=True))
    contracts = list(Contract.objects.filter(account_id__in=accounts).order_by("start_date", "pk"))
    cases = list(Case.objects.filter(partner=partner).values_list("pk", flat=True))
    return Scope(partner=partner, account_ids=accounts, contracts=contracts, case_ids=cases)


# --- values ----------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """Decimal as string (exact), dates ISO 8601, files by their stored name."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _is_staff_link(model_field: models.Field[Any, Any]) -> bool:
    related = model_field.related_model
    return related is not None and related._meta.label == settings.AUTH_USER_MODEL


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f for f in model._meta.concrete_fields if f.name not in _LEFT_OUT and not _is_staff_link(f)
    ]


def rows_of(objects: Iterable[models.Model], model: type[models.Model]) -> list[dict[str, Any]]:
    fields = _fields(model)
    return [{f.attname: json_value(getattr(obj, f.attname)) for f in fields} for obj in objects]


def labels_of(model: type[models.Model]) -> dict[str, str]:
    return {f.attname: str(f.verbose_name) for f in _fields(model)}


def _area(key: str, title: str, model: type[models.Model], objects: Iterable[Any]) -> Area:
    return Area(key=key, title=title, rows=rows_of(objects, model), labels=labels_of(model))


def _registry_model(app_label: str, name: str) -> type[models.Model] | None:
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


# --- collectors, one per area ----------------------------------------------------------


def partner_areas(s: Scope) -> list[Area]:
    p = s.partner
    return [
        _area("partner", "Stammdaten", BusinessPartner, [p]),
        _area("addresses", "Anschriften", PostalAddress, p.addresses.order_by("pk")),
        _area("consents", "Einwilligungen", Consent, p.consents.order_by("pk")),
        _area(
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
        _area("contracts", "Verträge", Contract, s.contracts),
        _area("premises", "Verbrauchsstellen", Premise, premises),
        _area("market_locations", "Marktlokationen", MarketLocation, malos),
        _area("meters", "Zähler", Meter, meters),
        _area("readings", "Zählerstände", MeterReading, own_readings(s)),
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
        _area("cases", "Vorgänge", Case, Case.objects.filter(pk__in=s.case_ids).order_by("pk")),
        _area("messages", "Nachrichten und Notizen", Message, messages),
        _area("attachments", "Anhänge (Liste)", Attachment, attachments),
        _area("calls", "Anrufe", Call, calls),
    ]


def own_letters(partner: BusinessPartner) -> QuerySet[Letter]:
    return Letter.objects.filter(partner=partner).order_by("created_at", "pk")


def letter_areas(s: Scope) -> list[Area]:
    return [_area("letters", "Briefe", Letter, own_letters(s.partner))]


def billing_areas(s: Scope) -> list[Area]:
    plans = BudgetBillingPlan.objects.filter(contract_id__in=s.contract_ids).order_by("pk")
    return [
        _area(
            "billing_documents",
            "Abrechnungen",
            BillingDocument,
            BillingDocument.objects.filter(contract_id__in=s.contract_ids).order_by("pk"),
        ),
        _area(
            "invoices",
            "Rechnungen",
            Invoice,
            Invoice.objects.filter(account_id__in=s.account_ids).order_by("pk"),
        ),
        _area("budget_plans", "Abschlagspläne", BudgetBillingPlan, plans),
        _area(
            "budget_instalments",
            "Abschläge",
            BudgetInstalment,
            BudgetInstalment.objects.filter(plan__in=plans).order_by("due_on", "pk"),
        ),
        _area(
            "budget_change_requests",
            "Abschlagsänderungen",
            BudgetChangeRequest,
            BudgetChangeRequest.objects.filter(contract_id__in=s.contract_ids).order_by("pk"),
        ),
        _area(
            "tariff_offers",
            "Tarifangebote",
            TariffOffer,
            TariffOffer.objects.filter(partner=s.partner).order_by("pk"),
        ),
    ]


def payment_areas(s: Scope) -> list[Area]:
    accounts = s.account_ids
    return [
        _area(
            "ledger_documents",
            "Buchungsbelege",
            LedgerDocument,
            LedgerDocument.objects.filter(account_id__in=accounts).order_by("booking_date", "pk"),
        ),
        _area(
            "ledger_lines",
            "Offene Posten und Zahlungen",
            LedgerLine,
            LedgerLine.objects.filter(account_id__in=accounts, side="customer").order_by("pk"),
        ),
        _area(
            "sepa_mandates",
            "SEPA-Lastschriftmandate",
            SepaMandate,
            SepaMandate.objects.filter(account_id__in=accounts).order_by("pk"),
        ),
        _area(
            "payouts",
            "Auszahlungen",
            Payout,
            Payout.objects.filter(account_id__in=accounts).order_by("pk"),
        ),
        _area(
            "payment_proofs",
            "Zahlbelege",
            PaymentProof,
            PaymentProof.objects.filter(account_id__in=accounts).order_by("pk"),
        ),
    ]


def disconnection_areas(s: Scope) -> list[Area]:
    cases = DisconnectionCase.objects.filter(account_id__in=s.account_ids).order_by("pk")
    return [
        _area("disconnection_cases", "Sperrvorgänge", DisconnectionCase, cases),
        _area(
            "disconnection_events",
            "Schritte der Sperrvorgänge",
            DisconnectionEvent,
            DisconnectionEvent.objects.filter(case__in=cases).order_by("pk"),
        ),
        _area(
            "installment_plans",
            "Abwendungsvereinbarungen",
            InstallmentPlan,
            InstallmentPlan.objects.filter(case__in=cases).order_by("pk"),
        ),
    ]


def portal_areas(s: Scope) -> list[Area]:
    account_model = _registry_model("portal", "PortalAccount")
    event_model = _registry_model("portal", "LoginEvent")
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
        _area("portal_logins", "Anmeldeverlauf im Portal", event_model, events),
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
        model = _registry_model(app_label, name)
        if model is not None:
            objects = model._default_manager.filter(**{lookup: s.partner}).order_by("pk")
            areas.append(_area(key, title, model, objects))
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
    account_model = _registry_model("portal", "PortalAccount")
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
