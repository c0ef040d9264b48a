"""The monthly dispatch report (每月例会调度): a month's figures against the month before, and the
open items the meeting must act on, each with its responsible leader.

Figures for a month are counted over the district's local calendar month. Task figures come from
rollups.area_health (the rollups plus a live count of changed days), so "due", "on time", "missed"
and "first pass" mean what they mean on the overview. Complaints *within deadline* are those received
in the month and resolved by their resolve deadline. The open items are the state when the report is
read: what is still open now.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager, joinedload

from ..assignments.models import Assignment
from ..audit.models import AuditEntry
from ..auth.models import User
from ..clock import local_to_utc, local_today
from ..complaints.models import Complaint
from ..complaints.policy import OPEN_CASE_STATUSES as OPEN_COMPLAINTS
from ..complaints.queries import HotlineFigures, hotline_figures
from ..compounds.models import MANAGEMENT_MODES, Community, Compound
from ..errors import DomainError
from ..extensions import db
from ..handovers.models import Handover
from ..handovers.queries import pipeline
from ..periods import Period
from ..plans.outcomes import Health
from ..renovation.queries import late_projects, problems_past_their_date, started_and_completed
from .rollups import DaySplit, area_health, area_health_of

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
# A compound left unmanaged this long is an item for the meeting: someone must propose its service.
UNMANAGED_TOO_LONG_DAYS = 30
# Audit actions that move a compound from one management mode to another (from_state -> to_state).
MODE_ACTIONS = ("assignment_approved", "assignment_ended", "mode_changed")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str, *, now: datetime) -> "Month":
        """'2026-10' -> Month; a malformed, impossible or future month is a DomainError."""
        match = MONTH_RE.match((text or "").strip())
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
            raise DomainError(_l("Give the month as YYYY-MM, for example 2026-10."), field="month")
        month = cls(int(match[1]), int(match[2]))
        if month.first_day > local_today(now):
            raise DomainError(_l("%(month)s has not begun yet; choose this month or an earlier one.",
                                 month=month.label), field="month")
        return month

    @classmethod
    def before(cls, now: datetime) -> "Month":
        """The month before the district's current one: what the meeting on the 1st reviews."""
        return cls.containing(local_today(now)).previous

    @classmethod
    def containing(cls, day: date) -> "Month":
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    @property
    def start(self) -> datetime:
        return local_to_utc(self.first_day, time(0))

    @property
    def end(self) -> datetime:
        return local_to_utc(self.next.first_day, time(0))

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def key(self) -> int:
        """YYYYMM: the outbox subject id of this month's report."""
        return self.year * 100 + self.month


@dataclass
class Figures:
    health: Health
    complaints_received: int
    complaints_within_deadline: int
    complaints_resolved: int
    modes: dict[str, int]
    assignments_started: int
    assignments_ended: int
    handovers_completed: int
    hotline: HotlineFigures = field(default_factory=HotlineFigures)
    renovation_started: int = 0  # renovation projects entering 新开工 in the month
    renovation_completed: int = 0  # ... and reaching 竣工

    @property
    def has_activity(self) -> bool:
        return bool(self.health.due or self.complaints_received or self.complaints_resolved
                    or self.assignments_started or self.assignments_ended or self.handovers_completed
                    or self.renovation_started or self.renovation_completed)


@dataclass
class OpenItems:
    assignments_past_review: list = field(default_factory=list)  # Assignment
    handovers_stuck: list = field(default_factory=list)  # handovers.queries.PipelineRow
    complaints_overdue: list = field(default_factory=list)  # (Complaint, leader or None)
    unmanaged_too_long: list = field(default_factory=list)  # (Compound, days, proposed Assignment or None)
    awaiting_decision: list = field(default_factory=list)  # proposed Assignment
    renovation_late: list = field(default_factory=list)  # renovation Project past a planned date
    renovation_problems: list = field(default_factory=list)  # (renovation Problem, Project) past its date

    @property
    def count(self) -> int:
        return (len(self.assignments_past_review) + len(self.handovers_stuck) + len(self.complaints_overdue)
                + len(self.unmanaged_too_long) + len(self.renovation_late) + len(self.renovation_problems))

    @property
    def without_proposal(self) -> int:
        """Compounds unmanaged too long that nobody has yet proposed fallback service for."""
        return sum(1 for _, _, proposal in self.unmanaged_too_long if proposal is None)

    @property
    def leaderless(self) -> int:
        """Overdue complaints at compounds with no responsible leader, and stuck handovers with no owner."""
        return (sum(1 for _, leader in self.complaints_overdue if leader is None)
                + sum(1 for row in self.handovers_stuck if row.handover.stage_owner is None))


@dataclass
class MonthlyReport:
    month: Month
    current: Figures
    previous: Figures
    items: OpenItems
    as_of: datetime
    trend: list = field(default_factory=list)  # (Period, Health) for the 12 weeks up to the month's end

    @property
    def trend_labels(self) -> list[str]:
        return [week.last.strftime("%m-%d") for week, _ in self.trend]


