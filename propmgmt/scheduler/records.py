"""Records each job run in the database, so /metrics and /healthz see every scheduler process."""
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from .models import SchedulerCount, SchedulerRun


def _insert(model):
    return (postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite).insert(model)


def record_run(job: str, run_id: str, *, ok: bool, ms: int, counts: dict | None, now: datetime) -> None:
    """Adds one run (and its numeric counts) to the job's totals: one upsert each, no read first."""
    values = {"job": job, "runs": 1, "failures": 0 if ok else 1, "last_run_id": run_id, "last_ms": ms,
              "last_ok_at": now if ok else None, "last_failed_at": None if ok else now}
    statement = _insert(SchedulerRun).values(**values)
    table = SchedulerRun.__table__
    update = {"runs": table.c.runs + 1, "last_run_id": run_id, "last_ms": ms}
    if ok:
        update["last_ok_at"] = statement.excluded.last_ok_at
    else:
        update.update(failures=table.c.failures + 1, last_failed_at=statement.excluded.last_failed_at)
    db.session.execute(statement.on_conflict_do_update(index_elements=["job"], set_=update))
    numbers = {name: value for name, value in (counts or {}).items()
               if isinstance(value, int) and not isinstance(value, bool) and len(name) <= 40}
    for name, value in sorted(numbers.items()):
        statement = _insert(SchedulerCount).values(job=job, name=name, total=value)
        db.session.execute(statement.on_conflict_do_update(
            index_elements=["job", "name"],
            set_={"total": SchedulerCount.__table__.c.total + statement.excluded.total}))
