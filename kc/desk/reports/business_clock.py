"""Business time between many pairs of moments, fast: for a report over two years the
calendar's own business_time_between walks every day of every case (seconds per thousand
cases). Here each day's opening intervals are read once and summed up; a moment's position
is the business seconds before its day plus the open part of its day up to it, and the
business time between two moments is the difference of their positions. Same result as
BusinessCalendar.business_time_between (tested against it).
"""

from __future__ import annotations

import datetime

from kc.core.business_calendar import BusinessCalendar, as_utc

type Interval = tuple[datetime.datetime, datetime.datetime]


class BusinessClock:
    def __init__(self, calendar: BusinessCalendar, first: datetime.date, last: datetime.date):
        """Positions for moments on the calendar's days first … last (inclusive)."""
        self.calendar = calendar
        self.first, self.last = first, last
        self._before: dict[datetime.date, int] = {}
        self._intervals: dict[datetime.date, list[Interval]] = {}
        total, day = 0, first
        while day <= last:
            intervals = [
                (as_utc(start), as_utc(end)) for start, end in calendar.open_intervals(day)
            ]
            self._before[day], self._intervals[day] = total, intervals
            total += sum(int((end - start).total_seconds()) for start, end in intervals)
            day += datetime.timedelta(days=1)

    def position(self, moment: datetime.datetime) -> int:
        """Business seconds from the start of `first` to `moment`."""
        moment = as_utc(moment)
        day = moment.astimezone(self.calendar.tz).date()
        if not self.first <= day <= self.last:
            raise ValueError(f"{moment} is outside the clock's days {self.first}…{self.last}")
        seconds = self._before[day]
        for start, end in self._intervals[day]:
            if moment > start:
                seconds += int((min(moment, end) - start).total_seconds())
        return seconds

    def between(self, start: datetime.datetime, end: datetime.datetime) -> int:
        """Business seconds in [start, end); negative when end is before start."""
        return self.position(end) - self.position(start)
