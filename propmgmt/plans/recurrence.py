"""Recurrence of service plans: RFC 5545 RRULEs (dates) plus local time windows (times).

An RRULE here says on which days work happens; the windows say when on those days. Keeping
times out of the rule keeps "twice a day" and district-local times simple and DST-proof.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrulestr
from flask_babel import lazy_gettext as _l

from ..errors import DomainError

ALLOWED_FREQS = (DAILY, WEEKLY, MONTHLY, YEARLY)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Window:
    start: time
    end: time

    def as_json(self) -> dict:
        return {"start": self.start.strftime("%H:%M"), "end": self.end.strftime("%H:%M")}


def parse_windows(raw: list[dict]) -> list[Window]:
    """Windows from their stored form; refuses overlaps and ends before starts."""
    windows = []
    for item in raw or []:
        try:
            window = Window(time.fromisoformat(item["start"]), time.fromisoformat(item["end"]))
        except (KeyError, TypeError, ValueError):
            raise DomainError(_l("A time window must be given as HH:MM–HH:MM."), field="windows")
        if window.end <= window.start:
            raise DomainError(_l("A time window must end after it starts (%(start)s–%(end)s).",
                                 start=item["start"], end=item["end"]), field="windows")
        windows.append(window)
    if not windows:
        raise DomainError(_l("Give at least one time window."), field="windows")
    windows.sort(key=lambda w: w.start)
    for earlier, later in zip(windows, windows[1:]):
        if later.start < earlier.end:
            raise DomainError(_l("Time windows must not overlap."), field="windows")
    return windows


def parse_rule(rule: str, starts_on: date):
    """The dateutil rule for this RRULE, or a DomainError a dispatcher can act on."""
    text = (rule or "").strip().upper().removeprefix("RRULE:")
    if not text:
        raise DomainError(_l("The recurrence rule is empty."), field="rrule")
    try:
        parsed = rrulestr(text, dtstart=datetime.combine(starts_on, time()))
    except (ValueError, TypeError) as error:
        raise DomainError(_l("The recurrence rule is not valid: %(error)s", error=str(error)), field="rrule")
    if getattr(parsed, "_freq", None) not in ALLOWED_FREQS:
        raise DomainError(_l("The rule must repeat by days, weeks, months or years; the time windows give the "
                             "hours."), field="rrule")
    if any(part in text for part in ("BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART")):
        raise DomainError(_l("Times belong in the time windows, not in the rule."), field="rrule")
    return parsed


def build_rule(kind: str, *, weekdays: list[str] | None = None, interval: int | None = None) -> str:
    """The RRULE for the form's common choices, so nobody has to type one."""
    if kind in ("daily", "twice_daily"):
        return "FREQ=DAILY"
    if kind == "weekdays":
        return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    if kind == "chosen_weekdays":
        days = [d for d in WEEKDAYS if d in (weekdays or [])]
        if not days:
            raise DomainError(_l("Choose at least one weekday."), field="weekdays")
        return "FREQ=WEEKLY;BYDAY=" + ",".join(days)
    if kind == "every_n_days":
        if not interval or not 1 <= interval <= 366:
            raise DomainError(_l("Every N days: N must be between 1 and 366."), field="interval")
        return f"FREQ=DAILY;INTERVAL={interval}"
    raise DomainError(_l("Choose how often the work repeats."), field="kind")


def _near(rule, first: date):
    """The same rule restarted at its last period boundary before `first`.

    dateutil walks every period from the rule's start; a plan that began a year ago would be
    walked for a year on every run. Daily and weekly rules without COUNT repeat exactly every
    INTERVAL periods, so starting at a boundary near `first` gives the same days, far faster.
    """
    start = rule._dtstart.date()
    if rule._count or first <= start or rule._freq not in (DAILY, WEEKLY):
        return rule
    period = rule._interval * (1 if rule._freq == DAILY else 7)
    periods = (first - start).days // period
    return rule.replace(dtstart=datetime.combine(start + timedelta(days=periods * period), time()))


def occurrence_days(rule, first: date, last: date, skip: set[date]) -> list[date]:
    """Days in [first, last] on which the rule falls, without skipped dates."""
    if last < first:
        return []
    start, end = datetime.combine(first, time()), datetime.combine(last, time())
    return [d.date() for d in _near(rule, first).between(start, end, inc=True) if d.date() not in skip]


def occurrences(rule, windows: list[Window], first: date, last: date, skip: set[date],
                tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """(start, end) as aware datetimes in `tz`, in order, for every window of every day."""
    result = []
    for day in occurrence_days(rule, first, last, skip):
        for window in windows:
            result.append((datetime.combine(day, window.start, tzinfo=tz),
                           datetime.combine(day, window.end, tzinfo=tz)))
    return result


def preview(rule_text: str, windows_raw: list[dict], starts_on: date, tz: ZoneInfo, *, count: int = 10,
            ends_on: date | None = None, skip: set[date] = frozenset()) -> list[tuple[datetime, datetime]]:
    """The next `count` occurrences from `starts_on`, for the plan form."""
    rule = parse_rule(rule_text, starts_on)
    windows = parse_windows(windows_raw)
    result, day = [], starts_on
    horizon = ends_on or starts_on + timedelta(days=3 * 366)
    while len(result) < count and day <= horizon:
        chunk_end = min(day + timedelta(days=62), horizon)
        result += occurrences(rule, windows, day, chunk_end, set(skip), tz)
        day = chunk_end + timedelta(days=1)
    return result[:count]
