"""Requests that become a case for an agent: complaint, proof of payment,
move in or out (the funding application is kc.portal.views.funding).

None of them pretends more than happened: a proof of payment is checked first.
"""

from collections.abc import Callable, Sequence

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases import complaints, portal_messages
from kc.cases.models import Case, CaseType, Complaint
from kc.core.form_views import form_page, submitted
from kc.disconnection import proofs
from kc.portal.forms_requests import (
    ComplaintForm,
    MoveInForm,
    MoveOutForm,
    OnceForm,
    ProofForm,
)
from kc.portal.views.common import CustomerRequest, customer_required, scope
from kc.portal.views.messages import case_url, files, submit_once
from kc.supply import readings as supply_readings
from kc.supply.models import MeterReading


def _label(choices: Sequence[tuple[str, object]], key: str) -> str:
    return str(dict(choices)[key])


def _lines(*pairs: tuple[str, object]) -> str:
    """The details for the agent, one "label: value" a line (empty values left out)."""
    return "\n".join(f"{label}: {value}" for label, value in pairs if value not in ("", None))


def _open(request: CustomerRequest, case_type: str, subject: str, text: str, *att: object) -> Case:
    return portal_messages.message_from_portal(
        partner=scope(request).partner,
        actor=request.user,
        subject=subject,
        text=text,
        case_type=case_type,
        attachments=files(*att),
    )


def _done(request: CustomerRequest, text: str) -> Callable[[Case], str]:
    def done(case: Case) -> str:
        messages.success(request, text)
        return case_url(case)

    return done


@customer_required
def complaint(request: CustomerRequest) -> HttpResponse:
    form = ComplaintForm(request.POST or None, request.FILES or None)
    if submitted(request, form):
        data = form.cleaned_data
        done = submit_once(
            request,
            form,
            lambda: complaints.complaint_from_portal(
                partner=scope(request).partner,
                actor=request.user,
                category=data["category"],
                text=data["text"],
                attachments=files(data["attachment"]),
            ),
            lambda registered: _complaint_done(request, registered),
        )
        if done is not None:
            return done
    return form_page(request, "portal/complaint_form.html", {"form": form})


def _complaint_done(request: CustomerRequest, registered: Complaint) -> str:
    messages.success(
        request,
        _(
            "Ihre Beschwerde ist bei uns eingegangen. Wir antworten Ihnen innerhalb von vier "
            "Wochen, spätestens bis zum %(due)s (§ 111a EnWG). Die Eingangsbestätigung finden "
            "Sie in Ihrem Postfach."
        )
        % {"due": f"{registered.answer_due:%d.%m.%Y}"},
    )
    return case_url(registered.case)


@customer_required
def proof(request: CustomerRequest) -> HttpResponse:
    accounts = scope(request).proof_accounts(timezone.localdate())
    form = ProofForm(request.POST or None, request.FILES or None, accounts=accounts)
    if accounts.exists() and submitted(request, form):
        data = form.cleaned_data

        def done(_proof: object) -> str:
            messages.success(
                request,
                _(
                    "Ihr Zahlbeleg ist eingegangen. Wir prüfen ihn jetzt; deckt er den offenen "
                    "Betrag, beauftragen wir eine Entsperrung sofort."
                ),
            )
            return reverse("portal:proof")

        sent = submit_once(
            request,
            form,
            lambda: proofs.receive(
                account=data["account"], data=data["file"], source="portal", actor=request.user
            ),
            done,
        )
        if sent is not None:
            return sent
    if not accounts.exists():
        return render(request, "portal/proof_form.html", {"form": None})
    return form_page(request, "portal/proof_form.html", {"form": form})


# --- move in or out ------------------------------------------------------------------------


def _register_choices(request: CustomerRequest) -> list[tuple[int, str]]:
    rows = scope(request).reporting_registers(timezone.localdate())
    return [
        (
            register.pk,
            _("%(division)s · Zähler %(meter)s · %(street)s %(number)s")
            % {
                "division": contract.get_division_display(),
                "meter": register.meter.number,
                "street": contract.market_location.premise.street,
                "number": contract.market_location.premise.house_number,
            },
        )
        for register, contract in rows
    ]


def _move_out(request: CustomerRequest, form: MoveOutForm) -> Case:
    """The move-out reading through the supply service when the day has come, then the case
    with everything the agent needs (the message to the grid operator is theirs)."""
    data = form.cleaned_data
    register, contract = scope(request).reporting_register(data["register"], timezone.localdate())
    day, value = data["move_out_on"], data["reading"]
    with transaction.atomic():
        note = _("noch nicht abgelesen")
        if value is not None and day <= timezone.localdate():
            reading = supply_readings.record_customer_reading(
                register=register,
                read_on=day,
                value=value,
                actor=request.user,
                confirmed=True,  # the agent looks at every move; far off: needs_review
                supplied_from=contract.start_date,
                via="portal",
                reason=MeterReading.Reason.MOVE_OUT,
            )
            note = _("als Auszugsstand gespeichert") + (
                _(", weicht von der Erwartung ab: bitte prüfen") if reading.needs_review else ""
            )
        elif value is not None:
            note = _("angekündigt, noch nicht gespeichert (Auszug in der Zukunft)")
        text = _lines(
            (_("Auszug zum"), f"{day:%d.%m.%Y}"),
            (_("Vertrag"), f"{contract.number} ({contract.get_division_display()})"),
            (_("Zähler"), f"{register.meter.number} {register.obis_code}"),
            (_("Zählerstand"), f"{value} ({note})" if value is not None else note),
            (_("Neue Anschrift für die Schlussrechnung"), form.address()),
        )
        subject = _("Auszug zum %(date)s") % {"date": f"{day:%d.%m.%Y}"}
        return _open(request, CaseType.MOVE, subject, text)


def _move_in(request: CustomerRequest, form: MoveInForm) -> Case:
    data = form.cleaned_data
    day = data["move_in_on"]
    text = _lines(
        (_("Einzug zum"), f"{day:%d.%m.%Y}"),
        (_("Neue Anschrift"), form.address()),
        (_("Zählernummer"), data["meter_number"]),
        (_("Zählerstand am Einzugstag"), data["reading"]),
    )
    subject = _("Einzug zum %(date)s") % {"date": f"{day:%d.%m.%Y}"}
    return _open(request, CaseType.MOVE, subject, text)


@customer_required
def move(request: CustomerRequest) -> HttpResponse:
    kind = request.POST.get("kind") if request.method == "POST" else None
    out_form = MoveOutForm(
        request.POST if kind == "out" else None,
        prefix="out",
        registers=_register_choices(request),
    )
    in_form = MoveInForm(request.POST if kind == "in" else None, prefix="in")
    form: OnceForm | None = {"out": out_form, "in": in_form}.get(kind or "")
    if form is not None and submitted(request, form):
        action = (
            (lambda: _move_out(request, out_form))
            if form is out_form
            else (lambda: _move_in(request, in_form))
        )
        done = submit_once(
            request,
            form,
            action,
            _done(
                request,
                _(
                    "Ihre Umzugsmitteilung ist eingegangen. Wir melden den Wechsel beim "
                    "Netzbetreiber an und schicken Ihnen eine Bestätigung."
                ),
            ),
        )
        if done is not None:
            return done
    context = {"out_form": out_form, "in_form": in_form, "kind": kind}
    return form_page(request, "portal/move_form.html", context)
