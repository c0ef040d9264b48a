"""The count at the end, straight from the database and the receivers, independent of the app's code:
tasks against the plans' own recurrence (dateutil), reminders against what the SMTP server and the
webhook got, completions against what the tablets were told, and every 5xx."""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from sqlalchemy import text


@dataclass
class Figures:
    rows: list[tuple[str, object]] = field(default_factory=list)  # (label, value), printed in order
    lost: int = 0
    duplicate: int = 0
    problems: list[str] = field(default_factory=list)  # anything else that fails the run

    def add(self, label: str, value) -> None:
        self.rows.append((label, value))


def expected_occurrences(connection, first_day: date, last_day: date, after: datetime) -> set[tuple[int, datetime]]:
    """(plan, window start) of every active plan's windows from first_day to last_day that end after `after`."""
    expected = set()
    plans = connection.execute(text(
        "SELECT id, rrule, windows, timezone, starts_on, ends_on, skip_dates FROM service_plan "
        "WHERE status = 'active'")).all()
    for plan_id, rule, windows, tz_name, starts_on, ends_on, skip_dates in plans:
        tz = ZoneInfo(tz_name)
        skip = {date.fromisoformat(d) for d in skip_dates or []}
        low, high = max(first_day, starts_on), min(last_day, ends_on) if ends_on else last_day
        if low > high:
            continue
        recurrence = rrulestr(rule, dtstart=datetime.combine(starts_on, time()))
        for moment in recurrence.between(datetime.combine(low, time()), datetime.combine(high, time()), inc=True):
            if moment.date() in skip:
                continue
            for window in windows:
                start_at, end_at = time.fromisoformat(window["start"]), time.fromisoformat(window["end"])
                start = datetime.combine(moment.date(), start_at, tzinfo=tz)
                end = datetime.combine(moment.date() + timedelta(days=end_at <= start_at), end_at, tzinfo=tz)
                if end > after:
                    expected.add((plan_id, start.astimezone(timezone.utc)))
    return expected


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def check_tasks(connection, figures: Figures, *, first_day: date, last_day: date, after: datetime) -> None:
    expected = expected_occurrences(connection, first_day, last_day, after)
    rows = connection.execute(text("SELECT plan_id, window_start FROM task WHERE plan_id IS NOT NULL")).all()
    counts = Counter((plan_id, _utc(start)) for plan_id, start in rows)
    lost = len(expected - set(counts))
    extra = len(set(counts) - expected)
    duplicate = sum(n - 1 for n in counts.values() if n > 1)
    figures.add(f"tasks expected (plans x days {first_day}..{last_day})", len(expected))
    figures.add("tasks that exist", len(rows))
    figures.add("tasks lost / duplicate / unexpected", f"{lost} / {duplicate} / {extra}")
    figures.lost += lost
    figures.duplicate += duplicate
    if extra:
        figures.problems.append(f"{extra} tasks exist that no plan calls for")


def check_reminders(connection, figures: Figures, receipts, *, now: datetime) -> None:
    """Every email and webhook row was delivered and arrived once; in-app rows are unique.

    An outside system cannot share our transaction: a sender killed after the receiver accepted a
    message but before it recorded that, leaves the row claimed; it is sent again (same Message-ID,
    same Idempotency-Key) as a further attempt. Such a message may arrive once per attempt: that is a
    redelivery, reported on its own. More arrivals than attempts, or two of a row never interrupted,
    is a duplicate.
    """
    rows = connection.execute(text(
        "SELECT id, channel, status, next_attempt_at, attempts FROM notification")).all()
    by_channel = Counter(channel for _, channel, *_ in rows)
    in_app_twice = connection.execute(text(
        "SELECT count(*) FROM (SELECT 1 FROM notification GROUP BY subject_type, subject_id, kind, "
        "recipient_key, channel HAVING count(*) > 1) AS twice")).scalar()
    figures.add("reminders in the outbox (in-app / email / webhook)",
                f"{by_channel['in_app']:,} / {by_channel['email']:,} / {by_channel['webhook']:,}")
    lost = duplicate = redelivered = retried = 0
    for channel in ("email", "webhook"):
        got = receipts.counts[channel]
        mine = {row_id: (status, _utc(due), attempts) for row_id, row_channel, status, due, attempts in rows
                if row_channel == channel}
        sent = {row_id for row_id, (status, _due, _attempts) in mine.items() if status == "sent"}
        undelivered_due = [row_id for row_id, (status, due, _a) in mine.items() if status != "sent" and due <= now]
        lost += len(sent - set(got)) + len(undelivered_due)
        retried += sum(1 for _status, _due, attempts in mine.values() if attempts)
        for row_id, arrivals in got.items():
            allowed = mine[row_id][2] + 1 if row_id in mine else 1
            duplicate += max(0, arrivals - allowed)
            redelivered += min(arrivals, allowed) - 1
        stray = set(got) - set(mine)
        if stray or receipts.unreadable[channel]:
            figures.problems.append(f"{channel}: {len(stray)} unknown ids, {receipts.unreadable[channel]} unreadable")
        figures.add(f"{channel}: rows sent / received / received twice or more",
                    f"{len(sent):,} / {len(got):,} / {sum(1 for n in got.values() if n > 1)}")
    figures.add("rows tried again (a sender killed or the database down) / of them delivered again",
                f"{retried} / {redelivered}")
    figures.add("reminders lost / duplicate (email and webhook)", f"{lost} / {duplicate}")
    if in_app_twice:
        figures.add("in-app reminders twice", in_app_twice)
    figures.lost += lost
    figures.duplicate += duplicate + in_app_twice


