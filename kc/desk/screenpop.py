"""The screen pop for the agent on the phone, the wrap-up note, and today's call journal.

The pop is polled by every staff page (base.html, htmx `every 3s`). The request carries
the state the browser shows; an unchanged state is answered 204 (htmx swaps nothing),
so screen readers hear the live region only when the call changes. Each agent sees only
the calls they answered.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_POST

from kc.cases import calls
from kc.cases.call_rules import format_duration
from kc.cases.models import Call, Message
from kc.core.http import StaffRequest
from kc.core.models import User

VIEW_CASE = "cases.view_case"
# How long an ended call stays on the pop for its wrap-up note.
WRAP_UP_MINUTES = 10
JOURNAL_LIMIT = 500
STOP_POLLING = 286


@dataclass(frozen=True, slots=True)
class JournalRow:
    call: Call
    wait: str
    talk: str


class WrapUpForm(forms.Form):
    text = forms.CharField(label=_l("Gesprächsnotiz"), widget=forms.Textarea(attrs={"rows": 3}))


def current_call(user: User) -> Call | None:
    """The call on this agent's pop: the one in progress, else the last one just ended."""
    recent = timezone.now() - datetime.timedelta(minutes=WRAP_UP_MINUTES)
    return (
        Call.objects.filter(agent=user, answered_at__isnull=False)
        .filter(Q(state=Call.State.ANSWERED) | Q(state=Call.State.ENDED, ended_at__gte=recent))
        .select_related("partner", "case")
        .annotate(
            notes=Count(
                "case__messages",
                filter=Q(
                    case__messages__kind=Message.Kind.CALL,
                    case__messages__author=user,
                    case__messages__created_at__gte=recent,
                ),
            )
        )
        .order_by("-answered_at")
        .first()
    )


def _pop_state(call: Call | None) -> str:
    if call is None:
        return "none"
    notes: int = getattr(call, "notes", 0)
    return f"{call.pk}-{call.state}-{notes}"


def _render_pop(
    request: HttpRequest, call: Call | None, form: WrapUpForm | None = None
) -> HttpResponse:
    context = {
        "call": call,
        "state": _pop_state(call),
        "form": form or WrapUpForm(),
        "talk": format_duration(call.talk_seconds) if call else "",
        "wait": format_duration(call.wait_seconds) if call else "",
    }
    return render(request, "desk/_screenpop.html", context)


@require_GET
def screenpop(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        # Logged out (session ended): 286 tells htmx to stop polling, and no login page
        # is swapped into the pop.
        return HttpResponse(status=STOP_POLLING)
    if not user.has_perm(VIEW_CASE):
        raise PermissionDenied
    call = current_call(user)
    if request.GET.get("shown") == _pop_state(call):
        return HttpResponse(status=204)
    return _render_pop(request, call)


@login_required
@permission_required("cases.add_message", raise_exception=True)
@require_POST
def call_note(request: StaffRequest, call_id: int) -> HttpResponse:
    # Object-level: only the agent who answered the call may write its note.
    call = get_object_or_404(Call, pk=call_id, agent=request.user, answered_at__isnull=False)
    form = WrapUpForm(request.POST)
    if form.is_valid():
        try:
            message = calls.add_wrap_up_note(
                call=call, text=form.cleaned_data["text"], actor=request.user
            )
        except ValidationError as error:
            form.add_error("text", error.messages)
        else:
            if request.htmx:
                return _render_pop(request, current_call(request.user))
            messages.success(request, _("Die Gesprächsnotiz steht im Vorgang."))
            return redirect("cases:detail", number=message.case.number)
    if request.htmx:
        return _render_pop(request, current_call(request.user), form)
    messages.error(request, _("Die Notiz ist leer."))
    return redirect("desk:home")


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
@require_GET
def call_journal(request: StaffRequest) -> HttpResponse:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = Call.objects.filter(started_at__gte=start).select_related("partner", "agent", "case")
    journal = [
        JournalRow(call, format_duration(call.wait_seconds), format_duration(call.talk_seconds))
        for call in rows.order_by("-started_at")[:JOURNAL_LIMIT]
    ]
    missed = sum(1 for row in journal if row.call.state == Call.State.MISSED)
    return render(
        request, "desk/call_journal.html", {"journal": journal, "missed": missed, "day": start}
    )
