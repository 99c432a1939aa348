"""Case pages: the queue list, one case with its timeline and composer, handoffs.

Views parse input, call kc.cases.services and render.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kc.cases import complaint_views, onsite, portal_messages, selectors, services
from kc.cases.forms import (
    BulkAssignForm,
    CaseFilterForm,
    ComposerForm,
    HandOffForm,
    NewCaseForm,
    StatusForm,
    TaskForm,
)
from kc.cases.models import Attachment, Case, TextModule
from kc.cases.search import search_cases
from kc.core import audit
from kc.core.form_views import call_service, form_page, submitted
from kc.core.http import StaffRequest
from kc.customers.models import BusinessPartner

PAGE_SIZE = 50


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_GET
def case_list(request: StaffRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("q"):
        found = Paginator(search_cases(data["q"]), PAGE_SIZE).get_page(request.GET.get("page"))
        rows, next_url = (
            list(found),
            _with(request, page=found.next_page_number()) if found.has_next() else "",
        )
    else:
        cases = selectors.case_list(
            queue_id=data["queue"].pk if data.get("queue") else None,
            status=data.get("status") or "",
            assignee=request.user if data.get("mine") else None,
        )
        page = selectors.page_after(cases, request.GET.get("nach", ""), PAGE_SIZE)
        rows, next_url = (
            page.cases,
            _with(request, nach=page.next_cursor) if page.next_cursor else "",
        )
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "rows": rows,
            "next_url": next_url,
            "first_url": _with(request) if ("nach" in request.GET or "page" in request.GET) else "",
            "bulk_form": BulkAssignForm(),
            "saved_views": request.user.saved_case_views.all(),
            "query": request.GET.urlencode(),
        },
    )


def _with(request: StaffRequest, **position: object) -> str:
    """This list's URL with the same filters at another position."""
    query = request.GET.copy()
    for key in ("nach", "page"):
        query.pop(key, None)
    for key, value in position.items():
        query[key] = str(value)
    return f"?{query.urlencode()}"


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def case_bulk_assign(request: StaffRequest) -> HttpResponse:
    form = BulkAssignForm(request.POST)
    back = request.POST.get("next", "")
    if form.is_valid():
        count = services.assign_many(
            case_ids=form.cleaned_data["cases"],
            assignee=form.cleaned_data["assignee"],
            actor=request.user,
        )
        messages.success(request, _("%(count)d Vorgänge zugewiesen.") % {"count": count})
    else:
        messages.error(request, _("Bitte Vorgänge und eine Person auswählen."))
    return redirect(f"{reverse('cases:list')}?{back}" if back else reverse("cases:list"))


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_POST
def case_save_view(request: StaffRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    try:
        services.save_view(owner=request.user, name=request.POST.get("name", ""), query=query)
    except ValidationError:
        messages.error(request, _("Bitte einen Namen für die Ansicht angeben."))
    else:
        messages.success(request, _("Ansicht gespeichert."))
    return redirect(f"{reverse('cases:list')}?{query}")


@login_required
@permission_required("cases.add_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def case_create(request: StaffRequest) -> HttpResponse:
    partner_id = request.GET.get("kunde", "")
    partner = (
        get_object_or_404(BusinessPartner, pk=int(partner_id)) if partner_id.isdigit() else None
    )
    form = NewCaseForm(request.POST or None, initial={"queue": _default_queue_id()})
    if submitted(request, form):
        data = form.cleaned_data
        case = call_service(
            form,
            lambda: services.open_case_with_note(
                subject=data["subject"],
                channel=data["channel"],
                case_type=data["case_type"],
                priority=data["priority"],
                queue=data["queue"],
                partner=partner,
                note=data["note"],
                actor=request.user,
            ),
        )
        if case is not None:
            return redirect("cases:detail", number=case.number)
    return form_page(request, "cases/case_create.html", {"form": form, "partner": partner})


def _default_queue_id() -> int | None:
    try:
        return services.default_queue().pk
    except ValidationError:
        return None


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_GET
def case_detail(request: StaffRequest, number: str) -> HttpResponse:
    case = get_object_or_404(
        Case.objects.select_related("queue", "assignee", "partner"), number=number
    )
    if case.partner_id:
        audit.record(
            actor=request.user, action=audit.Action.READ, obj=case, partner_id=case.partner_id
        )
    return render(request, "cases/case_detail.html", _detail_context(case))


def _detail_context(case: Case, **forms: BaseForm) -> dict[str, object]:
    return {
        "case": case,
        "timeline": selectors.timeline(case).prefetch_related("attachments"),
        "composer": forms.get("composer") or ComposerForm(portal=selectors.is_portal_case(case)),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": case.status}),
        "handoff_form": forms.get("handoff_form") or HandOffForm(),
        "task_form": forms.get("task_form") or TaskForm(prefix="task"),
        "tasks": case.tasks.select_related("queue", "owner", "done_by"),
        "text_modules": TextModule.objects.filter(active=True),
        **complaint_views.panel_context(case),
    }


@login_required
@permission_required("cases.add_message", raise_exception=True)
@require_POST
def case_compose(request: StaffRequest, number: str) -> HttpResponse:
    case = get_object_or_404(Case, number=number)
    form = ComposerForm(request.POST, portal=selectors.is_portal_case(case))
    if form.is_valid():
        text, mode = form.cleaned_data["text"], form.cleaned_data["mode"]
        if mode == ComposerForm.Mode.PORTAL:
            sent = call_service(
                form,
                lambda: portal_messages.reply_to_portal(case=case, text=text, actor=request.user),
            )
            done = _("Antwort steht im Kundenportal.")
        elif mode == ComposerForm.Mode.REPLY:
            sent = call_service(
                form, lambda: services.reply_by_email(case=case, text=text, actor=request.user)
            )
            done = _("Antwort liegt im Postausgang.")
        else:
            sent = call_service(
                form, lambda: services.add_note(case=case, text=text, actor=request.user)
            )
            done = _("Notiz gespeichert.")
        if sent is not None:
            messages.success(request, done)
            return redirect("cases:detail", number=case.number)
    return render(
        request, "cases/case_detail.html", _detail_context(case, composer=form), status=400
    )


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def case_status(request: StaffRequest, number: str) -> HttpResponse:
    case = get_object_or_404(Case, number=number)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.change_status(case=case, status=form.cleaned_data["status"], actor=request.user)
        return redirect("cases:detail", number=case.number)
    return render(
        request, "cases/case_detail.html", _detail_context(case, status_form=form), status=400
    )


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def case_take(request: StaffRequest, number: str) -> HttpResponse:
    case = get_object_or_404(Case, number=number)
    services.assign(case=case, assignee=request.user, actor=request.user)
    return redirect("cases:detail", number=case.number)


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def case_hand_off(request: StaffRequest, number: str) -> HttpResponse:
    case = get_object_or_404(Case, number=number)
    form = HandOffForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        moved = call_service(
            form,
            lambda: services.hand_off(
                case=case,
                queue=data["queue"],
                owner=data["owner"],
                note=data["note"],
                actor=request.user,
            ),
        )
        if moved is not None:
            messages.success(request, _("Vorgang übergeben."))
            return redirect("cases:detail", number=case.number)
    return render(
        request, "cases/case_detail.html", _detail_context(case, handoff_form=form), status=400
    )


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_POST
def case_presence(request: StaffRequest, number: str) -> HttpResponse:
    """HTMX heartbeat of an open case page; answers who else has the case open."""
    case = get_object_or_404(Case, number=number)
    others = services.touch_viewer(
        case=case, user=request.user, composing=request.POST.get("composing") == "1"
    )
    return render(request, "cases/_presence.html", {"others": others})


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_GET
def text_module_fill(request: StaffRequest, number: str) -> HttpResponse:
    """HTMX: the chosen text module with this case's placeholders filled in."""
    case = get_object_or_404(Case.objects.select_related("partner"), number=number)
    module_id = request.GET.get("module", "")
    module = (
        get_object_or_404(TextModule, pk=int(module_id), active=True)
        if module_id.isdigit()
        else None
    )
    text, missing = services.render_text_module(case=case, module=module) if module else ("", [])
    return render(request, "cases/_composer_text.html", {"text": text, "missing": missing})


OCTET_STREAM = "application/octet-stream"
# Types a browser may get as they are; everything else (HTML, SVG, scripts, XML, unknown)
# is served as application/octet-stream.
_SAFE_DOWNLOAD_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/tiff",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_GET
def attachment_download(request: StaffRequest, number: str, attachment_id: int) -> HttpResponseBase:
    """One attachment of this case, only after clamd found it clean; always as a download."""
    attachment = get_object_or_404(
        Attachment.objects.select_related("message__case"),
        pk=attachment_id,
        message__case__number=number,
    )
    if attachment.scan == Attachment.Scan.PENDING:
        return _plain(_("Der Anhang wird noch auf Schadsoftware geprüft."), status=409)
    if not attachment.may_open:
        if attachment.scan == Attachment.Scan.INFECTED:
            text = _("Der Anhang enthält Schadsoftware und wird nicht geöffnet.")
        else:
            text = _("Der Anhang konnte nicht geprüft werden und wird nicht geöffnet.")
        return _plain(text, status=403)
    case = attachment.message.case
    audit.record(
        actor=request.user, action=audit.Action.READ, obj=attachment, partner_id=case.partner_id
    )
    content_type = attachment.content_type.split(";")[0].strip().lower()
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=_safe_filename(attachment.filename),
        content_type=content_type if content_type in _SAFE_DOWNLOAD_TYPES else OCTET_STREAM,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _safe_filename(name: str) -> str:
    cleaned = "".join("_" if ord(c) < 32 or ord(c) == 127 else c for c in name).strip()
    return cleaned or "anhang"


def _plain(text: str, *, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def case_task_create(request: StaffRequest, number: str) -> HttpResponse:
    case = get_object_or_404(Case, number=number)
    form = TaskForm(request.POST, prefix="task")
    if form.is_valid():
        data = form.cleaned_data
        task = call_service(
            form,
            lambda: onsite.request_task(
                case=case,
                kind=data["kind"],
                queue=data["queue"],
                title=data["title"],
                note=data["note"],
                owner=data["owner"],
                actor=request.user,
            ),
        )
        if task is not None:
            messages.success(request, _("Aufgabe an %(queue)s übergeben.") % {"queue": task.queue})
            return redirect("cases:detail", number=case.number)
    return render(
        request, "cases/case_detail.html", _detail_context(case, task_form=form), status=400
    )
