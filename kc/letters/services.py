"""State changes of letters: write, hold, release, withdraw, deliver. Print room: printroom.py."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.core import audit
from kc.core.models import NumberRange, User
from kc.core.numbers import next_number
from kc.customers.addressing import letter_address, partner_salutation, recipient_lines
from kc.customers.models import BusinessPartner, ContractAccount
from kc.letters import postage
from kc.letters.compose import compose, values_from_json, values_to_json
from kc.letters.delivery import POST, choose_routes
from kc.letters.document import Sender
from kc.letters.kinds import KINDS, get_kind
from kc.letters.models import (
    Delivery,
    Letter,
    LetterEvent,
    Letterhead,
    LetterTemplate,
    LetterTemplateVersion,
)
from kc.letters.pdf import LetterLayoutError, render_letter, render_letter_with_pages
from kc.letters.placeholders import TemplateError, Value
from kc.letters.signals import delivery_queued


class LetterError(Exception):
    """A letter action that is not possible now; the message is for the person who asked."""


LETTER_NUMBER_RANGES = {"letter": "B", "print_batch": "D"}


def ensure_number_ranges() -> None:
    """The letter and batch number ranges (also after a test database flush)."""
    for key, prefix in LETTER_NUMBER_RANGES.items():
        NumberRange.objects.get_or_create(
            key=key,
            defaults={"prefix": prefix, "next_value": 1, "max_value": 99_999_999, "width": 8},
        )


def ensure_default_templates() -> None:
    """Version 1 of every kind's template, where a kind has none yet (after migrate)."""
    for kind in KINDS.values():
        template, _ = LetterTemplate.objects.get_or_create(kind=kind.key)
        if not template.versions.exists():
            LetterTemplateVersion.objects.create(
                template=template, version=1, subject=kind.subject, body=kind.body
            )


@transaction.atomic
def save_template_version(
    *, template: LetterTemplate, subject: str, body: str, comment: str, actor: User | None
) -> LetterTemplateVersion:
    """A new wording; letters already written keep theirs. Raises ValidationError."""
    latest = template.versions.order_by("-version").first()
    version = LetterTemplateVersion(
        template=template,
        version=(latest.version if latest else 0) + 1,
        subject=subject,
        body=body,
        comment=comment,
        created_by=actor,
    )
    version.full_clean()
    version.save()
    audit.record(
        actor=actor, action=audit.Action.CREATE, obj=version, changes={"version": version.version}
    )
    return version


def latest_letterhead() -> Letterhead | None:
    return Letterhead.objects.order_by("-created_at", "-pk").first()


def current_letterhead() -> Letterhead:
    letterhead = latest_letterhead()
    if letterhead is None:
        raise LetterError(_("Es ist kein Briefkopf angelegt (Administration → Briefköpfe)."))
    return letterhead


def _utility_name() -> str:
    letterhead = latest_letterhead()
    return letterhead.name if letterhead else settings.KC_UTILITY_NAME


def common_values(
    partner: BusinessPartner, account: ContractAccount | None, actor: User | None
) -> dict[str, Value]:
    contact = actor.get_full_name() if actor is not None else ""
    return {
        "anrede": partner_salutation(partner),
        "name": partner.display_name,
        "kundennummer": partner.number,
        "vertragskonto": account.number if account else "",
        "datum": timezone.localdate().strftime("%d.%m.%Y"),
        "ansprechpartner": contact or "Ihr Kundenservice",
        "versorger": _utility_name(),
        "hotline": settings.KC_HOTLINE,
    }


@transaction.atomic
def create_letter(
    *,
    kind: str,
    partner: BusinessPartner,
    values: Mapping[str, Value],
    actor: User | None,
    account: ContractAccount | None = None,
    case_number: str = "",
) -> Letter:
    """Write a letter with the current template and send it on its ways. A letter that cannot
    be printed right (address, missing value, character) is kept as held, with the reason."""
    get_kind(kind)
    template = LetterTemplate.objects.get(kind=kind)
    all_values = {**common_values(partner, account, actor), **values}
    letter = Letter.objects.create(
        number=next_number("letter"),
        kind=kind,
        template_version=template.current_version(),
        partner=partner,
        account=account,
        case_number=case_number,
        status=Letter.Status.HELD,
        values=values_to_json(all_values),
        created_by=actor,
    )
    audit.record(actor=actor, action=audit.Action.CREATE, obj=letter, partner_id=partner.pk)
    _render_and_send(letter, actor=actor, event=LetterEvent.Kind.CREATED)
    return letter


@transaction.atomic
def release_letter(*, letter: Letter, actor: User | None) -> Letter:
    """Try a held letter again, e.g. after the address was corrected."""
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.status != Letter.Status.HELD:
        raise LetterError(_("Nur angehaltene Briefe können neu erstellt werden."))
    _render_and_send(letter, actor=actor, event=LetterEvent.Kind.RELEASED)
    return letter


