"""Business calendar: opening hours, public holidays and business-time arithmetic.

Pure rules, no ORM. A calendar is a frozen value built from a JSON-able config
(`BusinessCalendar.from_config`, `to_config`), so it can later live in a database row.

Time rules:
- inputs are aware datetimes in any zone (UTC from the database is fine); naive ones are refused;
- opening hours are wall-clock times in the calendar's zone (default Europe/Berlin);
- all arithmetic happens in UTC, so a business hour is a real hour also on DST days;
- results are aware datetimes in the calendar's zone.

Which hours apply on a day, first match wins: an extra open date (with its own hours), an extra
closed date or a yearly closed day ("12-24"), a public holiday, the weekday's regular hours.
Opening intervals do not cross midnight; "24:00" ends an interval at the end of the day.
"""

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A calendar without a single opening in this many consecutive days is misconfigured.
MAX_CLOSED_DAYS = 3 * 366
_END_OF_DAY = "24:00"
_CONFIG_KEYS = frozenset(
    {"timezone", "weekly_hours", "holidays", "closed_dates", "closed_every_year", "open_dates"}
)

type Interval = tuple[datetime, datetime]
type IsOpenDay = Callable[[date], bool]


class CalendarClosedError(ValueError):
    """The calendar has no opening within MAX_CLOSED_DAYS days."""


def shift_open_days(day: date, count: int, is_open_day: IsOpenDay) -> date:
    """The `count`-th open day after `day` (before it when `count` is negative); `day` itself
    does not count, open or not, and is the answer for 0."""
    start, step = day, timedelta(days=1 if count > 0 else -1)
    remaining, closed_run = abs(count), 0
    while remaining:
        day += step
        if is_open_day(day):
            remaining, closed_run = remaining - 1, 0
            continue
        closed_run += 1
        if closed_run > MAX_CLOSED_DAYS:
            raise CalendarClosedError(f"no open day within {MAX_CLOSED_DAYS} days of {start}")
    return day


