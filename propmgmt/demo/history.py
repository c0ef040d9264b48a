"""Past service, built in SQL for the demo (`seed-demo --history-days N`) and the benchmark's year.

One INSERT ... SELECT per day and window over the active plans, so a year of a city takes seconds.
Outcomes follow a fixed spread per plan, day and window: most verified, some done but not yet
verified (the last days only: a dispatcher keeps up), some sent back, some finished late or recorded
offline, a few missed. Every task has the operator of its crew who does that compound's round (a
colleague stands in now and then); the dispatcher verifies and sends back.
"""
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, case, func, insert, literal, null, or_, select

from ..extensions import db
from ..models import Compound, ServicePlan, ServiceStandard, Task, User
from ..plans.generation import latest_standards
from ..plans.recurrence import parse_windows

# How past tasks ended, in percent (the rest are verified); LATE of the finished ones ended late,
# REDONE of the others were sent back once first.
MISSED, REJECTED, DONE, LATE, REDONE = 4, 1, 5, 6, 8
# Of the finished ones: OFFLINE were recorded on a tablet without a network and synced later; STAND_IN
# were done by the next operator of the crew. Done work waits for verification AWAITING days at most.
OFFLINE, STAND_IN, AWAITING = 6, 10, 2
SYNCED_AFTER = timedelta(hours=2, minutes=10)
REJECTION_REASONS = ("照片未拍到楼道，请补拍并重新清扫", "垃圾桶周边仍有散落垃圾", "桶站未清洁，请重新处理",
                     "绿化带内垃圾未捡拾干净")


def build_history(first: date, days: int, *, progress: Callable[[int, int], None] = lambda day, tasks: None,
                  commit_every: int = 30) -> int:
    """Tasks of every plan in force for `days` days from `first`; commits every `commit_every` days."""
    groups, standards, tasks = plan_groups(), latest_standards(), 0
    people = Crews()
    for n in range(days):
        tasks += insert_history_day(first + timedelta(days=n), n, groups, standards, people,
                                    awaiting=n >= days - AWAITING)
        if (n + 1) % commit_every == 0 or n + 1 == days:
            db.session.commit()
        progress(n + 1, tasks)
    return tasks


def plan_groups() -> dict[tuple, list[int]]:
    """(service type, windows, time zone) -> plan ids. The seed's plans are all daily."""
    groups: dict[tuple, list[int]] = {}
    for plan_id, type_id, rrule, windows, tz in db.session.execute(select(
            ServicePlan.id, ServicePlan.service_type_id, ServicePlan.rrule, ServicePlan.windows,
            ServicePlan.timezone)):
        if rrule != "FREQ=DAILY":
            raise RuntimeError(f"plan {plan_id} is not daily ({rrule}); the bench history assumes daily plans")
        key = (type_id, tuple((w["start"], w["end"]) for w in windows), tz)
        groups.setdefault(key, []).append(plan_id)
    return groups


class Crews:
    """Who does the work: each crew's operators numbered 0..size-1 (a window function, so the day's
    INSERT stays one statement), the compounds dealt out among them, and the dispatcher who verifies."""

    def __init__(self):
        user = User.__table__
        self.slots = select(
            user.c.id, user.c.crew_id,
            (func.row_number().over(partition_by=user.c.crew_id, order_by=user.c.id) - 1).label("slot"),
            func.count().over(partition_by=user.c.crew_id).label("size"),
        ).where(user.c.role == "operator", user.c.active.is_(True), user.c.crew_id.is_not(None)).subquery()
        self.first_compound = db.session.scalar(select(func.min(Compound.id))) or 0
        self.dispatcher = db.session.scalar(select(User.id).where(User.role == "dispatcher", User.active.is_(True))
                                            .order_by(User.id).limit(1))
        self.checklists = dict(db.session.execute(select(ServiceStandard.id, ServiceStandard.checklist)).all())


