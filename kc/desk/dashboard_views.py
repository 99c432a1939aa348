"""The live dashboard (Lagebild) for every staff member with case access.

The page renders completely without JavaScript (with a link to load it again); htmx polls the
tiles every KC_DASHBOARD_POLL_SECONDS. The short summary above the tiles is a polite live
region: the poll sends the summary it shows, and the answer replaces it (out of band) only
when it changed, so a screen reader hears changes, not every poll.

One snapshot serves every viewer for KC_DASHBOARD_CACHE_SECONDS (shared cache): fifty
dashboards polling every ten seconds cost the database one snapshot per interval, not fifty.
"""

import hashlib

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from kc.core.http import StaffRequest
from kc.core.models import User
from kc.desk import dashboard

VIEW_CASE = "cases.view_case"
STOP_POLLING = 286  # htmx stops polling on this status (logged out: no login page swapped in)
CACHE_KEY = "desk:dashboard:snapshot"


def current_snapshot() -> dashboard.Snapshot:
    seconds = int(settings.KC_DASHBOARD_CACHE_SECONDS)
    if seconds <= 0:
        return dashboard.snapshot()
    snap = cache.get_or_set(CACHE_KEY, dashboard.snapshot, seconds)
    return snap if isinstance(snap, dashboard.Snapshot) else dashboard.snapshot()


def summary_text(snap: dashboard.Snapshot) -> str:
    """One sentence of what matters most, read out when it changes."""
    parts = [
        ngettext("%(count)d Vorgang wartet", "%(count)d Vorgänge warten", snap.waiting_cases)
        % {"count": snap.waiting_cases},
        ngettext(
            "%(count)d Anruf in der Warteschleife",
            "%(count)d Anrufe in der Warteschleife",
            snap.calls.waiting,
        )
        % {"count": snap.calls.waiting},
        ngettext("%(count)d SLA überschritten", "%(count)d SLA überschritten", snap.sla.breached)
        % {"count": snap.sla.breached},
    ]
    critical = sum(1 for level in _levels(snap) if level is dashboard.Level.CRITICAL)
    if critical:
        parts.append(
            ngettext("%(count)d Bereich kritisch", "%(count)d Bereiche kritisch", critical)
            % {"count": critical}
        )
    return ", ".join(parts) + "."


def _levels(snap: dashboard.Snapshot) -> list[dashboard.Level]:
    tiles = [
        snap.sla.level,
        snap.calls.level,
        snap.print_room.level,
        snap.reconnections.level,
        snap.complaints.level,
    ]
    return [queue.level for queue in snap.queues] + tiles


def _context(snap: dashboard.Snapshot) -> dict[str, object]:
    summary = summary_text(snap)
    return {
        "snap": snap,
        "summary": summary,
        "summary_key": hashlib.sha256(summary.encode()).hexdigest()[:16],
        "poll_seconds": max(1, int(settings.KC_DASHBOARD_POLL_SECONDS)),
        "case_amber": settings.KC_DASHBOARD_CASE_AMBER_MINUTES,
        "case_red": settings.KC_DASHBOARD_CASE_RED_MINUTES,
    }


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
@require_GET
def dashboard_page(request: StaffRequest) -> HttpResponse:
    return render(request, "desk/dashboard.html", _context(current_snapshot()))


@require_GET
def dashboard_tiles(request: HttpRequest) -> HttpResponse:
    """The tiles, polled by the page (htmx); the summary only when it changed."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        return HttpResponse(status=STOP_POLLING)
    if not user.has_perm(VIEW_CASE):
        raise PermissionDenied
    if not request.headers.get("HX-Request"):
        return redirect("desk:dashboard")
    context = _context(current_snapshot())
    context["summary_changed"] = request.GET.get("shown") != context["summary_key"]
    response = render(request, "desk/dashboard_tiles.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
