"""Periods of whole local days: what "the last 30 days" means on every oversight page and list."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from .clock import local_to_utc, local_today
from .errors import DomainError

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Whole local days, first to last inclusive."""
    first: date
    last: date

    @classmethod
    def parse(cls, first: str, last: str, *, now: datetime) -> "Period":
        today = local_today(now)
        try:
            last_day = date.fromisoformat(last) if last else today
            first_day = date.fromisoformat(first) if first else last_day - timedelta(days=DEFAULT_DAYS - 1)
        except ValueError:
            raise DomainError(_l("Give dates as YYYY-MM-DD."), field="from")
        if first_day > last_day:
            raise DomainError(_l("The period ends before it begins; swap the dates."), field="from")
        if (last_day - first_day).days + 1 > MAX_DAYS:
            raise DomainError(_l("Choose a period of at most %(n)d days.", n=MAX_DAYS), field="from")
        if first_day > today:
            raise DomainError(_l("The period lies in the future; nothing has come due yet."), field="from")
        return cls(first_day, last_day)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self, now: datetime) -> tuple[datetime, datetime]:
        return local_to_utc(self.first, time(0)), min(local_to_utc(self.last + timedelta(days=1), time(0)), now)

    @classmethod
    def last_days(cls, days: int, *, now: datetime) -> "Period":
        """Today and the days before it, `days` in all: the overview's "last 7 / 30 days"."""
        today = local_today(now)
        return cls(today - timedelta(days=days - 1), today)

    def args(self) -> dict:
        """The query-string form, for links to the rows behind a figure."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}
