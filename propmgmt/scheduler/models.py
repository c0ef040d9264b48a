"""What the scheduler processes did: each job's runs, last success and running totals of its counts."""
from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime
from ..extensions import db


class SchedulerRun(db.Model):
    """One row per job, shared by every scheduler process (updated atomically by each run)."""

    __tablename__ = "scheduler_run"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    runs: Mapped[int] = mapped_column(BigInteger, default=0)
    failures: Mapped[int] = mapped_column(default=0)
    last_run_id: Mapped[str] = mapped_column(String(32), default="")
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ms: Mapped[int] = mapped_column(default=0)


class SchedulerCount(db.Model):
    """The running total of one count a job reports (tasks created, reminders sent, ...)."""

    __tablename__ = "scheduler_count"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