def check_completions(connection, figures: Figures, records) -> None:
    """Every completion a tablet was told succeeded is there, once; every replay got the same answer."""
    acked = [r for r in records if r.status == 200]
    unanswered = [r for r in records if r.status is None]
    refused = Counter(r.status for r in records if r.status not in (None, 200))
    tasks = dict(connection.execute(text(
        "SELECT id, status FROM task WHERE completed_by_id IS NOT NULL")).all())
    completed_by = dict(connection.execute(text(
        "SELECT id, completed_by_id FROM task WHERE completed_by_id IS NOT NULL")).all())
    audits = Counter(entity_id for (entity_id,) in connection.execute(text(
        "SELECT entity_id FROM audit_entry WHERE entity_type = 'task' AND action = 'task_completed'")))
    keys = {key: (task_id, status) for key, task_id, status in connection.execute(text(
        "SELECT key, task_id, status_code FROM field_submission WHERE kind = 'complete'"))}
    lost = sum(1 for r in acked if tasks.get(r.task_id) not in ("done", "verified")
               or completed_by.get(r.task_id) != r.user_id or keys.get(r.key) != (r.task_id, 200))
    duplicate = sum(audits[r.task_id] - 1 for r in acked if audits[r.task_id] > 1)
    applied_unanswered = sum(1 for r in unanswered if r.key in keys)
    figures.add("completions sent / acknowledged / refused",
                f"{len(records)} / {len(acked)} / {sum(refused.values())}" + (f" {dict(refused)}" if refused else ""))
    replayed = sum(r.replayed for r in records)
    same = replayed - sum(r.replay_mismatches for r in records)
    figures.add("completions sent again after the answer (same answer) / twice at once",
                f"{replayed} ({same}) / {sum(1 for r in records if r.raced)}")
    figures.add("completions lost / duplicate", f"{lost} / {duplicate}")
    if unanswered:
        figures.add("completions still without an answer (applied)", f"{len(unanswered)} ({applied_unanswered})")
        figures.problems.append(f"{len(unanswered)} completions never got an answer")
    mismatches = sum(r.replay_mismatches + r.race_mismatches for r in records)
    if mismatches:
        figures.problems.append(f"{mismatches} completions got different answers for the same key")
    figures.lost += lost
    figures.duplicate += duplicate


def check_responses(figures: Figures, responses, outages: list[tuple[float, float]]) -> None:
    """No 500 at all; a 5xx only while the database was down, and then a 503."""
    def during_outage(r):
        return any(r.started <= end and r.finished >= start for start, end in outages)

    errors = [r for r in responses if r.status is not None and r.status >= 500]
    expected = [r for r in errors if r.status == 503 and during_outage(r)]
    unexpected = [r for r in errors if r not in expected]
    no_answer = sum(1 for r in responses if r.status is None)
    figures.add("requests / no answer (killed worker, restart)", f"{len(responses):,} / {no_answer}")
    figures.add("503 while the database was down / other 5xx", f"{len(expected)} / {len(unexpected)}")
    if unexpected:
        kinds = Counter((r.status, r.method, r.path.split("/")[1] if "/" in r.path else r.path) for r in unexpected)
        figures.problems.append(f"{len(unexpected)} unexpected 5xx: {dict(kinds)}")