def figures(month: Month, *, now: datetime) -> Figures:
    start, end = month.start, min(month.end, now)
    received = and_(Complaint.received_at >= start, Complaint.received_at < end)
    complaints = db.session.execute(select(
        func.sum(case((received, 1), else_=0)),
        func.sum(case((received & (Complaint.resolved_at <= Complaint.resolve_due_at), 1), else_=0)),
        func.sum(case(((Complaint.resolved_at >= start) & (Complaint.resolved_at < end), 1), else_=0)),
    )).one()
    first, last = month.first_day, month.next.first_day
    assignments = db.session.execute(select(
        func.sum(case(((Assignment.status.in_(("active", "ended"))) & (Assignment.start_date >= first)
                       & (Assignment.start_date < last), 1), else_=0)),
        func.sum(case(((Assignment.status == "ended") & (Assignment.end_date >= first)
                       & (Assignment.end_date < last), 1), else_=0)),
    )).one()
    handovers = db.session.scalar(select(func.count()).where(
        Handover.stage == "completed", Handover.finished_at >= start, Handover.finished_at < end))
    days = Period(first, last - timedelta(days=1))
    service = area_health(DaySplit(days.first, days.last, now), days)
    return Figures(service, *(int(v or 0) for v in complaints), modes_at(end),
                   *(int(v or 0) for v in assignments), handovers, hotline_figures(start, end, now),
                   *started_and_completed(first, last))


def modes_at(moment: datetime) -> dict[str, int]:
    """Compounds by management mode at `moment`, rebuilt from the compounds' timelines (2 queries).

    A compound's mode then is the mode it left in its first change after `moment`, or its mode
    now when it has not changed since. Every compound in the register counts, including those
    entered later: the register records when a compound was typed in, not when it was built.
    """
    current = dict(db.session.execute(select(Compound.id, Compound.management_mode)).all())
    later = db.session.execute(
        select(AuditEntry.compound_id, AuditEntry.from_state)
        .where(AuditEntry.at >= moment, AuditEntry.action.in_(MODE_ACTIONS), AuditEntry.compound_id.is_not(None),
               AuditEntry.from_state.in_(MANAGEMENT_MODES))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())).all()
    for compound_id, from_state in later:  # the earliest change wins: it is applied last
        if compound_id in current:
            current[compound_id] = from_state
    counts = {mode: 0 for mode in MANAGEMENT_MODES}
    for mode in current.values():
        counts[mode] += 1
    return counts


def open_items(*, now: datetime) -> OpenItems:
    today = local_today(now)
    items = OpenItems()
    items.assignments_past_review = db.session.scalars(
        _with_compound(select(Assignment), Assignment.compound).options(joinedload(Assignment.responsible_leader))
        .where(Assignment.status == "active", Assignment.review_date < today)
        .order_by(Assignment.review_date, Assignment.id)).all()
    items.handovers_stuck = [row for row in pipeline(now=now)[1] if row.stuck]
    leaders = (select(Assignment.compound_id, Assignment.responsible_leader_id)
               .where(Assignment.status.in_(("proposed", "active"))).subquery())
    # A hotline case not yet matched to a compound is still late: an outer join keeps it.
    complaints = db.session.execute(
        select(Complaint, User).options(joinedload(Complaint.compound).joinedload(Compound.community)
                                        .joinedload(Community.subdistrict))
        .outerjoin(leaders, leaders.c.compound_id == Complaint.compound_id)
        .outerjoin(User, User.id == leaders.c.responsible_leader_id)
        .where(Complaint.status.in_(OPEN_COMPLAINTS), Complaint.resolve_due_at < now)
        .order_by(Complaint.resolve_due_at, Complaint.id)).all()
    items.complaints_overdue = [(c, leader) for c, leader in complaints]
    proposed = {a.compound_id: a for a in db.session.scalars(
        _with_compound(select(Assignment), Assignment.compound).options(joinedload(Assignment.responsible_leader))
        .where(Assignment.status == "proposed").order_by(Assignment.proposed_at))}
    items.awaiting_decision = list(proposed.values())
    unmanaged = db.session.scalars(
        _with_compound(select(Compound), None).where(
            Compound.management_mode == "unmanaged",
            Compound.mode_since <= now - timedelta(days=UNMANAGED_TOO_LONG_DAYS))
        .order_by(Compound.mode_since, Compound.id)).all()
    items.unmanaged_too_long = [(c, (now - c.mode_since).days, proposed.get(c.id)) for c in unmanaged]
    items.renovation_late = late_projects(today)
    items.renovation_problems = problems_past_their_date(today)
    return items


def _with_compound(query, relation):
    """Joins the compound, its community and subdistrict, loaded with the rows (no N+1)."""
    if relation is None:
        return (query.join(Compound.community).join(Community.subdistrict)
                .options(contains_eager(Compound.community).contains_eager(Community.subdistrict)))
    return (query.join(relation).join(Compound.community).join(Community.subdistrict)
            .options(contains_eager(relation).contains_eager(Compound.community)
                     .contains_eager(Community.subdistrict)))


TREND_WEEKS = 12


def weekly_trend(month: Month, *, now: datetime) -> list:
    """(week, Health) for the 12 seven-day weeks that end on the month's last day (today in a month
    not yet over), oldest first: the chart of the report."""
    last = min(month.next.first_day - timedelta(days=1), local_today(now))
    weeks = [Period(last - timedelta(days=7 * i + 6), last - timedelta(days=7 * i))
             for i in reversed(range(TREND_WEEKS))]
    return list(zip(weeks, area_health_of(DaySplit(weeks[0].first, last, now), weeks), strict=True))


def monthly_report(month: Month, *, now: datetime) -> MonthlyReport:
    return MonthlyReport(month, figures(month, now=now), figures(month.previous, now=now), open_items(now=now), now,
                         weekly_trend(month, now=now))
