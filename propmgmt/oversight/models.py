"""Daily rollups of the service figures: derived data that makes city-scale oversight pages fast.

A day's rows hold the counts of the tasks that came due that (local) day, as plans.outcomes.health_columns
counts them. Database triggers (migration 0009) mark the UTC day of every task written in
`rollup_stale`; a marked day is read live until the scheduler's refresh recomputes it, so the pages
are exact at every moment, not merely after the next refresh.
"""
from datetime import date, datetime

from sqlalchemy import Date, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime
from ..extensions import db


class _Counts:
    due: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)
    on_time: Mapped[int] = mapped_column(default=0)
    missed: Mapped[int] = mapped_column(default=0)
    verified: Mapped[int] = mapped_column(default=0)
    first_pass: Mapped[int] = mapped_column(default=0)


class ServiceDayArea(_Counts, db.Model):
    """Per local day and subdistrict: what the overview and the monthly report add up."""

    __tablename__ = "service_day_area"
    __table_args__ = (Index("ix_service_day_area_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    subdistrict_id: Mapped[int]


class ServiceDayCrew(_Counts, db.Model):
    """Per local day, crew, operator and service type: what the crews page adds up (no FKs: derived)."""

    __tablename__ = "service_day_crew"
    __table_args__ = (Index("ix_service_day_crew_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    crew_id: Mapped[int | None]
    assignee_id: Mapped[int | None]
    service_type_id: Mapped[int]


class ServiceDayCompound(_Counts, db.Model):
    """Per local day, compound, service type and crew: what the subdistrict drill-down and the crews
    page's persistently late compounds add up (no FKs: derived)."""

    __tablename__ = "service_day_compound"
    __table_args__ = (Index("ix_service_day_compound_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    compound_id: Mapped[int]
    service_type_id: Mapped[int]
    crew_id: Mapped[int | None]


class RollupDay(db.Model):
    """A local day whose rollup rows exist (days without a row are read live)."""

    __tablename__ = "rollup_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A new random word each time the day's rows are written: what the kept sums are looked up by
    # (rollups.RolledSums). None: never kept.
    version: Mapped[str | None] = mapped_column(String(32))


class RollupStale(db.Model):
    """A UTC day on which some task changed since its rollup was computed; written by triggers only.
    The key ALL (any compound moved to another subdistrict) makes every day stale."""

    __tablename__ = "rollup_stale"

    utc_day: Mapped[str] = mapped_column(String(10), primary_key=True)


class ReportArchive(db.Model):
    """Last month's dispatch report as the scheduler produced it on the 1st: the record the meeting
    used, kept unchanged while the live report goes on showing today's open items."""

    __tablename__ = "report_archive"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    xlsx: Mapped[bytes] = mapped_column(LargeBinary)


class ReportRendering(db.Model):
    """The latest PDF of a month's report as downloaded, with the hash of what it shows (its HTML without
    the as-of time): a download whose report reads the same is served this file instead of a new render."""

    __tablename__ = "report_rendering"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    content_hash: Mapped[str] = mapped_column(String(64))
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the as-of time printed in it
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
