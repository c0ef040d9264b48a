"""Working days on the mainland calendar: public holidays off, make-up workdays (调休) on.

The calendar comes from the `chinese-calendar` package, which carries each year once the State
Council has published it (usually in November for the next year). For a year the installed
package does not know yet, Monday to Friday count as working days and the caller is told so
(`WorkdayResult.estimated`), so an import can say the deadline is provisional; upgrading the
package (requirements.txt) makes later imports exact.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar

from .clock import local_to_utc, to_local

MAX_WORKDAYS = 250  # a year of working days; more is a typo in the hotline's column


@dataclass(frozen=True)
class WorkdayResult:
    day: date
    estimated: tuple[int, ...]  # years counted Monday to Friday: their holidays were not yet published


def is_workday(day: date) -> tuple[bool, bool]:
    """(working day, estimated): estimated when the package has no data for that year."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_workdays(start: date, count: int) -> WorkdayResult:
    """The `count`-th working day after `start` (the day of receipt does not count)."""
    if not 0 < count <= MAX_WORKDAYS:
        raise ValueError(count)
    day, found, estimated = start, 0, set()
    while found < count:
        day += timedelta(days=1)
        working, guessed = is_workday(day)
        if guessed:
            estimated.add(day.year)
        if working:
            found += 1
    return WorkdayResult(day, tuple(sorted(estimated)))


def workday_deadline(received_at: datetime, count: int) -> tuple[datetime, tuple[int, ...]]:
    """The end (23:59 district time) of the `count`-th working day after the call, in UTC."""
    result = add_workdays(to_local(received_at).date(), count)
    return local_to_utc(result.day, time(23, 59)), result.estimated
