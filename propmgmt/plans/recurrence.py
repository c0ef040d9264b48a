"""Recurrence of service plans: RFC 5545 RRULEs (dates) plus local time windows (times).

An RRULE here says on which days work happens; the windows say when on those days. Keeping
times out of the rule keeps "twice a day" and district-local times simple and DST-proof.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrulestr
from flask_babel import lazy_gettext as _l

from ..clock import district_tz
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


UNTIL = re.compile(r"UNTIL=(\d{8})(T\d{6})?(Z?)")
RULE_ERRORS = {  # dateutil's English, in words a dispatcher can act on
    "invalid until": _l("The end (UNTIL) of the rule is not a date: use YYYYMMDD or YYYYMMDDTHHMMSSZ."),
    "count and until": _l("A rule ends either after a number of times (COUNT) or on a date (UNTIL), not both."),
}


def _until_in_utc(text: str, tz: ZoneInfo) -> str:
    """UNTIL as RFC 5545 §3.3.10 wants it for a start with a time zone: in UTC.

    A local UNTIL (a date, or a time without Z) is read as that wall-clock moment in the plan's
    zone, so UNTIL=20261224 ends the rule before work on the 24th starts, as UNTIL=20261224T000000Z
    does in the RFC's examples.
    """
    match = UNTIL.search(text)
    if not match or match.group(3):
        return text
    try:
        local = datetime.strptime(match.group(1) + (match.group(2) or "T000000"), "%Y%m%dT%H%M%S")
    except ValueError:
        raise DomainError(RULE_ERRORS["invalid until"], field="rrule")
    utc = local.replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))
    return text[:match.start()] + "UNTIL=" + utc.strftime("%Y%m%dT%H%M%SZ") + text[match.end():]


RULE_PARTS = {
    "FREQ": _l("how often (FREQ: DAILY, WEEKLY, MONTHLY or YEARLY)"), "INTERVAL": _l("the interval (INTERVAL)"),
    "COUNT": _l("the number of times (COUNT)"), "UNTIL": _l("the end (UNTIL)"),
    "WKST": _l("the first day of the week (WKST)"),
    "BYDAY": _l("the weekdays (BYDAY: MO, TU, WE, TH, FR, SA, SU, or 1FR, -1SU)"),
    "BYMONTHDAY": _l("the days of the month (BYMONTHDAY)"), "BYYEARDAY": _l("the days of the year (BYYEARDAY)"),
    "BYWEEKNO": _l("the week numbers (BYWEEKNO)"), "BYMONTH": _l("the months (BYMONTH)"),
    "BYSETPOS": _l("the positions (BYSETPOS)"),
}


def _plain(error: Exception):
    """dateutil's message for a broken rule, in words a dispatcher can act on (never its English)."""
    message = str(error)
    if "UNTIL" in message:
        return RULE_ERRORS["invalid until"]
    match = re.search(r"(?:invalid|unknown parameter) '(\w+)'", message, re.IGNORECASE)
    if match and match.group(1).upper() in RULE_PARTS:
        return _l("The rule's value for %(part)s is not valid.", part=RULE_PARTS[match.group(1).upper()])
    if match:
        return _l("The rule has a part RFC 5545 does not know: %(part)s.", part=match.group(1).upper())
    return _l("The recurrence rule is not valid; write it like FREQ=WEEKLY;BYDAY=MO,WE,FR.")


def parse_rule(rule: str, starts_on: date, *, tz: ZoneInfo | None = None, at: time = time()):
    """The dateutil rule for this RRULE, or a DomainError a dispatcher can act on.

    The rule starts at `at` on `starts_on` in the zone `tz` (the plan's first window), so UNTIL
    cuts where RFC 5545 says: after the last occurrence that starts no later than it.
    """
    tz = tz or district_tz()
    text = (rule or "").strip().upper().removeprefix("RRULE:")
    if not text:
        raise DomainError(_l("The recurrence rule is empty."), field="rrule")
    if any(part in text for part in ("BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART")):
        raise DomainError(_l("Times belong in the time windows, not in the rule."), field="rrule")
    if not text.startswith("FREQ=") and ";FREQ=" not in text:
        raise DomainError(_l("The rule must say how often it repeats (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY)."),
                          field="rrule")
    if "COUNT=" in text and "UNTIL=" in text:
        raise DomainError(RULE_ERRORS["count and until"], field="rrule")
    try:
        parsed = rrulestr(_until_in_utc(text, tz), dtstart=datetime.combine(starts_on, at, tzinfo=tz))
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise DomainError(_plain(error), field="rrule")
    if parsed._interval < 1 or (parsed._count is not None and parsed._count < 1):
        raise DomainError(_l("INTERVAL and COUNT must be whole numbers of at least 1."), field="rrule")
    limit = 5 if parsed._freq == MONTHLY else 53
    if any(abs(n) > limit for _day, n in parsed._bynweekday or ()):
        raise DomainError(_l("In BYDAY, a number before a weekday counts within the month (1 to 5, or -1 to -5) "
                             "or the year (up to 53)."), field="rrule")
    if getattr(parsed, "_freq", None) not in ALLOWED_FREQS:
        raise DomainError(_l("The rule must repeat by days, weeks, months or years; the time windows give the "
                             "hours."), field="rrule")
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
    return rule.replace(dtstart=datetime.combine(start + timedelta(days=periods * period), rule._dtstart.timetz()))


def occurrence_days(rule, first: date, last: date, skip: set[date]) -> list[date]:
    """Days in [first, last] on which the rule falls, without skipped dates."""
    if last < first:
        return []
    tz = rule._dtstart.tzinfo
    start, end = datetime.combine(first, time(), tzinfo=tz), datetime.combine(last, time.max, tzinfo=tz)
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
    windows = parse_windows(windows_raw)
    rule = parse_rule(rule_text, starts_on, tz=tz, at=windows[0].start)
    result, day = [], starts_on
    horizon = ends_on or starts_on + timedelta(days=3 * 366)
    while len(result) < count and day <= horizon:
        chunk_end = min(day + timedelta(days=62), horizon)
        result += occurrences(rule, windows, day, chunk_end, set(skip), tz)
        day = chunk_end + timedelta(days=1)
    return result[:count]
