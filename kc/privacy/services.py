"""Every change to a GDPR request: register it (with its case), check the identity, extend,
export, erase, complete. Each writes its audit row."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases import services as case_services
from kc.cases.models import Case, CaseType
from kc.core import audit
from kc.core.models import User
from kc.core.validation import Refusal, field_error
from kc.customers.models import BusinessPartner
from kc.privacy import erasure, rules
from kc.privacy.models import PrivacyRequest
from kc.privacy.package import build_package

Kind = PrivacyRequest.Kind


def find_partner(number: str) -> BusinessPartner:
    partner = BusinessPartner.objects.filter(number=number.strip()).first()
    if partner is None:
        raise field_error(
            "partner_number",
            _("Es gibt keinen Kunden mit der Nummer %s. Es wurde nichts angelegt.")
            % number.strip(),
            "unknown_partner",
        )
    return partner


def _open_request(partner: BusinessPartner, kind: str) -> PrivacyRequest | None:
    return PrivacyRequest.objects.filter(
        partner=partner, kind=kind, state=PrivacyRequest.State.OPEN
    ).first()


def _refuse_duplicate(existing: PrivacyRequest) -> Refusal:
    return Refusal(
        _(
            "Für diesen Kunden ist bereits eine Anfrage dieser Art offen (Vorgang %(case)s, "
            "fällig am %(due)s). Die neue Anfrage gehört in diesen Vorgang."
        )
        % {
            "case": existing.case.number if existing.case else "–",
            "due": f"{existing.answer_due:%d.%m.%Y}",
        }
    )


@transaction.atomic
def register_request(
    *,
    partner: BusinessPartner,
    kind: str,
    channel: str,
    actor: User,
    received_at: datetime.datetime | None = None,
) -> PrivacyRequest:
    """A new request with its case; the answer is due one month after receipt."""
    received_at = received_at or timezone.now()
    if existing := _open_request(partner, kind):
        raise _refuse_duplicate(existing)
    received_on = timezone.localdate(received_at)
    try:
        due_on = rules.answer_due(received_on)
    except rules.NoRuleSet as missing:  # a mistyped year: a form error, not a 500
        raise field_error(
            "received_on",
            _("Vor dem 25.05.2018 galt die DSGVO noch nicht. Bitte das Eingangsdatum prüfen."),
            "before_gdpr",
        ) from missing
    case = case_services.open_case(
        subject=_("Datenschutz: %s") % Kind(kind).label,
        channel=channel,
        case_type=CaseType.GENERAL,
        partner=partner,
        actor=actor,
        received_at=received_at,
    )
    request = PrivacyRequest(
        kind=kind,
        partner=partner,
        partner_number=partner.number,
        received_at=received_at,
        due_on=due_on,
        case=case,
        handled_by=actor,
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as error:  # a second click or colleague at the same moment
        existing = _open_request(partner, kind)
        refusal = _refuse_duplicate(existing) if existing else Refusal(_("Bitte erneut versuchen."))
        raise refusal from error
    audit.record(actor=actor, action=audit.Action.CREATE, obj=request, partner_id=partner.pk)
    return request


def _locked_open(request: PrivacyRequest) -> PrivacyRequest:
    request = PrivacyRequest.objects.select_for_update().get(pk=request.pk)
    if not request.is_open:
        raise Refusal(_("Die Anfrage ist bereits abgeschlossen."))
    return request


@transaction.atomic
def check_identity(
    *, request: PrivacyRequest, method: str, note: str, actor: User
) -> PrivacyRequest:
    request = _locked_open(request)
    if method not in PrivacyRequest.IdentityMethod.values:
        raise field_error("method", _("Bitte wählen Sie, wie geprüft wurde."), "no_method")
    request.identity_checked_at = timezone.now()
    request.identity_checked_by = actor
    request.identity_method = method
    request.identity_note = note.strip()[:300]
    request.save()
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=request,
        partner_id=request.partner_id,
        changes={"identity_method": method},
    )
    return request


@transaction.atomic
def extend(
    *, request: PrivacyRequest, reason: str, actor: User, today: datetime.date
) -> PrivacyRequest:
    """Two further months (Art. 12 (3) sentence 2): once, with reasons, told in the first."""
    request = _locked_open(request)
    if request.extended_due_on is not None:
        raise Refusal(_("Die Frist wurde bereits verlängert."))
    if not reason.strip():
        raise field_error("reason", _("Bitte begründen Sie die Verlängerung."), "no_reason")
    if today > request.due_on:
        raise Refusal(
            _("Die Monatsfrist ist abgelaufen: verlängert werden kann nur innerhalb der Frist.")
        )
    request.extended_due_on = rules.extended_due(timezone.localdate(request.received_at))
    request.extension_reason = reason.strip()[:300]
    request.save()
    case_services.add_note(
        case=request.case,  # type: ignore[arg-type]
        text=_("Frist verlängert bis %(due)s: %(reason)s")
        % {"due": f"{request.extended_due_on:%d.%m.%Y}", "reason": request.extension_reason},
        actor=actor,
    )
    audit.record(
        actor=actor, action=audit.Action.UPDATE, obj=request, partner_id=request.partner_id
    )
    return request


def _checked(request: PrivacyRequest) -> BusinessPartner:
    if not request.identity_checked:
        raise Refusal(_("Erst die Identität prüfen: Daten gehen nur an die berechtigte Person."))
    if request.partner is None:
        raise Refusal(_("Der Kunde ist bereits endgültig gelöscht."))
    return request.partner


@transaction.atomic
def release_export(*, request: PrivacyRequest, actor: User) -> bytes:
    """The ZIP for the customer; every release is in the audit log."""
    request = _locked_open(request)
    partner = _checked(request)
    if request.kind != Kind.ACCESS:
        raise Refusal(_("Nur eine Auskunftsanfrage hat einen Datenexport."))
    now = timezone.now()
    package = build_package(partner, created_at=now)
    request.exported_at = now
    request.save(update_fields=["exported_at"])
    audit.record(
        actor=actor,
        action=audit.Action.READ,
        obj=request,
        partner_id=partner.pk,
        changes={"export_bytes": len(package)},
    )
    return package


def preview_erasure(request: PrivacyRequest, today: datetime.date) -> erasure.ErasurePlan:
    if request.partner is None:
        raise Refusal(_("Der Kunde ist bereits endgültig gelöscht."))
    return erasure.plan_erasure(request.partner, today)


@transaction.atomic
def erase(*, request: PrivacyRequest, actor: User, today: datetime.date) -> PrivacyRequest:
    """Apply the erasure (or, for a restriction request, only restrict) and complete."""
    request = _locked_open(request)
    partner = _checked(request)
    if request.kind == Kind.ACCESS:
        raise Refusal(_("Eine Auskunftsanfrage löscht nichts."))
    if request.kind == Kind.RESTRICTION:
        return _restrict(request, partner, actor)
    plan = erasure.apply_erasure(partner, actor=actor, today=today)
    if plan.blocked:
        outcome = _(
            "Teilweise abgelehnt (Art. 17 Abs. 3 DSGVO): %s. Gelöscht wurde, was "
            "nicht mehr gebraucht wird; der Rest folgt, sobald die Gründe entfallen."
        )
        outcome %= "; ".join(b.reason for b in plan.blockers)
    else:
        outcome = _("Gelöscht, was gelöscht werden darf; der Rest ist bis %s eingeschränkt.")
        outcome %= f"{plan.erasure_due:%d.%m.%Y}" if plan.erasure_due else "–"
    request.result = plan.as_json()
    return _complete(request, outcome, actor)


def _restrict(request: PrivacyRequest, partner: BusinessPartner, actor: User) -> PrivacyRequest:
    partner = BusinessPartner.objects.select_for_update().get(pk=partner.pk)
    partner.processing_restricted_at = partner.processing_restricted_at or timezone.now()
    partner.save(update_fields=["processing_restricted_at", "updated_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=partner,
        partner_id=partner.pk,
        changes={"processing_restricted_at": str(partner.processing_restricted_at)},
    )
    return _complete(request, _("Verarbeitung eingeschränkt (Art. 18 DSGVO)."), actor)


@transaction.atomic
def complete(*, request: PrivacyRequest, outcome: str, actor: User) -> PrivacyRequest:
    request = _locked_open(request)
    if request.kind == Kind.ACCESS and request.exported_at is None:
        raise Refusal(_("Die Auskunft ist noch nicht erstellt (Export fehlt)."))
    return _complete(request, outcome.strip() or _("Auskunft erteilt."), actor)


def _complete(request: PrivacyRequest, outcome: str, actor: User) -> PrivacyRequest:
    request.state = PrivacyRequest.State.COMPLETED
    request.completed_at = timezone.now()
    request.outcome = outcome
    request.handled_by = actor
    request.save()
    if request.case is not None and request.case.status != Case.Status.RESOLVED:
        case_services.change_status(
            case=request.case, status=Case.Status.RESOLVED, actor=actor, note=outcome
        )
    audit.record(
        actor=actor, action=audit.Action.UPDATE, obj=request, partner_id=request.partner_id
    )
    return request
