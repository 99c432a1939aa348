"""SLA reminders: a case whose target is at risk or breached gets one internal note per
state, and only while the queue's calendar is open (nobody reads them at night)."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kc.cases import services, sla
from kc.cases.models import Case, Message
from kc.cases.selectors import OPEN_STATUSES
from kc.core.sla import TargetState

# Cases due within this much calendar time are looked at; the clock decides the rest.
LOOK_AHEAD = datetime.timedelta(days=3)
SEVERITY = {"": 0, "at_risk": 1, "breached": 2}


def candidates(now: datetime.datetime) -> list[Case]:
    horizon = now + LOOK_AHEAD
    return list(
        Case.objects.filter(status__in=OPEN_STATUSES)
        .filter(
            Q(first_response_at__isnull=True, first_response_due__lte=horizon)
            | Q(resolution_due__lte=horizon)
        )
        .exclude(sla_alert="breached")
        .select_related("queue__calendar")
        .prefetch_related("pauses")
    )


def alert_level(case: Case, now: datetime.datetime) -> str:
    states = {status.state for status in sla.statuses(case, now)}
    if TargetState.BREACHED in states:
        return "breached"
    return "at_risk" if TargetState.AT_RISK in states else ""


def send_reminders(now: datetime.datetime | None = None) -> int:
    """Write the due reminders; returns how many cases got one."""
    now = now or timezone.now()
    written = 0
    for case in candidates(now):
        level = alert_level(case, now)
        if SEVERITY[level] <= SEVERITY[case.sla_alert]:
            continue
        if not sla.clock_for(case).escalation_due(now):
            continue  # outside business hours: the next pass inside them writes it
        _remind(case, level, now)
        written += 1
    return written


@transaction.atomic
def _remind(case: Case, level: str, now: datetime.datetime) -> None:
    due = case.first_response_due if case.first_response_at is None else case.resolution_due
    when = formats.date_format(timezone.localtime(due), "d.m.Y H:i") if due else "–"
    text = (
        _("SLA überschritten: fällig war %(when)s.")
        if level == "breached"
        else _("SLA knapp: fällig am %(when)s.")
    ) % {"when": when}
    services.add_message(case, Message.Kind.NOTE, None, at=now, body_text=text)
    # The reminder state is not part of the case webhooks (kc.api.events.CASE_FIELDS): no event.
    Case.objects.filter(pk=case.pk).update(sla_alert=level, sla_alerted_at=now)
