"""Erasure that respects retention (Art. 17 GDPR, § 35 (3) BDSG) and the final purge.

`plan_erasure` says, before anything happens, what goes now, what stays restricted until when
and what is blocked by what; `apply_erasure` does exactly that:

- deleted at once (nothing obliges us to keep them): the portal login and its history,
  consents, phone numbers and e-mail address, meter photos, consultation notes, attachments of
  closed cases whose letter period has ended;
- pseudonymised: the call journal keeps its calls for the staffing figures, without the
  customer and the caller's number;
- restricted (Art. 18): everything a retention period still covers; the business partner is
  marked and left out of search until `erasure_due`;
- blocked: while a contract runs, items are open, a disconnection or a dispute is open, the
  data are still needed; the wish is recorded (`erasure_requested_at`) and the periodic task
  restricts the customer once the blockers are gone.

`purge` removes what is left when the last period has ended. Postings are append-only in the
database (the books, 10 years, and beyond): they stay, but carry no name once the partner,
addresses and bank data are gone.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases.models import Attachment, Call, Case
from kc.core import audit
from kc.core.models import User
from kc.customers.models import BusinessPartner, Consent
from kc.privacy import retention, rules
from kc.privacy.export import own_readings
from kc.privacy.export_rows import scope_of
from kc.privacy.purge_steps import delete_file_on_commit, remove_records
from kc.supply.models import MeterReading

log = logging.getLogger(__name__)

DELETE = "delete"
PSEUDONYMISE = "pseudonymise"
RESTRICT = "restrict"
BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class PlanLine:
    area: str
    action: str
    count: int = 0
    until: datetime.date | None = None
    reason: str = ""


@dataclass(slots=True)
class ErasurePlan:
    partner_id: int
    today: datetime.date
    blockers: list[retention.Blocker]
    lines: list[PlanLine] = field(default_factory=list)
    erasure_due: datetime.date | None = None

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)

    def as_json(self) -> dict[str, object]:
        return {
            "today": self.today.isoformat(),
            "blockers": [asdict(b) for b in self.blockers],
            "lines": [
                {**asdict(line), "until": line.until.isoformat() if line.until else None}
                for line in self.lines
            ],
            "erasure_due": self.erasure_due.isoformat() if self.erasure_due else None,
        }


# --- what goes at once ------------------------------------------------------------------


def _portal_accounts(partner: BusinessPartner) -> models.QuerySet[models.Model] | None:
    try:
        model = apps.get_model("portal", "PortalAccount")
    except LookupError:
        return None
    return model._default_manager.filter(partner=partner)


def _photos(partner: BusinessPartner) -> models.QuerySet[MeterReading]:
    return own_readings(scope_of(partner)).exclude(photo="")


def _consultations(partner: BusinessPartner) -> models.QuerySet[models.Model] | None:
    try:
        model = apps.get_model("appointments", "Booking")
    except LookupError:
        return None
    return model._default_manager.filter(partner=partner).exclude(
        customer_note="", advisor_notes="", contact_phone="", contact_email=""
    )


def _old_attachments(partner: BusinessPartner, today: datetime.date) -> models.QuerySet[Attachment]:
    """Attachments of closed cases whose last message left the letter period behind."""
    years = rules.retention_rules(today).years[rules.BUSINESS_LETTER]
    cutoff = datetime.date(today.year - years - 1, 12, 31)
    closed = Case.objects.filter(
        partner=partner, status__in=[Case.Status.RESOLVED, Case.Status.CLOSED]
    ).filter(updated_at__date__lte=cutoff)
    return Attachment.objects.filter(message__case__in=closed)


def _contact_fields(partner: BusinessPartner) -> int:
    return sum(1 for value in (partner.email, partner.phone, partner.mobile) if value)


def plan_erasure(partner: BusinessPartner, today: datetime.date) -> ErasurePlan:
    plan = ErasurePlan(partner.pk, today, retention.blockers(partner, today))
    now: list[tuple[str, int | None]] = [
        (_("Portalzugang und Anmeldeverlauf"), _count(_portal_accounts(partner))),
        (_("Einwilligungen (Werbung, Befragungen)"), partner.consents.count()),
        (_("E-Mail-Adresse und Telefonnummern"), _contact_fields(partner)),
        (_("Fotos der Zählerstände"), _photos(partner).count()),
        (_("Notizen und Kontaktdaten der Energieberatung"), _count(_consultations(partner))),
        (
            _("Anhänge abgeschlossener Vorgänge nach Ablauf der Frist"),
            _old_attachments(partner, today).count(),
        ),
    ]
    plan.lines += [PlanLine(area, DELETE, count) for area, count in now if count]
    calls = Call.objects.filter(partner=partner).count()
    if calls:
        plan.lines.append(PlanLine(_("Anrufe (ohne Namen und Nummer)"), PSEUDONYMISE, calls))
    kept = retention.retained(partner, today)
    reason = "; ".join(b.reason for b in plan.blockers)
    for item in kept:
        if plan.blocked:
            plan.lines.append(PlanLine(item.area, BLOCKED, item.count, None, reason))
        else:
            basis = f"{item.category_label}, {rules.retention_rules(today).title}"
            plan.lines.append(PlanLine(item.area, RESTRICT, item.count, item.until, basis))
    plan.erasure_due = None if plan.blocked else (retention.final_purge_on(kept) or today)
    return plan


def _count(qs: models.QuerySet[models.Model] | None) -> int:
    return 0 if qs is None else qs.count()


@transaction.atomic
def apply_erasure(
    partner: BusinessPartner, *, actor: User | None, today: datetime.date
) -> ErasurePlan:
    """Delete what may go, then restrict (or record the wish while blocked)."""
    partner = BusinessPartner.objects.select_for_update().get(pk=partner.pk)
    plan = plan_erasure(partner, today)
    _delete_portal(partner)
    Consent.objects.filter(partner=partner).delete()
    _delete_files(_photos(partner), "photo")
    bookings = _consultations(partner)
    if bookings is not None:
        bookings.update(customer_note="", advisor_notes="", contact_phone="", contact_email="")
    _delete_attachments(_old_attachments(partner, today))
    calls = Call.objects.filter(partner=partner)
    calls.filter(direction=Call.Direction.IN).update(from_number=_("anonym"), caller_e164="")
    calls.filter(direction=Call.Direction.OUT).update(to_number=_("anonym"), caller_e164="")
    calls.update(partner=None)
    partner.email = partner.phone = partner.mobile = ""
    partner.preferred_channel = BusinessPartner.Channel.POST
    now = timezone.now()
    partner.erasure_requested_at = partner.erasure_requested_at or now
    if not plan.blocked:
        partner.processing_restricted_at = partner.processing_restricted_at or now
        partner.erasure_due = plan.erasure_due
    partner.save()
    audit.record(
        actor=actor,
        action=audit.Action.DELETE,
        obj=partner,
        partner_id=partner.pk,
        changes={"erasure": plan.as_json()},
    )
    return plan


def _delete_portal(partner: BusinessPartner) -> None:
    accounts = _portal_accounts(partner)
    if accounts is None:
        return
    for account in accounts.select_related("user"):
        user: User = account.user  # type: ignore[attr-defined]
        account.delete()  # its login history goes with it
        _forget_login(user)
    codes = partner.portal_codes.all()
    codes.delete()


def _forget_login(user: User) -> None:
    """The User row stays (audit rows point at it) but names nobody and opens nothing."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.username = f"geloescht-{user.pk}"
    user.email = user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