def insert_history_day(day: date, n: int, groups: dict[tuple, list[int]], standards: dict[int, int],
                       people: Crews | None = None, *, awaiting: bool = True) -> int:
    plan = ServicePlan.__table__
    people = people or Crews()
    slots = people.slots
    created = 0
    for (type_id, windows, tz), plan_ids in groups.items():
        for w, window in enumerate(parse_windows([{"start": s, "end": e} for s, e in windows])):
            start = datetime.combine(day, window.start, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)
            end = datetime.combine(day, window.end, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)
            # A fixed spread of outcomes, different per plan, day and window.
            pick = (plan.c.id * 37 + n * 61 + w * 13) % 100
            missed, rejected = pick < MISSED, pick < MISSED + REJECTED
            waiting = pick < MISSED + REJECTED + DONE
            status = case((missed, "missed"), (rejected, "rejected"), (waiting, "done" if awaiting else "verified"),
                          else_="verified")
            late = (plan.c.id * 17 + n * 29 + w * 7) % 100 < LATE
            offline = (plan.c.id * 23 + n * 41 + w * 3) % 100 < OFFLINE
            finished = case((missed, null()), (late, _at(end + timedelta(minutes=25))),
                            else_=_at(end - timedelta(minutes=20)))
            # The server hears of an offline record when the tablet is back on the network.
            received = case((missed, null()), (offline & late, _at(end + timedelta(minutes=25) + SYNCED_AFTER)),
                            (offline, _at(end - timedelta(minutes=20) + SYNCED_AFTER)), else_=finished)
            started = case((missed, null()), (late, _at(end - timedelta(minutes=35))),
                           else_=_at(end - timedelta(minutes=80)))
            if awaiting:  # done work of the last days still waits for the dispatcher
                verified_at = case((missed | (waiting & ~rejected), null()), (rejected, _at(end + timedelta(hours=2))),
                                   else_=_at(end + timedelta(hours=2, minutes=30)))
            else:
                verified_at = case((missed, null()), (rejected, _at(end + timedelta(hours=2))),
                                   else_=_at(end + timedelta(hours=2, minutes=30)))
            verifier = case((verified_at.is_(None), null()), else_=literal(people.dispatcher))
            # Sent back once before being verified (or still waiting for the redo, for "rejected").
            redone = case((missed, 0), (rejected, 1), ((plan.c.id * 11 + n * 3 + w) % 100 < REDONE, 1), else_=0)
            reason = case(*[((redone == 1) & ((plan.c.id + n) % len(REJECTION_REASONS) == i), text)
                            for i, text in enumerate(REJECTION_REASONS)], else_="")
            # The compound's round belongs to one operator of the crew; now and then the next one stands in.
            stand_in = case(((plan.c.id * 7 + n * 19 + w * 5) % 100 < STAND_IN, 1), else_=0)
            operator = func.coalesce(plan.c.operator_id, slots.c.id)
            done_by = case((missed, null()), else_=operator)
            standard = standards.get(type_id)
            ticked = {item: True for item in people.checklists.get(standard, [])}
            rows = select(
                plan.c.id, plan.c.compound_id, plan.c.service_type_id, literal(standard),
                plan.c.crew_id, operator, _at(start), _at(end), status, started, done_by, received,
                finished, done_by, case((missed, null()), else_=literal(ticked, JSON)), offline & ~missed,
                literal(""), verifier, verified_at, reason, redone, _at(start - timedelta(days=1)),
            ).select_from(plan).outerjoin(slots, (slots.c.crew_id == plan.c.crew_id) & (
                slots.c.slot == (plan.c.compound_id - people.first_compound + stand_in) % slots.c.size)
            ).where(plan.c.id.in_(plan_ids), plan.c.starts_on <= day,
                    or_(plan.c.ends_on.is_(None), plan.c.ends_on >= day))
            created += insert_from(Task.__table__, [
                "plan_id", "compound_id", "service_type_id", "standard_id", "crew_id", "assignee_id",
                "window_start", "window_end", "status", "started_at", "started_by_id", "completed_at",
                "device_completed_at", "completed_by_id", "checklist_result", "recorded_offline", "note",
                "verified_by_id", "verified_at", "rejection_reason", "rejections", "created_at"], rows)
    return created


def _at(value: datetime):
    return literal(value, Task.__table__.c.window_start.type)


def insert_from(table, columns: list[str], rows) -> int:
    """INSERT ... SELECT; returns how many rows it wrote (the driver forgets unless asked)."""
    statement = insert(table).from_select(columns, rows).execution_options(preserve_rowcount=True)
    return db.session.execute(statement).rowcount
