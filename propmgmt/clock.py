"""The district's time zone and the conversions at the edges: stored UTC, shown local."""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Shanghai"


def district_tz() -> ZoneInfo:
    name = current_app.config.get("PROPMGMT_TZ", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:  # naive values in this app are UTC by definition
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(district_tz())


def local_today(now: datetime | None = None) -> date:
    return to_local(now or utcnow()).date()


def local_to_utc(day: date, at: time) -> datetime:
    """A wall-clock time in the district as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=district_tz()).astimezone(timezone.utc)