def _delete_files(qs: models.QuerySet[MeterReading], name: str) -> int:
    count = 0
    for obj in qs:
        delete_file_on_commit(getattr(obj, name))
        type(obj).objects.filter(pk=obj.pk).update(**{name: ""})
        count += 1
    return count


def _delete_attachments(qs: Iterable[Attachment]) -> int:
    count = 0
    for attachment in qs:
        delete_file_on_commit(attachment.file)
        attachment.delete()
        count += 1
    return count


# --- the final purge --------------------------------------------------------------------


def due_for_purge(today: datetime.date) -> models.QuerySet[BusinessPartner]:
    return BusinessPartner.objects.filter(
        processing_restricted_at__isnull=False, erasure_due__lte=today
    ).order_by("pk")


def waiting_for_blockers() -> models.QuerySet[BusinessPartner]:
    """Erasure asked for but not yet restricted with a purge date (blocked at the time)."""
    return (
        BusinessPartner.objects.filter(erasure_requested_at__isnull=False)
        .filter(
            models.Q(processing_restricted_at__isnull=True) | models.Q(erasure_due__isnull=True)
        )
        .order_by("pk")
    )


@transaction.atomic
def purge(partner: BusinessPartner, *, today: datetime.date) -> dict[str, int]:
    """Remove everything that is no longer kept; returns counts per kind. Idempotent: a
    purged partner has no erasure date and is not found again."""
    partner = BusinessPartner.objects.select_for_update().get(pk=partner.pk)
    if partner.erasure_due is None or partner.erasure_due > today:
        return {}
    if retention.blockers(partner, today):
        partner.erasure_due = None  # something new (a new contract): look again when it ends
        partner.save(update_fields=["erasure_due", "updated_at"])
        return {}
    # Records made after the restriction (a late letter, a correction invoice) have their own
    # periods: the purge waits for the latest, judged now rather than on the erasure day.
    still_kept_until = retention.final_purge_on(retention.retained(partner, today))
    if still_kept_until is not None and still_kept_until > today:
        partner.erasure_due = still_kept_until
        partner.save(update_fields=["erasure_due", "updated_at"])
        log.info("privacy purge of partner %s postponed to %s", partner.pk, still_kept_until)
        return {}
    counts = remove_records(partner)
    audit.record(
        actor=None,
        action=audit.Action.DELETE,
        object_type="customers.businesspartner",
        object_id=str(partner.pk),
        partner_id=partner.pk,
        changes={"purge": counts},
    )
    log.info("privacy purge of partner %s: %s", partner.pk, counts)
    return counts
