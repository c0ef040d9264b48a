"""A plan's recurrence in words (每周一、三、五 07:00–09:00): the one place every page takes them from."""
from datetime import date, time, timedelta

from dateutil.rrule import DAILY, MONTHLY, WEEKLY
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import DomainError
from .recurrence import parse_rule

# Weekday names as they follow "every week on" (每周一、三) and as they stand alone (第一个周五).
DAY_IN_LIST = (_l("Mo"), _l("Tu"), _l("We"), _l("Th"), _l("Fr"), _l("Sa"), _l("Su"))
DAY_NAME = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
ORDINALS = {1: _l("first"), 2: _l("second"), 3: _l("third"), 4: _l("fourth"), 5: _l("fifth"), -1: _l("last"),
            -2: _l("second-to-last"), -3: _l("third-to-last")}
WORKDAYS = (0, 1, 2, 3, 4)


def _join(items) -> str:
    return _(", ").join(str(item) for item in items)


def _ordinal(n: int) -> str:
    if n in ORDINALS:
        return str(ORDINALS[n])
    return _("%(n)dth", n=n) if n > 0 else _("%(n)dth from the end", n=-n)


def _weekdays(rule) -> list[tuple[int, int | None]]:
    """(weekday, position in the month or year or None), as the rule has them."""
    plain = [(day, None) for day in rule._byweekday or ()]
    return sorted(plain) + sorted(tuple(pair) for pair in rule._bynweekday or ())


def _month_days(rule) -> str:
    days = sorted(rule._bymonthday or ()) + sorted(rule._bynmonthday or (), reverse=True)
    return _join(_("day %(n)d", n=d) if d > 0 else (_("the last day") if d == -1 else
                                                       _("day %(n)d from the end", n=-d)) for d in days)


def _days_of_week(weekdays) -> str:
    parts = []
    for day, position in weekdays:
        name = str(DAY_NAME[day])
        parts.append(name if position is None else _("the %(nth)s %(day)s", nth=_ordinal(position), day=name))
    return _join(parts)


def _shown(rule, part: str, starts_on: date | None) -> bool:
    """Whether to name a part: the rule gives it, or dateutil took it from a start we know."""
    original = rule._original_rule
    return original.get(part) is not None or (part in original and starts_on is not None)


def _frequency(rule, starts_on: date | None) -> str:
    n, weekdays = rule._interval, _weekdays(rule)
    if rule._freq == DAILY:
        text = _("Every day") if n == 1 else _("Every %(n)d days", n=n)
        if weekdays:
            text += _(" on %(days)s", days=_days_of_week(weekdays))
        return text
    if rule._freq == WEEKLY:
        chosen = [day for day, _position in weekdays]
        if n == 1 and tuple(chosen) == WORKDAYS:
            return _("Workdays")
        if n == 1 and len(chosen) == 7:
            return _("Every day")
        if not _shown(rule, "byweekday", starts_on):
            return _("Every week") if n == 1 else _("Every %(n)d weeks", n=n)
        days = _join(DAY_IN_LIST[d] for d in chosen)
        return _("Every week on %(days)s", days=days) if n == 1 else _("Every %(n)d weeks on %(days)s", n=n,
                                                                         days=days)
    if rule._freq == MONTHLY:
        text = _("Every month") if n == 1 else _("Every %(n)d months", n=n)
    else:
        text = _("Every year") if n == 1 else _("Every %(n)d years", n=n)
        if rule._bymonth and _shown(rule, "bymonth", starts_on):
            months = _join(_("month %(n)d", n=m) for m in sorted(rule._bymonth))
            text += _(" in %(months)s", months=months)
        if rule._byweekno:
            text += _(" in week %(weeks)s", weeks=_join(str(w) for w in sorted(rule._byweekno)))
        if rule._byyearday:
            text += _(" on day %(days)s of the year", days=_join(str(d) for d in sorted(rule._byyearday)))
    month_days = _month_days(rule) if _shown(rule, "bymonthday", starts_on) else ""
    if month_days and weekdays:
        text += _(" on %(days)s that is a %(weekday)s", days=month_days, weekday=_days_of_week(weekdays))
    elif month_days:
        text += _(" on %(days)s", days=month_days)
    elif weekdays:
        text += _(" on %(days)s", days=_days_of_week(weekdays))
    return text


def describe_rule(rule_text: str, starts_on: date | None = None) -> str:
    """每天, 每隔2天, 每周一、三、五, 工作日, 每月第一个周五, …; the rule itself when it cannot be read."""
    try:
        rule = parse_rule(rule_text, starts_on or date(2001, 1, 1))
    except DomainError:
        return rule_text
    text = _frequency(rule, starts_on)
    if rule._bysetpos:
        text += _(", the %(nth)s of them", nth=_join(_ordinal(p) for p in rule._bysetpos))
    if rule._count:
        text += _(", %(n)d times", n=rule._count)
    if rule._until:
        until = rule._until.astimezone(rule._dtstart.tzinfo)
        last_day = until.date() - timedelta(days=1 if until.time() == time() else 0)  # midnight: the day before
        text += _(", until %(date)s", date=format_date(last_day, "long"))
    return text


def describe_windows(windows: list[dict]) -> str:
    return _join(f"{w['start']}–{w['end']}" for w in windows or [])


def describe_plan(rule_text: str, windows: list[dict], starts_on: date | None = None) -> str:
    """The rule and its windows in one line: 每周一、三、五 07:00–09:00."""
    return f"{describe_rule(rule_text, starts_on)} {describe_windows(windows)}".strip()
