"""What became of a task: the one definition of every service figure, in SQL and in Python.

Every page, export, report, rollup and API that counts tasks reads these; no other module spells a
list of task statuses. The words, as the pages explain them:

- *due*: the task's window has ended (in a period: it ended in the period) and it was not cancelled;
- *completed*: the work was reported finished: done, verified, or sent back after being done;
- *on time*: completed, and finished (on the device) by the end of its window;
- *not on time*: due and not on time (late, or never finished);
- *missed*: the window closed without completion (the scheduler's mark);
- *awaiting verification*: completed, and neither verified nor sent back yet (the dispatcher's work);
- *verified*: checked and accepted by the dispatcher;
- *first pass*: verified without ever being sent back;
- *overdue now*: its window is open, and the work has not started `OVERDUE_AFTER` into it.

Rates are shares of due tasks (completion, on time) and of verified ones (first pass), in percent
with one decimal; `rate` is the one place a rate is computed.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import case, func, select

from ..extensions import db
from .models import TASK_STATUSES, Task

# The statuses in which work is still to be done (the operator's list, the calendar feed).
OPEN_WORK = ("scheduled", "in_progress", "rejected")
COMPLETED = ("done", "verified", "rejected")
# Finished and not sent back: the work whose photos residents see as the compound's record.
DONE_WORK = ("done", "verified")
# Work nobody is doing yet: it can be started, or handed to someone else.
NOT_STARTED = ("scheduled", "rejected")
# Every status but cancelled, spelled out: an IN list lets the (status, window_end) index serve the
# range, where `status <> 'cancelled'` would scan the whole task table.
COUNTED = tuple(status for status in TASK_STATUSES if status != "cancelled")
OVERDUE_AFTER = timedelta(minutes=30)

# The outcomes a Health counts, in its field order after `due`; the rollup tables have these columns.
COUNTED_OUTCOMES = ("completed", "on_time", "missed", "verified", "first_pass")
FIGURES = ("due", *COUNTED_OUTCOMES)
# Every outcome a list of tasks can be narrowed to (/oversight/tasks?outcome=...).
OUTCOMES = ("due", "completed", "on_time", "not_on_time", "missed", "verified", "first_pass")


# --- in SQL -----------------------------------------------------------------------------------------

def finished_sql():
    return func.coalesce(Task.device_completed_at, Task.completed_at)


def on_time_sql():
    """Finished (on the device) by the end of its window; for completed tasks. Never NULL (a NULL
    would make "not on time" leave out a task with no completion time), so its negation is exact."""
    finished = finished_sql()
    return finished.is_not(None) & (finished <= Task.window_end)


def due_between(start: datetime, end: datetime):
    """Tasks that came due in (start, end]: their window ended then and they were not cancelled."""
    return (Task.window_end <= end) & (Task.window_end > start) & Task.status.in_(COUNTED)


@cache
def outcome_sql(name: str):
    """The condition of outcome `name` on a due task (None for "due" itself: every due task).
    Built once per outcome (cached) and shared by every statement: a SQL expression is immutable, and
    building these on each call was a fifth of a public page's time."""
    completed = Task.status.in_(COMPLETED)
    on_time = completed & on_time_sql()
    return {"due": None, "completed": completed, "on_time": on_time, "not_on_time": ~on_time,
            "missed": Task.status == "missed", "verified": Task.status == "verified",
            "first_pass": (Task.status == "verified") & (Task.rejections == 0)}[name]


@cache
def health_columns() -> tuple:
    """The aggregates of Health after `days`, in its order; group them by anything (built once)."""
    return (func.count(Task.id),
            *(func.sum(case((outcome_sql(name), 1), else_=0)) for name in COUNTED_OUTCOMES))


def awaiting_verification_sql():
    """Completed and neither verified nor sent back yet: the dispatcher's verification work."""
    return Task.status == "done"


def overdue_sql(now: datetime):
    """Windows open now whose work has not started `OVERDUE_AFTER` in."""
    return (Task.status == "scheduled") & (Task.window_start <= now - OVERDUE_AFTER) & (Task.window_end > now)


# --- in Python, for one loaded task ----------------------------------------------------------------

def finished_at(task: Task) -> datetime | None:
    """When the work was finished, as on_time_sql reads it (None if it was not)."""
    return task.device_completed_at or task.completed_at


def is_due(task: Task, now: datetime) -> bool:
    return task.status in COUNTED and task.window_end <= now


def is_completed(task: Task) -> bool:
    return task.status in COMPLETED


def is_on_time(task: Task) -> bool:
    finished = finished_at(task)
    return is_completed(task) and finished is not None and finished <= task.window_end


def finished_late(task: Task) -> bool:
    """Finished, after the end of its window (the "late" badge on lists)."""
    finished = finished_at(task)
    return finished is not None and finished > task.window_end


def is_awaiting_verification(task: Task) -> bool:
    return task.status == "done"


def is_missed(task: Task) -> bool:
    return task.status == "missed"


def is_verified(task: Task) -> bool:
    return task.status == "verified"


def is_first_pass(task: Task) -> bool:
    return task.status == "verified" and task.rejections == 0


def is_overdue(task: Task, now: datetime) -> bool:
    return task.status == "scheduled" and task.window_start <= now - OVERDUE_AFTER and task.window_end > now


def is_not_on_time(task: Task) -> bool:
    return not is_on_time(task)


_OUTCOME_TESTS = {"completed": is_completed, "on_time": is_on_time, "not_on_time": is_not_on_time,
                  "missed": is_missed, "verified": is_verified, "first_pass": is_first_pass}


def has_outcome(task: Task, name: str) -> bool:
    """outcome_sql's Python twin, for a task that is due."""
    return name == "due" or _OUTCOME_TESTS[name](task)


# --- the figures -------------------------------------------------------------------------------------

def rate(part: int, whole: int) -> float | None:
    """A share in percent with one decimal, or None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Health:
    """The service figures of the tasks that came due in `days` days."""
    days: int
    due: int
    completed: int
    on_time: int
    missed: int
    verified: int
    first_pass: int

    @classmethod
    def of(cls, days: int, row) -> "Health":
        """From a row of health_columns (or a rollup row of FIGURES)."""
        return cls(days, *(int(value or 0) for value in row))

    @property
    def completion_rate(self) -> float | None:
        return rate(self.completed, self.due)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.due)

    @property
    def first_pass_rate(self) -> float | None:
        return rate(self.first_pass, self.verified)


def format_rate(value: float | None) -> str:
    """A rate as every page, export and report shows it: one decimal and a percent sign, or a dash."""
    return "—" if value is None else f"{value:.1f}%"


def health_between(start: datetime, end: datetime, *conditions, days: int | None = None) -> Health:
    """The figures of the tasks that came due in (start, end] (and meet `conditions`), counted live."""
    row = db.session.execute(select(*health_columns()).where(due_between(start, end), *conditions)).one()
    return Health.of(days if days is not None else (end - start).days, row)