def _render_and_send(letter: Letter, *, actor: User | None, event: str) -> None:
    partner = letter.partner
    letter.recipient = list(recipient_lines(partner, letter_address(list(partner.addresses.all()))))
    try:
        pdf = _render(letter)
    except (TemplateError, LetterLayoutError, LetterError) as exc:
        letter.hold_reason = str(exc)
        letter.save(update_fields=["recipient", "hold_reason"])
        _event(letter, LetterEvent.Kind.HELD, actor, str(exc))
        return
    letter.pdf.save(f"{letter.number}.pdf", ContentFile(pdf), save=False)
    letter.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    letter.status = Letter.Status.READY
    letter.hold_reason = ""
    letter.save()
    _event(letter, event, actor)
    _route(letter, actor)


def _render(letter: Letter) -> bytes:
    version = letter.template_version
    account = letter.account
    document = compose(
        kind=letter.kind,
        subject_template=version.subject,
        body_template=version.body,
        values=values_from_json(letter.values),
        sender=current_letterhead().as_sender(),
        recipient=tuple(letter.recipient),
        references=_references(letter, account),
        date=letter.created_at.astimezone(timezone.get_current_timezone()).date(),
        letter_number=letter.number,
    )
    pdf, letter.pages = render_letter_with_pages(document)
    letter.subject = document.subject[:300]
    letter.sheets = postage.sheets_for(letter.pages, duplex=settings.KC_PRINT_DUPLEX)
    return pdf


def _references(letter: Letter, account: ContractAccount | None) -> tuple[tuple[str, str], ...]:
    values = letter.values
    refs = [("Kundennummer", letter.partner.number)]
    if account is not None:
        refs.append(("Vertragskonto", account.number))
    if letter.case_number:
        refs.append(("Vorgang", letter.case_number))
    refs.append(("Ansprechpartner", str(values.get("ansprechpartner", ""))))
    refs.append(("Telefon", settings.KC_HOTLINE))
    return tuple(refs)


def _route(letter: Letter, actor: User | None) -> None:
    partner = letter.partner
    routes = choose_routes(
        preferred=partner.preferred_channel,
        has_email=bool(partner.email),
        post_required=get_kind(letter.kind).post_required,
    )
    for route in routes:
        if route.channel == POST:
            queue_for_print(letter, actor, required_by_law=route.required_by_law)
            continue
        delivery = Delivery.objects.create(
            letter=letter, channel=route.channel, state=Delivery.State.QUEUED
        )
        delivery_queued.send(sender=Delivery, delivery_id=delivery.pk)


def queue_for_print(letter: Letter, actor: User | None, *, required_by_law: bool) -> None:
    shipment = postage.shipment_for(letter.sheets, day=timezone.localdate())
    Delivery.objects.create(
        letter=letter,
        channel=Delivery.Channel.POST,
        state=Delivery.State.QUEUED,
        required_by_law=required_by_law,
        envelope=shipment.envelope,
        postage_class=shipment.postage_class,
        postage=shipment.postage,
        weight_g=shipment.weight_g,
    )
    detail = f"{shipment.postage_name}, {shipment.sheets} Blatt, {shipment.weight_g} g"
    _event(letter, LetterEvent.Kind.QUEUED, actor, detail)


@transaction.atomic
def withdraw_letter(*, letter: Letter, reason: str, actor: User) -> Letter:
    """Stop a letter that is not printed yet (e-mails already sent stay sent)."""
    from kc.letters import printroom

    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if not reason.strip():
        raise LetterError(_("Bitte einen Grund für das Zurückziehen angeben."))
    if letter.status == Letter.Status.WITHDRAWN:
        raise LetterError(_("Der Brief ist bereits zurückgezogen."))
    post = letter.deliveries.filter(channel=Delivery.Channel.POST).first()
    if post is not None:
        try:
            printroom.take_out_of_print(post)
        except printroom.PrintRoomError as exc:
            raise LetterError(str(exc)) from exc
    letter.deliveries.filter(state=Delivery.State.QUEUED).update(state=Delivery.State.WITHDRAWN)
    letter.status = Letter.Status.WITHDRAWN
    letter.save(update_fields=["status"])
    _event(letter, LetterEvent.Kind.WITHDRAWN, actor, reason.strip()[:300])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=letter, partner_id=letter.partner_id)
    return letter


def _event(letter: Letter, kind: str, actor: User | None, detail: str = "") -> None:
    LetterEvent.objects.create(letter=letter, kind=kind, actor=actor, detail=detail[:300])


def record_download(*, letter: Letter, actor: User) -> None:
    audit.record(actor=actor, action=audit.Action.READ, obj=letter, partner_id=letter.partner_id)


def preview_pdf(version: LetterTemplateVersion) -> bytes:
    """A template version with example values, for the admin to check the wording."""
    from kc.letters.samples import sample_values

    letterhead = latest_letterhead()
    sender = (
        letterhead.as_sender()
        if letterhead
        else Sender(
            name="Stadtwerke Musterstadt",
            street_line="Hauptstraße 1",
            city_line="12345 Musterstadt",
        )
    )
    document = compose(
        kind=version.template.kind,
        subject_template=version.subject,
        body_template=version.body,
        values=sample_values(version.template.kind),
        sender=sender,
        recipient=("Herrn Jürgen Müßig", "Gärtnerstraße 12a", "12345 Musterstadt"),
        references=(("Kundennummer", "1000123"), ("Vertragskonto", "200012345")),
        date=timezone.localdate(),
        letter_number="VORSCHAU",
    )
    return render_letter(document)
