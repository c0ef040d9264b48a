"""The district's time zone and the conversions at the edges: stored UTC, shown local.

Also the one source of "now". Normally the machine's clock; for a soak run (`flask --app app soak`)
every process may instead share an accelerated clock, set by the environment:
PROPMGMT_CLOCK_START (ISO instant), PROPMGMT_CLOCK_ANCHOR (unix seconds when it was START) and
PROPMGMT_CLOCK_SPEED (simulated seconds per real second). Production refuses it (config.py).
"""
import os
import time as _time
from datetime import date, datetime, time, timedelta, timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Shanghai"


def district_tz() -> ZoneInfo:
    name = current_app.config.get("PROPMGMT_TZ", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


class AcceleratedClock(NamedTuple):
    start: datetime
    anchor: float
    speed: float

    def at(self, real: float) -> datetime:
        """The simulated instant at real unix time `real`."""
        return self.start + timedelta(seconds=(real - self.anchor) * self.speed)

    def now(self) -> datetime:
        return self.at(_time.time())

    def environ(self) -> dict[str, str]:
        return {"PROPMGMT_CLOCK_START": self.start.isoformat(), "PROPMGMT_CLOCK_ANCHOR": repr(self.anchor),
                "PROPMGMT_CLOCK_SPEED": repr(self.speed)}


def accelerated_clock_from(environ) -> AcceleratedClock | None:
    """The clock the environment asks for, or None for the real one; refuses a half or wrong setting."""
    names = ("PROPMGMT_CLOCK_START", "PROPMGMT_CLOCK_ANCHOR", "PROPMGMT_CLOCK_SPEED")
    given = [environ.get(name, "") for name in names]
    if not any(given):
        return None
    if not all(given):
        raise RuntimeError("An accelerated clock needs all of " + ", ".join(names))
    start = datetime.fromisoformat(given[0])
    if start.tzinfo is None:
        raise RuntimeError("PROPMGMT_CLOCK_START needs a UTC offset, e.g. 2026-12-01T00:05:00+08:00")
    speed = float(given[2])
    if not 0 < speed <= 10_000:
        raise RuntimeError("PROPMGMT_CLOCK_SPEED must be above 0 and at most 10000")
    return AcceleratedClock(start.astimezone(timezone.utc), float(given[1]), speed)


_accelerated = accelerated_clock_from(os.environ)
_frozen: datetime | None = None  # set only by the tests (tests/conftest.py, frozen_clock) and the bench's /field


def utcnow() -> datetime:
    if _frozen is not None:
        return _frozen
    if _accelerated is None:
        return datetime.now(timezone.utc)
    return _accelerated.now()


def clock_speed() -> float:
    """Simulated seconds per real second: 1 unless an accelerated clock is set."""
    return _accelerated.speed if _accelerated else 1.0


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
