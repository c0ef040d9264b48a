"""The benchmark's measurements of the scheduler's work (generation, the sweeps, the outbox, /field),
and run_all, the whole run with the oversight pages (pages.py); each timed by timing.measure.

Every measurement leaves the database as it found it: generated tasks are deleted afterwards,
and sweeps run inside a SAVEPOINT that is rolled back.
"""
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select, update

from propmgmt.extensions import db
from propmgmt.models import Compound, ServiceType, Task, User
from propmgmt.outbox.models import Notification
from propmgmt.plans.generation import generate_tasks, horizon_end
from propmgmt.plans.transitions import mark_missed
from propmgmt.reminders.sweeps import ReminderPolicy, enqueue_task_reminders

from .build import HISTORY_DAYS, TODAY, local
from .pages import oversight_pages, with_its_sql
from .timing import Measurement, interleave, measure

# Issue 22: generation at most this many times a bare insert of the rows it makes.
ONE_DAY_GOAL, HORIZON_GOAL = 2.5, 2.0
DUE_SHARE = 0.05  # "5% of a day's tasks are due"
MISSED_NOTHING_TARGET_MS = 5  # issue 22: a sweep with nothing to do is a seek, flat however long the horizon
REMINDERS_FEW, REMINDERS_FEW_TARGET_MS = 19, 20  # issue 22: a sweep with a few due
OUTBOX_ROWS = 10_000


class Savepoint:
    """prepare/restore for measure(): each run inside a SAVEPOINT, rolled back afterwards."""

    def __init__(self):
        self._point = None

    def begin(self) -> None:
        self._point = db.session.begin_nested()

    def rollback(self) -> None:
        self._point.rollback()


def day_start():
    return local(TODAY, 0)


def clear_generated() -> None:
    """Removes what measurements create (tasks from today on, notifications written today)."""
    db.session.rollback()
    db.session.execute(delete(Notification).where(Notification.created_at >= day_start()))
    db.session.execute(delete(Task).where(Task.window_start >= day_start()))
    db.session.commit()
    db.session.close()


def _generate(through, now, *, commit: bool) -> int:
    """As the scheduler's generate job does it (a commit per batch), or inside the caller's transaction."""
    checkpoint = (lambda created: db.session.commit()) if commit else (lambda created: None)
    created = generate_tasks(through, now=now, checkpoint=checkpoint)["created"]
    if commit:
        db.session.commit()
    return created


SECTIONS = ("generation", "sweeps", "field", "settle", "pages")  # `flask bench --only`, in the order they run


def run_all(runs: int, progress: Callable[[str], None], only: set[str] | None = None,
            scale: str = "city") -> list[Measurement]:
    """Every section, or the `only` ones (the later ones run on the horizon the scheduler would have made);
    at a larger scale, the generator and its limit only (the pages are measured at the city)."""
    wanted = set(SECTIONS) if not only else set(only)
    clear_generated()  # a run killed half-way may have left some behind
    if scale != "city":
        try:
            return generation(runs, progress, scale)
        finally:
            clear_generated()
    results = generation(runs, progress) + history_growth(runs, progress) if "generation" in wanted else []
    if not wanted - {"generation"}:
        return results
    progress("generating the horizon for the sweeps ...")
    _generate(horizon_end(local(TODAY, 0, 30), current_app.config["PROPMGMT_HORIZON_DAYS"]),
              local(TODAY, 0, 30), commit=True)
    try:
        if "sweeps" in wanted:
            results += missed_sweep(runs, progress) + reminder_sweep(runs, progress)
            results.append(outbox_sender(runs, progress))
        if "field" in wanted:
            results += field_page(runs, progress)
        if "settle" in wanted:
            results.append(settle_month(runs, progress))
        if "pages" in wanted:
            refresh_marked_days(progress)
            results += oversight_pages(runs, progress)
    finally:
        clear_generated()
    return results


def refresh_marked_days(progress) -> None:
    """The rollups' refresh, as the scheduler runs it every few minutes: writing today's tasks marks
    their UTC day, which overlaps yesterday (Shanghai is UTC+8), so yesterday is counted live until the
    next refresh; the pages are measured as they are between two refreshes, not in that gap."""
    from propmgmt.oversight.rollups import refresh_rollups

    progress("refreshing the rollups of the days marked changed, as the scheduler would ...")
    refresh_rollups(local(TODAY, 10, 0))
    db.session.commit()


