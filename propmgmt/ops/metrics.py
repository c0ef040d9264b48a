"""Prometheus metrics: request latency and counts per process (or across workers), state from the database.

Request metrics live in process memory. With PROMETHEUS_MULTIPROC_DIR set (as `make serve`
does) prometheus_client keeps them in files there, and /metrics sums every worker on the
machine. Everything that is state (outbox, tasks, scheduler runs, sync replays) is read from
the database at each scrape, so any process answers the same.
"""
import os
from datetime import timedelta

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select

from ..clock import utcnow
from ..extensions import db
from ..field.models import FieldSubmission
from ..outbox.models import Notification
from ..plans.models import Task
from ..scheduler.models import SchedulerCount, SchedulerRun

BACKLOG_STATUSES = ("pending", "sending", "failed", "parked")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = CollectorRegistry(auto_describe=True)
LATENCY = Histogram("propmgmt_request_duration_seconds", "Time to answer a request, by endpoint.",
                    ["endpoint", "method"], buckets=LATENCY_BUCKETS, registry=REQUESTS)
RESPONSES = Counter("propmgmt_requests", "Requests answered, by endpoint and status.",
                    ["endpoint", "method", "status"], registry=REQUESTS)
CONTENT_TYPE = CONTENT_TYPE_LATEST


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    LATENCY.labels(endpoint, method).observe(seconds)
    RESPONSES.labels(endpoint, method, str(status)).inc()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def request_metrics() -> bytes:
    if multiprocess_dir():
        from prometheus_client import multiprocess
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REQUESTS)


class DatabaseCollector:
    """Reads the state metrics in a fixed handful of statements (indexes on status and window_start)."""

    def collect(self):
        now = utcnow()
        outbox = GaugeMetricFamily("propmgmt_outbox_notifications", "Outbox rows not yet sent, by status and channel.",
                                   labels=["status", "channel"])
        depth = dict.fromkeys(BACKLOG_STATUSES, 0)
        for status, channel, count in db.session.execute(
                select(Notification.status, Notification.channel, func.count())
                .where(Notification.status.in_(BACKLOG_STATUSES))
                .group_by(Notification.status, Notification.channel)):
            outbox.add_metric([status, channel], count)
            depth[status] += count
        yield outbox
        yield _gauge("propmgmt_outbox_parked", "Outbox rows parked after their last attempt (admins resend them).",
                     depth["parked"])
        oldest = db.session.scalar(select(func.min(Notification.next_attempt_at))
                                   .where(Notification.status.in_(("pending", "failed"))))
        yield _gauge("propmgmt_outbox_oldest_due_seconds", "How long the oldest unsent row has been due (0: none).",
                     max((now - oldest).total_seconds(), 0) if oldest else 0)

        tasks = GaugeMetricFamily("propmgmt_tasks", "Tasks whose window starts within 24 h either side of now, "
                                  "by status.", labels=["status"])
        for status, count in db.session.execute(
                select(Task.status, func.count())
                .where(Task.window_start >= now - timedelta(days=1), Task.window_start < now + timedelta(days=1))
                .group_by(Task.status)):
            tasks.add_metric([status], count)
        yield tasks

        runs = CounterMetricFamily("propmgmt_scheduler_job_runs", "Scheduler job runs (all processes).", labels=["job"])
        failures = CounterMetricFamily("propmgmt_scheduler_job_failures", "Scheduler job runs that failed.",
                                       labels=["job"])
        last_ok = GaugeMetricFamily("propmgmt_scheduler_last_success_timestamp_seconds",
                                    "When the job last finished without error (Unix time).", labels=["job"])
        for row in db.session.scalars(select(SchedulerRun).order_by(SchedulerRun.job)):
            runs.add_metric([row.job], row.runs)
            failures.add_metric([row.job], row.failures)
            if row.last_ok_at:
                last_ok.add_metric([row.job], row.last_ok_at.timestamp())
        yield from (runs, failures, last_ok)
        items = CounterMetricFamily("propmgmt_scheduler_job_items", "What the job runs reported, summed "
                                    "(generate/created: tasks generated; send_outbox/sent: messages sent).",
                                    labels=["job", "count"])
        generated = 0
        for row in db.session.scalars(select(SchedulerCount).order_by(SchedulerCount.job, SchedulerCount.name)):
            items.add_metric([row.job, row.name], row.total)
            if (row.job, row.name) == ("generate", "created"):
                generated = row.total
        yield items
        yield CounterMetricFamily("propmgmt_tasks_generated", "Tasks created by the scheduler's generate job.",
                                  value=generated)

        submissions, replays = db.session.execute(
            select(func.count(), func.coalesce(func.sum(FieldSubmission.replays), 0))).one()
        yield CounterMetricFamily("propmgmt_field_submissions", "Field app records applied (one per key).",
                                  value=submissions)
        yield CounterMetricFamily("propmgmt_field_sync_replays", "Field app records sent again with a key already "
                                  "applied (answered from the first result).", value=replays)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def database_metrics() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    return generate_latest(registry)
