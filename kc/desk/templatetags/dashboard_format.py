"""Ages on the dashboard in short German words: "45 Min.", "3 Std. 5 Min.", "2 Tg. 4 Std."."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def age(minutes: int | None) -> str:
    """A duration in whole minutes; None (nothing waits) is a dash."""
    if minutes is None:
        return "–"
    days, rest = divmod(max(0, int(minutes)), 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)d Tg. %(hours)d Std.") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d Std. %(minutes)d Min.") % {"hours": hours, "minutes": mins}
    return _("%(minutes)d Min.") % {"minutes": mins}


@register.filter
def seconds(value: int | None) -> str:
    """A wait in seconds: "40 Sek.", "2 Min. 5 Sek."; None is a dash."""
    if value is None:
        return "–"
    mins, secs = divmod(max(0, int(value)), 60)
    if mins:
        return _("%(minutes)d Min. %(seconds)d Sek.") % {"minutes": mins, "seconds": secs}
    return _("%(seconds)d Sek.") % {"seconds": secs}
