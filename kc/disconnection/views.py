"""Agent pages of disconnection: the disconnection document with its actions, the list of open
cases, the window capture of a proof of payment (phone-friendly, for the on-site staff), the
file of a proof and the reconnection dashboard.

Views parse input, call kc.disconnection.chain / reconnection / proofs (or a selector) and
render; a service refuses what is not allowed with a German message (ChainError or
ValidationError), which the page shows as it is. The case in the URL is the only case a page
acts on; a proof or an agreement named beside it must belong to it (else 404).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kc.core import audit
from kc.core.form_views import call_service, form_page, submitted
from kc.core.http import StaffRequest
from kc.core.models import User
from kc.core.money import format_eur
from kc.disconnection import chain, proofs, reconnection, rules, selectors
from kc.disconnection.forms import (
    AcceptProofForm,
    ActionForm,
    ProofUploadForm,
    ReconnectWithoutCoverForm,
    RejectProofForm,
    StatusFilterForm,
    StopForm,
    WindowSearchForm,
)
from kc.disconnection.models import DisconnectionCase, InstallmentPlan, PaymentProof

VIEW_CASE = "disconnection.view_disconnectioncase"
CHANGE_CASE = "disconnection.change_disconnectioncase"
ADD_PROOF = "disconnection.add_paymentproof"
VIEW_PROOF = "disconnection.view_paymentproof"

STOP_POLLING = 286  # htmx stops polling on this status (logged out: no login page swapped in)
Status = DisconnectionCase.Status
ProofStatus = PaymentProof.Status
DECIDED = (ProofStatus.ACCEPTED, ProofStatus.REJECTED)
# The proof file is shown in the browser only as an image we re-encoded; PDFs are downloads.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
RULE_TITLES = {rule_set.key: rule_set.title for rule_set in rules.RULE_SETS}


def _read(request: StaffRequest, obj: Any, partner_id: int) -> None:
    audit.record(actor=request.user, action=audit.Action.READ, obj=obj, partner_id=partner_id)


def _poll_user(request: HttpRequest, perm: str) -> HttpResponse | None:
    """Polled partials: logged out stops the polling; a missing permission is 403."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        return HttpResponse(status=STOP_POLLING)
    if not user.has_perm(perm):
        raise PermissionDenied
    return None


# --- list of open cases ----------------------------------------------------------------------


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
@require_GET
def case_list(request: StaffRequest) -> HttpResponse:
    form = StatusFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else None
    page = selectors.open_cases_page(status or None, request.GET.get("page"))
    today = timezone.localdate()
    rows = [(case, (today - timezone.localdate(case.created_at)).days) for case in page]
    counts = selectors.open_counts()
    context = {
        "form": form,
        "status": status or "",
        "page": page,
        "rows": rows,
        "counts": [(Status(key).label, key, count) for key, count in counts.items()],
        "total": sum(counts.values()),
    }
    return render(request, "disconnection/case_list.html", context)


# --- the disconnection document --------------------------------------------------------------


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
@require_GET
def case_detail(request: StaffRequest, case_id: int) -> HttpResponse:
    return _detail_page(request, case_id)


