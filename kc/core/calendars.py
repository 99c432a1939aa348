"""The business calendar in force: a CalendarSetting row, else the built-in default."""

from kc.core.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from kc.core.models import CalendarSetting


def calendar_from(setting: CalendarSetting | None) -> BusinessCalendar:
    return BusinessCalendar.from_config(setting.config) if setting else DEFAULT_CALENDAR


def default_calendar() -> BusinessCalendar:
    return calendar_from(CalendarSetting.objects.filter(is_default=True).first())
