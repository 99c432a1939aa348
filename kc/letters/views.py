"""Letter pages (write a free-text letter, one letter with its history) and the print room.

Views parse input, call kc.letters.services / printroom and render; the services refuse what is
not possible now with a German message, which the views show as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kc.core import audit
from kc.core.form_views import call_service, form_page, submitted
from kc.core.http import StaffRequest, pdf_response
from kc.customers.models import BusinessPartner
from kc.letters import postage, selectors, services
from kc.letters.forms import FreeTextLetterForm, WithdrawForm
from kc.letters.models import Delivery, Letter

VIEW_LETTER = "letters.view_letter"
ADD_LETTER = "letters.add_letter"
CHANGE_LETTER = "letters.change_letter"


# --- writing and reading letters -------------------------------------------------------


@login_required
@permission_required(ADD_LETTER, raise_exception=True)
@require_http_methods(["GET", "POST"])
def letter_create(request: StaffRequest, partner_id: int) -> HttpResponse:
    """A free-text letter to this customer, optionally for a case (?vorgang=<number>)."""
    partner = get_object_or_404(BusinessPartner, pk=partner_id)
    form = FreeTextLetterForm(
        request.POST or None,
        partner=partner,
        initial={"case_number": request.GET.get("vorgang", "").strip()[:20]},
    )
    if submitted(request, form):
        data = form.cleaned_data
        letter = _call(
            form,
            lambda: services.create_letter(
                kind="free_text",
                partner=partner,
                values={"betreff": data["subject"], "text": data["text"]},
                actor=request.user,
                account=data["account"],
                case_number=data["case_number"],
            ),
        )
        if letter is not None:
            _announce(request, letter)
            return redirect("letters:detail", number=letter.number)
    return form_page(request, "letters/letter_create.html", {"form": form, "partner": partner})


def _call[T](form: FreeTextLetterForm, action: Callable[[], T]) -> T | None:
    try:
        return call_service(form, action)
    except services.LetterError as error:
        form.add_error(None, str(error))
        return None


def _announce(request: HttpRequest, letter: Letter) -> None:
    """Created (and on which ways it goes), or held with the reason, loud and clear."""
    if letter.status == Letter.Status.HELD:
        messages.warning(
            request,
            _("Brief %(number)s ist angehalten und wird nicht versandt: %(reason)s")
            % {"number": letter.number, "reason": letter.hold_reason},
        )
        return
    channels = ", ".join(str(d.get_channel_display()) for d in letter.deliveries.all())
    messages.success(
        request,
        _("Brief %(number)s erstellt. Versand: %(channels)s.")
        % {"number": letter.number, "channels": channels or "–"},
    )


@dataclass(frozen=True)
class DeliveryRow:
    delivery: Delivery
    postage_name: str


def _postage_name(key: str) -> str:
    return postage.postage_name(key, day=timezone.localdate()) if key else ""


def _detail_context(letter: Letter, withdraw_form: WithdrawForm | None = None) -> dict[str, object]:
    return {
        "letter": letter,
        "deliveries": [
            DeliveryRow(d, _postage_name(d.postage_class)) for d in letter.deliveries.all()
        ],
        "events": letter.events.all(),
        "withdraw_form": withdraw_form or WithdrawForm(prefix="withdraw"),
        "may_withdraw": letter.status != Letter.Status.WITHDRAWN,
    }


@login_required
@permission_required(VIEW_LETTER, raise_exception=True)
@require_GET
def letter_detail(request: StaffRequest, number: str) -> HttpResponse:
    letter = get_object_or_404(selectors.letter_with_history(number))
    audit.record(
        actor=request.user, action=audit.Action.READ, obj=letter, partner_id=letter.partner_id
    )
    return render(request, "letters/letter_detail.html", _detail_context(letter))


@login_required
@permission_required(VIEW_LETTER, raise_exception=True)
@require_GET
def letter_pdf(request: StaffRequest, number: str) -> FileResponse:
    """The archived PDF as it was sent, shown in the browser; every download is audited."""
    letter = get_object_or_404(Letter, number=number)
    if not letter.pdf:
        raise Http404(_("Zu diesem Brief gibt es kein PDF (er ist angehalten)."))
    document = letter.pdf.open("rb")
    services.record_download(letter=letter, actor=request.user)
    return pdf_response(document, f"{letter.number}.pdf")


@login_required
@permission_required(CHANGE_LETTER, raise_exception=True)
@require_POST
def letter_withdraw(request: StaffRequest, number: str) -> HttpResponse:
    letter = get_object_or_404(selectors.letter_with_history(number))
    form = WithdrawForm(request.POST, prefix="withdraw")
    if not form.is_valid():
        context = _detail_context(letter, withdraw_form=form)
        return render(request, "letters/letter_detail.html", context, status=400)
    try:
        services.withdraw_letter(
            letter=letter, reason=form.cleaned_data["reason"], actor=request.user
        )
    except services.LetterError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Brief %(number)s zurückgezogen.") % {"number": number})
    return redirect("letters:detail", number=letter.number)


@login_required
@permission_required(CHANGE_LETTER, raise_exception=True)
@require_POST
def letter_release(request: StaffRequest, number: str) -> HttpResponse:
    """A held letter made again, e.g. after the customer's address was corrected."""
    letter = get_object_or_404(Letter, number=number)
    try:
        letter = services.release_letter(letter=letter, actor=request.user)
    except services.LetterError as error:
        messages.error(request, str(error))
    else:
        _announce(request, letter)
    return redirect("letters:detail", number=letter.number)