@dataclass(frozen=True, slots=True)
class OpeningInterval:
    """Wall-clock opening [start, end) of one day; end == time(0) means midnight ("24:00")."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("opening times are wall-clock times without a zone")
        if self.end != time(0) and self.end <= self.start:
            raise ValueError(f"opening interval ends before it starts: {self.start}-{self.end}")

    @property
    def ends_at_midnight(self) -> bool:
        return self.end == time(0)

    def overlaps(self, other: "OpeningInterval") -> bool:
        return self.start < other.end_key and other.start < self.end_key

    @property
    def end_key(self) -> time:
        """End as a sortable time (midnight sorts last)."""
        return time.max if self.ends_at_midnight else self.end

    @classmethod
    def parse(cls, pair: Sequence[str]) -> "OpeningInterval":
        if isinstance(pair, str) or len(pair) != 2:
            raise ValueError(f"an opening interval is [start, end], got {pair!r}")
        start, end = pair
        return cls(_parse_time(start), time(0) if end == _END_OF_DAY else _parse_time(end))

    def to_config(self) -> list[str]:
        end = _END_OF_DAY if self.ends_at_midnight else _format_time(self.end)
        return [_format_time(self.start), end]


type DayHours = tuple[OpeningInterval, ...]

_OPEN_8_TO_20: DayHours = (OpeningInterval(time(8), time(20)),)
DEFAULT_WEEKLY_HOURS: tuple[DayHours, ...] = (_OPEN_8_TO_20,) * 6 + ((),)


@functools.lru_cache(maxsize=512)
def public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Public holidays of one year, cached per (country, subdivision, year)."""
    try:
        found = holidays.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError as exc:  # unknown country or subdivision
        raise ValueError(str(exc)) from exc
    return frozenset(found.keys())


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    weekly_hours: tuple[DayHours, ...] = DEFAULT_WEEKLY_HOURS  # Monday first
    holiday_country: str | None = "DE"
    holiday_subdivision: str | None = "NW"
    closed_dates: frozenset[date] = frozenset()
    closed_every_year: frozenset[str] = frozenset()  # "MM-DD", e.g. "12-24"
    open_dates: Mapping[date, DayHours] = field(default_factory=dict, hash=False)
    timezone: str = "Europe/Berlin"

    def __post_init__(self) -> None:
        if len(self.weekly_hours) != 7:
            raise ValueError("weekly_hours needs seven days, Monday first")
        object.__setattr__(self, "weekly_hours", tuple(_day_hours(d) for d in self.weekly_hours))
        object.__setattr__(self, "closed_dates", frozenset(self.closed_dates))
        object.__setattr__(self, "closed_every_year", _month_days(self.closed_every_year))
        open_dates = {day: _day_hours(hours) for day, hours in self.open_dates.items()}
        if any(not hours for hours in open_dates.values()):
            raise ValueError("an extra open date needs opening hours")
        object.__setattr__(self, "open_dates", MappingProxyType(open_dates))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        if self.holiday_country is None:  # no holidays: a subdivision means nothing
            object.__setattr__(self, "holiday_subdivision", None)
        else:
            public_holidays(self.holiday_country, self.holiday_subdivision, 2000)

    # --- days ---------------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        if self.holiday_country is None:
            return False
        return day in public_holidays(self.holiday_country, self.holiday_subdivision, day.year)

    def hours_on(self, day: date) -> DayHours:
        """The wall-clock opening hours that apply on `day`."""
        special = self.open_dates.get(day)
        if special is not None:
            return special
        if day in self.closed_dates or f"{day:%m-%d}" in self.closed_every_year:
            return ()
        if self.is_holiday(day):
            return ()
        return self.weekly_hours[day.weekday()]

    def is_open_day(self, day: date) -> bool:
        return bool(self.hours_on(day))

    def add_open_days(self, day: date, count: int) -> date:
        """The `count`-th open day after `day`, before it for a negative count (see
        shift_open_days)."""
        return shift_open_days(day, count, self.is_open_day)

    def open_intervals(self, day: date) -> list[Interval]:
        """The opening intervals of `day` as aware datetimes in the calendar's zone."""
        tz = self.tz
        return [(s.astimezone(tz), e.astimezone(tz)) for s, e in self._utc_intervals(day)]

    def _utc_intervals(self, day: date) -> list[Interval]:
        tz = self.tz
        result = []
        for interval in self.hours_on(day):
            end_day = day + timedelta(days=1) if interval.ends_at_midnight else day
            start = datetime.combine(day, interval.start, tzinfo=tz).astimezone(UTC)
            end = datetime.combine(end_day, interval.end, tzinfo=tz).astimezone(UTC)
            if end > start:  # an interval inside the spring-forward gap has no length
                result.append((start, end))
        return result

    def _intervals_from(self, at: datetime, until: datetime | None = None) -> Iterator[Interval]:
        """UTC opening intervals after `at` (the first one clipped to it), up to `until`'s day."""
        tz = self.tz
        day = at.astimezone(tz).date()
        last_day = until.astimezone(tz).date() if until is not None else None
        closed_run = 0
        while last_day is None or day <= last_day:
            intervals = self._utc_intervals(day)
            for start, end in intervals:
                if end > at:
                    yield max(start, at), end
            closed_run = 0 if intervals else closed_run + 1
            if last_day is None and closed_run > MAX_CLOSED_DAYS:
                raise CalendarClosedError(f"no opening within {MAX_CLOSED_DAYS} days of {at}")
            day += timedelta(days=1)

    # --- moments and durations ------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        moment = as_utc(at)
        day = moment.astimezone(self.tz).date()
        return any(start <= moment < end for start, end in self._utc_intervals(day))

    def next_open(self, at: datetime) -> datetime:
        """The moment business time next runs: `at` itself (in the calendar's zone) if open."""
        for start, _end in self._intervals_from(as_utc(at)):
            return start.astimezone(self.tz)
        raise AssertionError("unreachable: _intervals_from without `until` never ends")

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment when `duration` of business time has run from `start`.

        A zero duration gives next_open(start); a duration that ends exactly at closing time
        gives the closing time (Friday 19:00 + 1 h is Friday 20:00, not Saturday 08:00).
        """
        if duration < timedelta(0):
            raise ValueError("business time to add must not be negative")
        remaining = duration
        for begin, end in self._intervals_from(as_utc(start)):
            if remaining <= end - begin:
                return (begin + remaining).astimezone(self.tz)
            remaining -= end - begin
        raise AssertionError("unreachable: _intervals_from without `until` never ends")

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Business time in [start, end); negative when end is before start."""
        start_utc, end_utc = as_utc(start), as_utc(end)
        if end_utc < start_utc:
            return -self.business_time_between(end, start)
        total = timedelta(0)
        for begin, finish in self._intervals_from(start_utc, until=end_utc):
            if begin >= end_utc:
                break
            total += min(finish, end_utc) - begin
        return total

    # --- config -----------------------------------------------------------------------------

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "BusinessCalendar":
        """Build from a JSON-able dict; missing keys keep the defaults (see to_config)."""
        unknown = set(config) - _CONFIG_KEYS
        if unknown:
            raise ValueError(f"unknown calendar settings: {sorted(unknown)}")
        kwargs: dict[str, Any] = {}
        if "timezone" in config:
            kwargs["timezone"] = str(config["timezone"])
        if "weekly_hours" in config:
            kwargs["weekly_hours"] = _parse_weekly_hours(config["weekly_hours"])
        if "holidays" in config:
            kwargs.update(_parse_holidays(config["holidays"]))
        if "closed_dates" in config:
            kwargs["closed_dates"] = frozenset(_parse_date(d) for d in config["closed_dates"])
        if "closed_every_year" in config:
            kwargs["closed_every_year"] = frozenset(config["closed_every_year"])
        if "open_dates" in config:
            kwargs["open_dates"] = {
                _parse_date(day): tuple(OpeningInterval.parse(pair) for pair in pairs)
                for day, pairs in _as_mapping(config["open_dates"], "open_dates").items()
            }
        return cls(**kwargs)

    def to_config(self) -> dict[str, Any]:
        holiday_config = None
        if self.holiday_country is not None:
            holiday_config = {
                "country": self.holiday_country,
                "subdivision": self.holiday_subdivision,
            }
        return {
            "timezone": self.timezone,
            "weekly_hours": {
                key: [interval.to_config() for interval in hours]
                for key, hours in zip(WEEKDAY_KEYS, self.weekly_hours, strict=True)
            },
            "holidays": holiday_config,
            "closed_dates": sorted(day.isoformat() for day in self.closed_dates),
            "closed_every_year": sorted(self.closed_every_year),
            "open_dates": {
                day.isoformat(): [interval.to_config() for interval in self.open_dates[day]]
                for day in sorted(self.open_dates)
            },
        }