def _detail_page(
    request: StaffRequest,
    case_id: int,
    *,
    failed: dict[str, BaseForm] | None = None,
) -> HttpResponse:
    """The document; `failed` puts a refused form (by its key) back with its errors."""
    case = selectors.case_for_page(case_id)
    failed = failed or {}
    status = case.status
    proof_rows = []
    for proof in case.proofs.all():
        undecided = proof.status not in DECIDED
        proof_rows.append(
            {
                "proof": proof,
                "can_accept": undecided
                and proof.status != ProofStatus.RECEIVED
                and status == Status.DISCONNECTED,
                "can_reject": undecided,
                "accept_form": failed.get(f"accept-{proof.pk}")
                or AcceptProofForm(prefix=f"accept-{proof.pk}"),
                "reject_form": failed.get(f"reject-{proof.pk}")
                or RejectProofForm(prefix=f"reject-{proof.pk}"),
            }
        )
    offered = [
        p for p in case.installment_plans.all() if p.status == InstallmentPlan.Status.OFFERED
    ]
    lead = reconnection.lead_time(case)
    context = {
        "case": case,
        "account": case.account,
        "partner": case.account.partner,
        "rule_title": RULE_TITLES.get(case.rule_set, case.rule_set),
        "events": list(case.events.all()),
        "orders": list(case.orders.all()),
        "plans": list(case.installment_plans.all()),
        "proof_rows": proof_rows,
        "needed": reconnection.needed(case) if status == Status.DISCONNECTED else None,
        "lead_minutes": int(lead.total_seconds() // 60) if lead is not None else None,
        "can_request_agreement": status in (Status.THREATENED, Status.ANNOUNCED),
        "offered_plans": offered if status in (Status.THREATENED, Status.ANNOUNCED) else [],
        "can_stop": status
        in (Status.THREATENED, Status.AGREEMENT, Status.ANNOUNCED, Status.ORDERED),
        "can_reconnect": status == Status.DISCONNECTED,
        "agreement_form": failed.get("agreement") or ActionForm(prefix="agreement"),
        "accept_plan_form": failed.get("plan") or ActionForm(prefix="plan"),
        "stop_form": failed.get("stop") or StopForm(prefix="stop"),
        "reconnect_form": failed.get("reconnect") or ReconnectWithoutCoverForm(prefix="reconnect"),
    }
    # A refusal shows on top, also when the refused action is no longer offered.
    context["refusals"] = [str(e) for form in failed.values() for e in form.non_field_errors()]
    if request.method == "GET":
        _read(request, case, case.account.partner_id)
    return render(request, "disconnection/case_detail.html", context, status=400 if failed else 200)


def _done(request: StaffRequest, case: DisconnectionCase, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("disconnection:case_detail", case_id=case.pk)


@login_required
@permission_required(CHANGE_CASE, raise_exception=True)
@require_POST
def request_agreement(request: StaffRequest, case_id: int) -> HttpResponse:
    """The customer asks for an Abwendungsvereinbarung: the offer goes out at once."""
    case = get_object_or_404(DisconnectionCase, pk=case_id)
    form = ActionForm(request.POST, prefix="agreement")
    if submitted(request, form):
        plan = call_service(
            form,
            lambda: chain.request_agreement(case, on=timezone.localdate(), actor=request.user),
        )
        if plan is not None:
            return _done(
                request,
                case,
                _(
                    "Abwendungsvereinbarung angeboten: %(months)s Monatsraten über %(amount)s; "
                    "das Angebotsschreiben ist erstellt."
                )
                % {"months": plan.months, "amount": format_eur(plan.amount)},
            )
    return _detail_page(request, case_id, failed={"agreement": form})


@login_required
@permission_required(CHANGE_CASE, raise_exception=True)
@require_POST
def accept_agreement(request: StaffRequest, case_id: int, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(
        InstallmentPlan.objects.select_related("case"), pk=plan_id, case_id=case_id
    )
    form = ActionForm(request.POST, prefix="plan")
    if submitted(request, form):
        accepted = call_service(form, lambda: chain.accept_agreement(plan, actor=request.user))
        if accepted is not None:
            return _done(
                request,
                plan.case,
                _("Abwendungsvereinbarung angenommen; die Sperre ruht, solange die Raten kommen."),
            )
    return _detail_page(request, case_id, failed={"plan": form})


@login_required
@permission_required(CHANGE_CASE, raise_exception=True)
@require_POST
def stop(request: StaffRequest, case_id: int) -> HttpResponse:
    """Proportionality: the agent ends the chain with the reason."""
    case = get_object_or_404(DisconnectionCase, pk=case_id)
    form = StopForm(request.POST, prefix="stop")
    if submitted(request, form):
        reason = form.cleaned_data["reason"]
        stopped = call_service(form, lambda: chain.stop(case, reason=reason, actor=request.user))
        if stopped is not None:
            return _done(
                request,
                case,
                _("Sperrvorgang %(number)s eingestellt.") % {"number": case.number},
            )
    return _detail_page(request, case_id, failed={"stop": form})


@login_required
@permission_required(CHANGE_CASE, raise_exception=True)
@require_POST
def reconnect(request: StaffRequest, case_id: int) -> HttpResponse:
    """Reconnection ordered by a person with a reason, even without cover."""
    case = get_object_or_404(DisconnectionCase, pk=case_id)
    form = ReconnectWithoutCoverForm(request.POST, prefix="reconnect")
    if submitted(request, form):
        reason = form.cleaned_data["reason"]
        order = call_service(
            form,
            lambda: reconnection.order_reconnection(case, actor=request.user, reason=reason),
        )
        if order is not None:
            return _done(
                request,
                case,
                _("Entsperrung beauftragt (Auftrag %(number)s, sofort).")
                % {"number": order.number},
            )
    return _detail_page(request, case_id, failed={"reconnect": form})


def _case_proof(case_id: int, proof_id: int) -> PaymentProof:
    """A proof of this case only: a proof id of another case is a 404."""
    return get_object_or_404(
        PaymentProof.objects.select_related("case"), pk=proof_id, case_id=case_id
    )


@login_required
@permission_required(CHANGE_CASE, raise_exception=True)
@require_POST
def proof_accept(request: StaffRequest, case_id: int, proof_id: int) -> HttpResponse:
    """One action: the proof is accepted and the reconnection order goes out."""
    proof = _case_proof(case_id, proof_id)
    prefix = f"accept-{proof.pk}"
    form = AcceptProofForm(request.POST, prefix=prefix)
    if submitted(request, form):
        reason = form.cleaned_data["reason"]
        accepted = call_service(
            form, lambda: proofs.accept(proof, actor=request.user, reason=reason)
        )
        if accepted is not None and proof.case is not None:
            return _done(
                request,
                proof.case,
                _("Zahlbeleg anerkannt; die Entsperrung ist sofort beauftragt."),
            )
    return _detail_page(request, case_id, failed={prefix: form})


@login_required
@permission_required(CHANGE_CASE, raise_exception=True)
@require_POST
def proof_reject(request: StaffRequest, case_id: int, proof_id: int) -> HttpResponse:
    proof = _case_proof(case_id, proof_id)
    prefix = f"reject-{proof.pk}"
    form = RejectProofForm(request.POST, prefix=prefix)
    if submitted(request, form):
        if proof.status in DECIDED:
            # proofs.reject does not check this itself (see the report of this page).
            form.add_error(None, _("Über diesen Beleg ist bereits entschieden."))
        else:
            reason = form.cleaned_data["reason"]
            rejected = call_service(
                form, lambda: proofs.reject(proof, actor=request.user, reason=reason)
            )
            if rejected is not None and proof.case is not None:
                return _done(request, proof.case, _("Zahlbeleg abgelehnt."))
    return _detail_page(request, case_id, failed={prefix: form})


# --- the file of a proof -----------------------------------------------------------------------


@login_required
@permission_required(VIEW_PROOF, raise_exception=True)
@require_GET
def proof_file(request: StaffRequest, proof_id: int) -> HttpResponseBase:
    """The stored (cleaned) file, only after clamd found it clean; never a media URL."""
    proof = selectors.proof_for_page(proof_id)
    if proof.scan == "pending":
        return _plain(_("Der Beleg wird noch auf Schadsoftware geprüft."), status=409)
    if proof.scan != "clean" or not proof.file:
        return _plain(_("Der Beleg ist nicht geprüft sauber und wird nicht geöffnet."), status=403)
    _read(request, proof, proof.account.partner_id)
    content_type = proof.content_type.split(";")[0].strip().lower()
    inline = content_type in INLINE_TYPES
    extension = "pdf" if content_type == "application/pdf" else content_type.split("/")[-1]
    response = FileResponse(
        proof.file.open("rb"),
        as_attachment=not inline,
        filename=f"zahlbeleg-{proof.pk}.{extension}",
        content_type=content_type if inline or content_type == "application/pdf" else None,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    patch_cache_control(response, private=True, no_store=True)
    return response


def _plain(text: str, *, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


# --- window capture (on-site staff, phone) ---------------------------------------------------


@login_required
@permission_required(ADD_PROOF, raise_exception=True)
@require_GET
def window(request: StaffRequest) -> HttpResponse:
    """Find the customer by contract-account or customer number."""
    form = WindowSearchForm(request.GET or None)
    accounts = None
    if form.is_valid():
        accounts = selectors.accounts_for_window(form.cleaned_data["q"])
        if len(accounts) == 1:
            return redirect("disconnection:window_account", account_id=accounts[0].pk)
    status = 400 if request.GET and not form.is_valid() else 200
    return render(
        request,
        "disconnection/window.html",
        {"form": form, "accounts": accounts},
        status=status,
    )


@login_required
@permission_required(ADD_PROOF, raise_exception=True)
@require_http_methods(["GET", "POST"])
def window_account(request: StaffRequest, account_id: int) -> HttpResponse:
    """Photograph the receipt held to the window (or pick a file) and send it."""
    account = selectors.account_for_window(account_id)
    form = ProofUploadForm(request.POST or None, request.FILES or None)
    if submitted(request, form):
        data: bytes = form.cleaned_data["file"]
        proof = call_service(
            form,
            lambda: proofs.receive(account=account, data=data, source="window", actor=request.user),
        )
        if proof is not None:
            return redirect("disconnection:window_proof", proof_id=proof.pk)
    case = proofs.open_case_of(account)
    if request.method == "GET":
        _read(request, account, account.partner_id)
    context = {
        "account": account,
        "partner": account.partner,
        "case": case,
        "needed": reconnection.needed(case) if case is not None else None,
        "form": form,
    }
    return form_page(request, "disconnection/window_account.html", context)


@login_required
@permission_required(ADD_PROOF, raise_exception=True)
@require_GET
def window_proof(request: StaffRequest, proof_id: int) -> HttpResponse:
    """The result of a proof; it updates itself until the check is through."""
    proof = selectors.proof_for_page(proof_id)
    _read(request, proof, proof.account.partner_id)
    return render(request, "disconnection/window_proof.html", _proof_context(proof))


@require_GET
def window_proof_state(request: HttpRequest, proof_id: int) -> HttpResponse:
    """The state of a proof, polled every 3 s by its result page (htmx)."""
    refused = _poll_user(request, ADD_PROOF)
    if refused is not None:
        return refused
    if not request.headers.get("HX-Request"):
        return redirect("disconnection:window_proof", proof_id=proof_id)
    proof = selectors.proof_for_page(proof_id)
    response = render(request, "disconnection/_proof_state.html", _proof_context(proof))
    patch_vary_headers(response, ["HX-Request"])
    return response


def _proof_context(proof: PaymentProof) -> dict[str, Any]:
    case = proof.case
    missing = None
    if proof.needed is not None and proof.amount is not None and proof.amount < proof.needed:
        missing = proof.needed - proof.amount
    return {
        "proof": proof,
        "account": proof.account,
        "partner": proof.account.partner,
        "case": case,
        "checking": proof.status == ProofStatus.RECEIVED,
        "missing": missing,
        "page_url": reverse("disconnection:window_proof", args=[proof.pk]),
        "state_url": reverse("disconnection:window_proof_state", args=[proof.pk]),
    }


# --- reconnection dashboard --------------------------------------------------------------------


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
@require_GET
def reconnections(request: StaffRequest) -> HttpResponse:
    context = {
        "rows": selectors.waiting_reconnections(),
        "lead": selectors.lead_times(),
        "lead_days": selectors.LEAD_TIME_DAYS,
        "target": _target_minutes(),
    }
    return render(request, "disconnection/reconnections.html", context)


@require_GET
def reconnections_rows(request: HttpRequest) -> HttpResponse:
    """The open reconnections, polled every 15 s by the dashboard (htmx)."""
    refused = _poll_user(request, VIEW_CASE)
    if refused is not None:
        return refused
    if not request.headers.get("HX-Request"):
        return redirect("disconnection:reconnections")
    context = {"rows": selectors.waiting_reconnections(), "target": _target_minutes()}
    response = render(request, "disconnection/_reconnection_rows.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _target_minutes() -> int:
    return int(settings.KC_RECONNECTION_TARGET_MINUTES)