def generation(runs: int, progress, scale: str = "city") -> list[Measurement]:
    """One day and the horizon, each turn by turn with a bare insert of the rows it made."""
    now = local(TODAY, 0, 30)
    days = current_app.config["PROPMGMT_HORIZON_DAYS"]
    where = "" if scale == "city" else f" ({scale} city)"
    progress(f"generating one day{where}, and a bare insert of its rows ...")
    one_day = _beside_bare_insert("generate one day (city)" if scale == "city" else f"generate one day{where}",
                                  TODAY, now, runs=runs, target_ms=1000, goal=ONE_DAY_GOAL)
    progress(f"generating the {days}-day horizon{where}, and a bare insert of its rows ...")
    horizon = _beside_bare_insert(f"generate {days}-day horizon from empty{where}", horizon_end(now, days), now,
                                  runs=runs, target_ms=10_000, goal=HORIZON_GOAL)
    return one_day + horizon


def _beside_bare_insert(label: str, through, now, *, runs: int, target_ms: float, goal: float) -> list[Measurement]:
    """Generation as the scheduler's job runs it (a commit per batch) and, turn by turn with it, the limit:
    the very rows it made, read back beforehand, written by the driver's executemany of a plain INSERT (no
    conflict handling, no RETURNING) and committed once. Nothing to compute, nothing to look up."""
    rows: list[dict] = []
    columns = [column for column in Task.__table__.columns if column.key != "id"]

    def after_generation() -> None:
        if not rows:  # the first run's rows: every run makes the same ones
            rows.extend(dict(row) for row in db.session.execute(
                select(*columns).where(Task.window_start >= day_start()).order_by(Task.id)).mappings())
        clear_generated()

    def bare_insert() -> int:
        db.session.execute(insert(Task.__table__), rows)
        db.session.commit()
        return len(rows)

    app = Measurement(label, target_ms, ratio_goal=goal)
    limit = Measurement("  bare insert of the same rows (the limit)", limit_for=label,
                        limit_name="a bare insert of its {rows:,} rows")
    interleave([(app, lambda: _generate(through, now, commit=True), after_generation),
                (limit, bare_insert, clear_generated)], runs=runs)
    return [app, limit]


