"""Lifting a restriction of processing the customer asked for (Art. 18 GDPR).

Only a restriction made on a restriction request (Art. 18 (1)) can be lifted, and only after
the customer has been told (Art. 18 (3)): the letter is written in the same transaction and a
letter that would be held (no address, a character the font lacks) refuses the lifting.

A customer who asked for erasure is restricted because retention periods still keep their data
(Art. 17 (3) (b) GDPR, § 35 (3) BDSG): that restriction ends only with the final purge and is
never lifted here. The model tells them apart by `erasure_requested_at` (set by every erasure,
also a blocked one) and `erasure_due` (the purge date); a restriction request sets neither.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases import services as case_services
from kc.cases.models import Message
from kc.core import audit
from kc.core.models import User
from kc.core.validation import Refusal, field_error
from kc.customers.models import BusinessPartner
from kc.letters import services as letters
from kc.letters.models import Letter
from kc.privacy.models import PrivacyRequest

# The letter is a German legal notice like the letter templates (kc/letters/default_texts.py),
# not UI text: it does not follow the colleague's language.
LETTER_SUBJECT = "Aufhebung der Einschränkung der Verarbeitung Ihrer Daten"
LETTER_TEXT = (
    "am {received} haben Sie verlangt, die Verarbeitung Ihrer personenbezogenen Daten "
    "einzuschränken (Art. 18 DSGVO). Seit dem {since} haben wir Ihre Daten daher nur noch "
    "gespeichert.\n\n"
    "Wie Art. 18 Abs. 3 DSGVO es verlangt, unterrichten wir Sie, bevor diese Einschränkung "
    "endet: Wir heben sie mit diesem Schreiben auf. Grund: {reason}\n\n"
    "Ab dann verarbeiten wir Ihre Daten wieder wie vor der Einschränkung, soweit es für Ihren "
    "Vertrag und unsere gesetzlichen Pflichten nötig ist. Sie können der Verarbeitung "
    "widersprechen (Art. 21 DSGVO) und sich bei einer Datenschutz-Aufsichtsbehörde beschweren "
    "(Art. 77 DSGVO)."
)


def _day(moment: datetime.datetime) -> str:
    return f"{timezone.localdate(moment):%d.%m.%Y}"


def refusal(request: PrivacyRequest) -> str:
    """Why this request's restriction cannot be lifted now; empty when it can."""
    try:
        _liftable(request)
    except Refusal as why:
        return str(why)
    return ""


def _liftable(request: PrivacyRequest) -> tuple[BusinessPartner, datetime.datetime]:
    """The customer and the start of their restriction, or a Refusal saying why not."""
    if request.kind != PrivacyRequest.Kind.RESTRICTION:
        raise Refusal(
            _(
                "Aufheben lässt sich nur eine Einschränkung, die der Kunde nach Art. 18 DSGVO "
                "verlangt hat; diese Anfrage ist keine Einschränkungsanfrage."
            )
        )
    if request.restriction_lifted_at is not None:
        raise Refusal(
            _("Die Einschränkung wurde bereits am %s aufgehoben.")
            % _day(request.restriction_lifted_at)
        )
    if request.state != PrivacyRequest.State.COMPLETED:
        raise Refusal(_("Die Anfrage ist nicht erledigt: eingeschränkt wurde noch nichts."))
    partner = request.partner
    if partner is None:
        raise Refusal(_("Der Kunde ist bereits endgültig gelöscht."))
    if partner.erasure_requested_at is not None or partner.erasure_due is not None:
        if partner.erasure_due is not None:
            until = _("Sie werden am %s endgültig gelöscht.") % f"{partner.erasure_due:%d.%m.%Y}"
        else:
            until = _("Sie werden gelöscht, sobald die Gründe für die Aufbewahrung entfallen.")
        held = _(
            "Die Einschränkung kann nicht aufgehoben werden: Der Kunde hat die Löschung "
            "verlangt, seine Daten werden nur noch wegen gesetzlicher Aufbewahrungspflichten "
            "gespeichert (Art. 17 Abs. 3 DSGVO, § 35 Abs. 3 BDSG)."
        )
        raise Refusal(f"{held} {until}")
    if partner.processing_restricted_at is None:
        raise Refusal(_("Die Verarbeitung dieses Kunden ist nicht eingeschränkt."))
    return partner, partner.processing_restricted_at


@transaction.atomic
def lift_restriction(*, request: PrivacyRequest, reason: str, actor: User) -> PrivacyRequest:
    """Tell the customer by letter, lift the restriction, note it on the request's case and in
    the audit log. The customer is found again in the agent and API searches."""
    request = (
        PrivacyRequest.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=request.pk)
    )
    if request.partner_id is not None:
        request.partner = BusinessPartner.objects.select_for_update().get(pk=request.partner_id)
    partner, restricted_since = _liftable(request)
    reason = reason.strip()
    if not reason:
        raise field_error("reason", _("Bitte begründen Sie die Aufhebung."), "no_reason")
    letter = _inform(request, partner, restricted_since, reason, actor)
    partner.processing_restricted_at = None
    partner.save(update_fields=["processing_restricted_at", "updated_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=partner,
        partner_id=partner.pk,
        changes={
            "processing_restricted_at": [str(restricted_since), None],
            "lift_reason": reason,
            "letter": letter.number,
        },
    )
    request.restriction_lifted_at = timezone.now()
    request.restriction_lifted_by = actor
    request.lift_reason = reason[:500]
    request.lift_letter = letter
    request.save(
        update_fields=[
            "restriction_lifted_at",
            "restriction_lifted_by",
            "lift_reason",
            "lift_letter",
        ]
    )
    if request.case is not None:
        note = _(
            "Einschränkung der Verarbeitung aufgehoben (Art. 18 Abs. 3 DSGVO), der Kunde ist "
            "mit Brief %(letter)s unterrichtet. Grund: %(reason)s"
        ) % {"letter": letter.number, "reason": reason}
        case_services.add_message(request.case, Message.Kind.NOTE, actor, body_text=note)
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=request,
        partner_id=partner.pk,
        changes={"restriction_lifted": True},
    )
    return request


def _inform(
    request: PrivacyRequest,
    partner: BusinessPartner,
    restricted_since: datetime.datetime,
    reason: str,
    actor: User,
) -> Letter:
    """The letter Art. 18 (3) asks for; without a letter that goes out nothing is lifted."""
    text = LETTER_TEXT.format(
        received=_day(request.received_at),
        since=_day(restricted_since),
        reason=reason,
    )
    letter = letters.create_letter(
        kind="free_text",
        partner=partner,
        values={"betreff": LETTER_SUBJECT, "text": text},
        actor=actor,
        case_number=request.case.number if request.case else "",
    )
    if letter.status == Letter.Status.HELD:
        raise Refusal(
            _(
                "Der Brief an den Kunden würde angehalten (%(reason)s). Ohne diese Unterrichtung "
                "(Art. 18 Abs. 3 DSGVO) bleibt die Einschränkung bestehen; bitte erst die "
                "Ursache beheben."
            )
            % {"reason": letter.hold_reason}
        )
    return letter
