"""A month of the assessment: named by its first day, bounded in the district's local time."""
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from ..clock import local_to_utc, local_today
from ..errors import DomainError
from ..periods import Period


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_period(month: date) -> Period:
    return Period(month, next_month(month) - timedelta(days=1))


def days_in(month: date) -> int:
    return (next_month(month) - month).days


def month_bounds(month: date) -> tuple[datetime, datetime]:
    return local_to_utc(month, time(0)), local_to_utc(next_month(month), time(0))


def current_month(now: datetime) -> date:
    return month_start(local_today(now))


def month_named(text: str | None) -> date:
    """"2026-11" as the month's first day, any month."""
    try:
        return date.fromisoformat(f"{(text or '').strip()}-01")
    except ValueError:
        raise DomainError(_l("Give the month as YYYY-MM."), field="effective_month")


def parse_month(text: str | None, *, now: datetime, default: date | None = None) -> date:
    """"2026-11" as the month's first day; refuses a month that has not begun."""
    if not text:
        return default or previous_month(current_month(now))
    month = month_named(text)
    if month > current_month(now):
        raise DomainError(_l("That month has not begun yet."), field="month")
    return month