def history_growth(runs: int, progress) -> list[Measurement]:
    """One day's generation with the older half of the history deleted (then restored), and with
    all of it: time and memory should not grow with the history.

    On PostgreSQL, deleted rows stay in the indexes until the transaction ends, so there the
    "half" figure is taken on a table that is physically still full.
    """
    now = local(TODAY, 0, 30)
    older_half = Task.window_start < local(TODAY - timedelta(days=HISTORY_DAYS // 2), 0)
    results = []
    for trim in (True, False):
        if trim:
            progress("setting half of the history aside (rolled back afterwards) ...")
            db.session.execute(delete(Task).where(older_half))
        history = db.session.scalar(select(func.count(Task.id)))
        progress(f"generating one day with {history:,} tasks of history ...")
        point = Savepoint()
        result = measure(f"generate one day, {history:,} tasks in history (rolled back)",
                         lambda: _generate(TODAY, now, commit=False), runs=runs, target_ms=1000,
                         prepare=point.begin, restore=point.rollback)
        result.history_tasks = history
        results.append(result)
        db.session.rollback()
    return results


def _todays_tasks():
    return select(Task.id, Task.window_start, Task.window_end).where(
        Task.window_start >= day_start(), Task.window_start < local(TODAY + timedelta(days=1), 0)).order_by(Task.id)


def _spread(ids: list[int], count: int) -> set[int]:
    """`count` ids taken evenly across `ids`."""
    if count <= 0 or not ids:
        return set()
    step = max(1, len(ids) // count)
    return set(ids[::step][:count])


def missed_sweep(runs: int, progress) -> list[Measurement]:
    progress("mark_missed sweeps ...")
    point = Savepoint()
    nothing = measure("mark_missed, nothing due", lambda: mark_missed(now=local(TODAY, 0, 30)), runs=runs,
                      target_ms=MISSED_NOTHING_TARGET_MS, prepare=point.begin, restore=point.rollback)
    # At 09:00 every morning window has closed: all were completed but 5% of the day's tasks.
    now = local(TODAY, 9, 0)
    day = db.session.execute(_todays_tasks()).all()
    ended = [task.id for task in day if task.window_end <= now]
    due = _spread(ended, round(len(day) * DUE_SHARE))
    db.session.execute(update(Task).where(Task.id.in_(set(ended) - due)).values(status="done", completed_at=now))
    some = measure(f"mark_missed, {len(due):,} due (5% of a day)", lambda: mark_missed(now=now), runs=runs,
                   prepare=point.begin, restore=point.rollback)
    db.session.rollback()
    return [nothing, some]


def fan_out_available() -> bool:
    try:
        from propmgmt.outbox.services import notification_rows  # noqa: F401
    except ImportError:
        return False
    return True


def reminder_sweep(runs: int, progress) -> list[Measurement]:
    labels = ("enqueue reminders, nothing due", "enqueue reminders, 5% of a day due")
    if not fan_out_available():
        why = "n/a: outbox fan-out not available"
        return [Measurement(labels[0], 200, unavailable=why), Measurement(labels[1], unavailable=why)]
    progress("reminder sweeps ...")
    policy = ReminderPolicy.from_config(current_app.config)
    point = Savepoint()

    def enqueue(now):
        return lambda: enqueue_task_reminders(now=now, policy=policy)["rows"]

    nothing = measure(labels[0], enqueue(local(TODAY, 0, 30)), runs=runs, target_ms=200,
                      prepare=point.begin, restore=point.rollback)
    # At 06:45 the morning tasks are due soon; a sweep a minute earlier reminded all but 5%.
    now = local(TODAY, 6, 45)
    day = db.session.execute(_todays_tasks()).all()
    soon = [t.id for t in day if now < t.window_start <= now + timedelta(minutes=policy.due_soon_minutes)]
    results = [nothing]
    for count, label, target in ((REMINDERS_FEW, f"{REMINDERS_FEW} tasks due", REMINDERS_FEW_TARGET_MS),
                                 (round(len(day) * DUE_SHARE), "{:,} tasks due (5% of a day)", None)):
        due = _spread(soon, count)
        reminded = [{"subject_type": "task", "subject_id": task_id, "kind": "due_soon", "channel": "in_app",
                     "recipient_id": None, "recipient_key": "earlier-sweep", "payload": {}, "status": "sent",
                     "attempts": 1, "last_error": "", "next_attempt_at": now, "sent_at": now, "created_at": now}
                    for task_id in soon if task_id not in due]
        if reminded:
            db.session.execute(insert(Notification), reminded)
        results.append(measure(f"enqueue reminders, {label.format(len(due))}", enqueue(now), runs=runs,
                               target_ms=target, prepare=point.begin, restore=point.rollback))
        db.session.rollback()
    return results


def _outbox_rows(now) -> list[dict]:
    """Today's due-soon reminders as the sweep writes them: each task to its crew's operators."""
    operators: dict[int, list[int]] = {}
    for user_id, crew_id in db.session.execute(select(User.id, User.crew_id).where(
            User.role == "operator", User.active).order_by(User.id)):
        operators.setdefault(crew_id, []).append(user_id)
    tasks = db.session.execute(
        select(Task.id, Task.crew_id, Task.window_start, Task.window_end, Compound.name, ServiceType.name_zh)
        .join(Compound, Compound.id == Task.compound_id).join(ServiceType, ServiceType.id == Task.service_type_id)
        .where(Task.window_start >= day_start()).order_by(Task.window_start, Task.id)).all()
    rows = []
    for task in tasks:
        payload = {"compound": task.name, "service": task.name_zh, "window_start": task.window_start.isoformat(),
                   "window_end": task.window_end.isoformat(), "task_id": task.id}
        for user_id in operators.get(task.crew_id, []):
            rows.append({"subject_type": "task", "subject_id": task.id, "kind": "due_soon", "channel": "in_app",
                         "recipient_id": user_id, "recipient_key": f"user:{user_id}", "payload": payload,
                         "status": "pending", "attempts": 0, "last_error": "", "next_attempt_at": now,
                         "created_at": now})
            if len(rows) == OUTBOX_ROWS:
                return rows
    return rows


def outbox_sender(runs: int, progress) -> Measurement:
    label = f"outbox sender, {OUTBOX_ROWS:,} in_app rows"
    try:
        from propmgmt.reminders.sender import send_due_notifications
    except ImportError:
        return Measurement(label, unavailable="n/a: propmgmt/reminders/sender.py (send_due_notifications) missing",
                           per_second=True)
    progress("outbox sender ...")
    now = local(TODAY, 6, 45)
    rows = _outbox_rows(now)
    ours = (Notification.created_at >= day_start(), Notification.kind == "due_soon")

    def pending() -> int:
        return db.session.scalar(select(func.count(Notification.id)).where(*ours, Notification.status == "pending"))

    def fill() -> None:
        db.session.execute(insert(Notification), rows)
        db.session.commit()

    def drain() -> int:
        """Sends until nothing pending is left (or a call makes no progress); commits as the job does."""
        left = len(rows)
        while left:
            send_due_notifications(now + timedelta(seconds=1))  # its default batch, as the job runs it
            db.session.commit()
            left, before = pending(), left
            if left == before:
                break
        return db.session.scalar(select(func.count(Notification.id)).where(*ours, Notification.status == "sent"))

    def empty() -> None:
        db.session.execute(delete(Notification).where(*ours))
        db.session.commit()

    return measure(label, drain, runs=runs, prepare=fill, restore=empty, per_second=True)


FIELD_TARGET_MS = 10  # issue 22: the busiest operator's day within 10 ms of server time
TABLET_BYTES_GOAL, TABLET_REQUESTS_GOAL = 100_000, 5  # issue 22: the first load on the wire
TABLET_STATIC = ("/static/css/app.css", "/static/js/page.js", "/static/js/field.js")


def field_page(runs: int, progress) -> list[Measurement]:
    """The operator's day (/field) at city scale for the busiest operator, through the whole request
    pipeline (the session cookie's lookup, the view, the template, compression), and the tablet's whole
    first load: the page, its static files and the day's task pages in one request (/field/pages)."""
    import re

    from flask_login.utils import _create_identifier

    from propmgmt import clock
    from propmgmt.auth.models import User
    from propmgmt.auth.services import end_session, start_session
    from propmgmt.auth.views import SESSION_KEY

    progress("requesting /field for the busiest operator ...")
    now = local(TODAY, 6, 45)
    crew_id, _count = db.session.execute(
        select(Task.crew_id, func.count()).where(Task.window_start >= day_start(), Task.crew_id.is_not(None))
        .group_by(Task.crew_id).order_by(func.count().desc()).limit(1)).one()
    user = db.session.scalar(select(User).where(User.crew_id == crew_id, User.role == "operator").limit(1))
    session_id = start_session(user, now=now)
    db.session.commit()
    client = current_app.test_client()
    with current_app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()  # this client's, as session protection computes it
    with client.session_transaction() as cookie:  # as the sign-in leaves it
        cookie["_user_id"], cookie["_fresh"], cookie["_id"] = str(user.id), True, identifier
        cookie[SESSION_KEY] = session_id
    gzip = {"Accept-Encoding": "gzip"}
    wire: dict[str, int] = {}
    frozen, clock._frozen = clock._frozen, now
    debug, current_app.debug = current_app.debug, False  # as production serves it: the debug server never 304s
    try:
        def get(path: str) -> None:
            response = client.get(path, headers=gzip)
            assert response.status_code == 200, (path, response.status_code, response.location)
            wire[path.split("?")[0]] = len(response.data)  # as sent: compressed where it is compressed

        def page() -> int:
            get("/field")
            return 1

        version = client.get("/field").headers["ETag"]

        def revisit() -> int:  # the tablet's copy is current: 304, nothing rendered
            response = client.get("/field", headers={**gzip, "If-None-Match": version})
            assert response.status_code == 304, response.status_code
            return 1

        first = client.get("/field").get_data(as_text=True)
        ids = sorted(set(re.findall(r'data-task-id="(\d+)"', first)), key=int)
        pages = f"/field/pages?ids={','.join(ids)}&report=1"

        def tablet() -> int:
            for path in ("/field", *TABLET_STATIC, pages):
                get(path)
            return len(TABLET_STATIC) + 2

        results = with_its_sql("/field, busiest operator (whole request, gzip)", page, runs, progress,
                               target_ms=FIELD_TARGET_MS)
        progress("the tablet's first load of /field ...")
        results.append(measure(f"/field as the tablet first loads it ({len(TABLET_STATIC) + 2} requests)", tablet,
                               runs=runs))
        results += with_its_sql("/field revisited, nothing changed (304)", revisit, runs, progress,
                                target_ms=FIELD_TARGET_MS)  # every answer of /field, a 304 too
    finally:
        current_app.debug = debug
        clock._frozen = frozen
        end_session(session_id)
        db.session.commit()
    results[0].label += f", {wire['/field'] // 1024} KB gzip"
    results[1].limit_for = results[0].label
    results[2].label += f", {sum(wire.values()) // 1024} KB"
    results[2].size_goal, results[2].rows_goal = TABLET_BYTES_GOAL, TABLET_REQUESTS_GOAL
    results[2].size = sum(wire.values())
    return results


CHECKS_PER_COMPOUND = (8, 22)  # days of the month an inspector came (two checks a month each)


def _month_of_checks(month, policy_id: int, inspector_id: int, crew_of: dict) -> int:
    """A city month's spot checks in SQL: two per compound under fallback, every spot item of the sheet
    answered, a defect on one item in five (each a rectification, half fixed in time, the rest not)."""
    from sqlalchemy import case, literal

    from propmgmt.assessment.models import Rectification, SpotCheck, SpotCheckItem
    from propmgmt.demo.assessment import DISTRICT_POLICY
    from propmgmt.demo.history import insert_from

    fallback = Compound.management_mode == "fallback"
    for day in CHECKS_PER_COMPOUND:
        at = local(month.replace(day=day), 10)
        insert_from(SpotCheck.__table__, ["compound_id", "policy_id", "inspector_id", "checked_at", "recorded_at",
                                          "far_away", "note"],
                    select(Compound.id, literal(policy_id), literal(inspector_id), literal(at), literal(at),
                           literal(False), literal("")).where(fallback))
    start, end = local(month, 0), local(month.replace(day=28), 0)
    in_month = (SpotCheck.checked_at >= start, SpotCheck.checked_at < end)
    spot = [item for item in DISTRICT_POLICY["items"] if item["kind"] == "spot_check"]
    for n, item in enumerate(spot):
        defects = case(((SpotCheck.id + n) % 5 == 0, 1), else_=0)
        insert_from(SpotCheckItem.__table__, ["check_id", "item_code", "defects", "points", "note"],
                    select(SpotCheck.id, literal(item["code"]), defects, item["points"] - defects * item["deduct"],
                           literal("")).where(*in_month))
    failed = select(SpotCheckItem.id, SpotCheck.compound_id, SpotCheck.checked_at).join(
        SpotCheck, SpotCheck.id == SpotCheckItem.check_id).where(*in_month, SpotCheckItem.defects > 0)
    rows = []
    for item_id, compound_id, checked_at in db.session.execute(failed):
        deadline = checked_at + timedelta(days=3)
        fixed = item_id % 2 == 0
        rows.append({"compound_id": compound_id, "check_item_id": item_id, "crew_id": crew_of.get(compound_id),
                     "description": "", "deadline": deadline, "status": "verified" if fixed else "open",
                     "created_at": checked_at, "fixed_at": deadline - timedelta(days=1) if fixed else None,
                     "fix_note": ""})
    if rows:
        db.session.execute(insert(Rectification), rows)
    return db.session.scalar(select(func.count(SpotCheck.id)).where(*in_month))


def settle_month(runs: int, progress) -> Measurement:
    """Scoring every compound under fallback for last month, with its spot checks and rectifications,
    and drafting its statement (issue 19's budget: under 2 s for a city on SQLite), inside a SAVEPOINT
    rolled back afterwards."""
    from propmgmt.assessment.months import current_month, previous_month
    from propmgmt.assessment.queries import policy_row_for
    from propmgmt.assessment.services import save_policy
    from propmgmt.demo.assessment import DISTRICT_POLICY
    from propmgmt.models import Assignment
    from propmgmt.settlement.queries import line_count
    from propmgmt.settlement.services import draft_statement

    now = local(TODAY, 0, 30)
    month = previous_month(current_month(now))
    point = Savepoint()
    crew_of = dict(db.session.execute(select(Assignment.compound_id, Assignment.crew_id)
                                      .where(Assignment.status == "active")).all())
    checks = []

    def prepare() -> None:
        point.begin()
        row = policy_row_for(month)
        if row is None:
            official = db.session.scalar(select(User).where(User.role == "official").limit(1))
            row = save_policy(official, DISTRICT_POLICY, effective_month=month, now=now)
        inspector = db.session.scalar(select(User.id).where(User.role.in_(("inspector", "official"))).limit(1))
        checks.append(_month_of_checks(month, row.id, inspector, crew_of))

    def settle() -> int:
        statement, _ = draft_statement(month, now=now)
        return line_count(statement.id) if statement else 0

    progress("scoring and settling a month ...")
    compounds = db.session.scalar(select(func.count(Compound.id)))
    result = measure("score and settle a city month", settle, runs=runs, target_ms=2000,
                     prepare=prepare, restore=point.rollback)
    result.label += f" ({compounds:,} compounds, {checks[-1]:,} spot checks)"
    db.session.rollback()
    return result