# --- helpers ------------------------------------------------------------------------------


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is needed, got naive {moment}")
    return moment.astimezone(UTC)


def _day_hours(intervals: Iterable[OpeningInterval]) -> DayHours:
    ordered = tuple(sorted(intervals, key=lambda interval: interval.start))
    for earlier, later in itertools.pairwise(ordered):
        if earlier.overlaps(later):
            raise ValueError(f"opening intervals overlap: {earlier} and {later}")
    return ordered


def _month_days(values: Iterable[str]) -> frozenset[str]:
    result = frozenset(values)
    for value in result:
        try:
            datetime.strptime(f"2000-{value}", "%Y-%m-%d")  # noqa: DTZ007 (a date check only)
        except ValueError as exc:
            raise ValueError(f"a yearly closed day is 'MM-DD', got {value!r}") from exc
    return result


def _parse_time(value: str) -> time:
    try:
        parsed = time.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"an opening time is 'HH:MM', got {value!r}") from exc
    if parsed.tzinfo is not None:
        raise ValueError(f"an opening time has no zone, got {value!r}")
    return parsed


def _format_time(value: time) -> str:
    return value.isoformat(timespec="seconds" if value.second else "minutes")


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"a date is 'YYYY-MM-DD', got {value!r}") from exc


def _as_mapping(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be an object")
    return value


def _parse_weekly_hours(value: Any) -> tuple[DayHours, ...]:
    """{"mon": [["08:00", "20:00"]], ...}; a weekday left out is closed."""
    days = _as_mapping(value, "weekly_hours")
    unknown = set(days) - set(WEEKDAY_KEYS)
    if unknown:
        raise ValueError(f"unknown weekdays: {sorted(unknown)}")
    return tuple(
        tuple(OpeningInterval.parse(pair) for pair in days.get(key, ())) for key in WEEKDAY_KEYS
    )


def _parse_holidays(value: Any) -> dict[str, str | None]:
    if value is None:
        return {"holiday_country": None, "holiday_subdivision": None}
    settings = _as_mapping(value, "holidays")
    if set(settings) - {"country", "subdivision"} or "country" not in settings:
        raise ValueError('holidays is null or {"country": ..., "subdivision": ...}')
    return {
        "holiday_country": settings["country"],
        "holiday_subdivision": settings.get("subdivision"),
    }


DEFAULT_CALENDAR = BusinessCalendar()
