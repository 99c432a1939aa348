"""Staff pages of the legacy import: upload a ZIP (checked in a dry run), read the report,
then 'jetzt übernehmen'. Administration only (imports.add_importrun)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kc.core import uploads
from kc.core.form_views import call_service, form_page, submitted
from kc.core.http import StaffRequest
from kc.core.validation import Refusal
from kc.imports import archive, services
from kc.imports.forms import UploadForm
from kc.imports.models import ImportRun

RUN_IMPORTS = "imports.add_importrun"


@login_required
@permission_required(RUN_IMPORTS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def run_list(request: StaffRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if submitted(request, form):
        upload = form.cleaned_data["upload"]
        try:
            data = uploads.read_upload(upload, max_bytes=archive.MAX_ZIP_BYTES)
        except uploads.UploadRejected as refusal:
            form.add_error("upload", str(refusal))
        else:
            run = call_service(
                form,
                lambda: services.start_run(
                    data=data,
                    filename=upload.name or "",
                    system=form.cleaned_data["system"],
                    actor=request.user,
                ),
            )
            if run is not None:
                return redirect("imports:run_detail", run_id=run.pk)
    runs = ImportRun.objects.select_related("created_by")[:20]
    return form_page(request, "imports/run_list.html", {"form": form, "runs": runs})


@login_required
@permission_required(RUN_IMPORTS, raise_exception=True)
def run_detail(request: StaffRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=run_id)
    template = "imports/_run_state.html" if request.htmx else "imports/run_detail.html"
    return render(request, template, {"run": run})


@login_required
@permission_required(RUN_IMPORTS, raise_exception=True)
@require_POST
def run_confirm(request: StaffRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=run_id)
    try:
        services.confirm_run(run=run, actor=request.user)
    except Refusal as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Die Übernahme läuft."))
    return redirect("imports:run_detail", run_id=run.pk)
