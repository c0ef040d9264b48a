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


# The page and the PDF list the most urgent open items of each kind, with how many there are; the
# ledger (.xlsx) lists them all. 20 rows a kind keep the city's report page under 100 KB and its PDF a
# few pages long, where the whole lists (over 600 compounds unmanaged too long) ran to 43 pages.
REPORT_TOP = 20
TOPICS = ("assignments_past_review", "handovers_stuck", "complaints_overdue", "unmanaged_too_long",
          "awaiting_decision", "renovation_late", "renovation_problems")


@dataclass
class OpenItems:
    """The open items, each list the most urgent first: all of them, or the first `top` (see totals)."""
    assignments_past_review: list = field(default_factory=list)  # Assignment
    handovers_stuck: list = field(default_factory=list)  # handovers.queries.PipelineRow
    complaints_overdue: list = field(default_factory=list)  # (Complaint, leader or None)
    unmanaged_too_long: list = field(default_factory=list)  # (Compound, days, proposed Assignment or None)
    awaiting_decision: list = field(default_factory=list)  # proposed Assignment
    renovation_late: list = field(default_factory=list)  # renovation Project past a planned date
    renovation_problems: list = field(default_factory=list)  # (renovation Problem, Project) past its date
    top: int | None = None  # None: the lists are complete
    totals: dict = field(default_factory=dict)  # topic -> how many there are (the lists may hold fewer)
    without_proposal: int = 0  # compounds unmanaged too long that nobody has yet proposed fallback service for
    leaderless: int = 0  # overdue complaints at compounds with no responsible leader, stuck handovers with no owner

    def total(self, topic: str) -> int:
        return self.totals.get(topic, len(getattr(self, topic)))

    def is_cut(self, topic: str) -> bool:
        return self.total(topic) > len(getattr(self, topic))

    @property
    def is_complete(self) -> bool:
        return not any(self.is_cut(topic) for topic in TOPICS)

    @property
    def count(self) -> int:
        return sum(self.total(topic) for topic in TOPICS if topic != "awaiting_decision")


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


def _listed(query, top: int | None) -> tuple[list, int]:
    """(the rows of `query`, the first `top` of them when given; how many there are)."""
    if top is None:
        rows = db.session.execute(query).unique().all()
        return rows, len(rows)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return db.session.execute(query.limit(top)).unique().all(), total


def open_items(*, now: datetime, top: int | None = None) -> OpenItems:
    """What is open now, each kind the most urgent first; with `top`, only that many of each kind are
    loaded and the counts come from SQL, so the page costs the same whatever the backlog."""
    today = local_today(now)
    items = OpenItems(top=top)
    past_review, items.totals["assignments_past_review"] = _listed(
        _with_compound(select(Assignment), Assignment.compound).options(joinedload(Assignment.responsible_leader))
        .where(Assignment.status == "active", Assignment.review_date < today)
        .order_by(Assignment.review_date, Assignment.id), top)
    items.assignments_past_review = [a for a, in past_review]
    stuck = [row for row in pipeline(now=now)[1] if row.stuck]
    items.handovers_stuck, items.totals["handovers_stuck"] = stuck[:top], len(stuck)
    leaders = (select(Assignment.compound_id, Assignment.responsible_leader_id)
               .where(Assignment.status.in_(("proposed", "active"))).subquery())
    # A hotline case not yet matched to a compound is still late: an outer join keeps it.
    overdue = (Complaint.status.in_(OPEN_COMPLAINTS), Complaint.resolve_due_at < now)
    complaints, items.totals["complaints_overdue"] = _listed(
        select(Complaint, User).options(joinedload(Complaint.compound).joinedload(Compound.community)
                                        .joinedload(Community.subdistrict))
        .outerjoin(leaders, leaders.c.compound_id == Complaint.compound_id)
        .outerjoin(User, User.id == leaders.c.responsible_leader_id)
        .where(*overdue).order_by(Complaint.resolve_due_at, Complaint.id), top)
    items.complaints_overdue = [(c, leader) for c, leader in complaints]
    proposed_query = (_with_compound(select(Assignment), Assignment.compound)
                      .options(joinedload(Assignment.responsible_leader))
                      .where(Assignment.status == "proposed").order_by(Assignment.proposed_at, Assignment.id))
    proposals, items.totals["awaiting_decision"] = _listed(proposed_query, top)
    items.awaiting_decision = [a for a, in proposals]
    too_long = (Compound.management_mode == "unmanaged",
                Compound.mode_since <= now - timedelta(days=UNMANAGED_TOO_LONG_DAYS))
    unmanaged, items.totals["unmanaged_too_long"] = _listed(
        _with_compound(select(Compound), None).where(*too_long).order_by(Compound.mode_since, Compound.id), top)
    unmanaged = [c for c, in unmanaged]
    proposed = {a.compound_id: a for a in items.awaiting_decision}
    if top is not None:  # the proposals of the compounds listed, whichever of them are among the first
        proposed = {a.compound_id: a for a in db.session.scalars(proposed_query.where(
            Assignment.compound_id.in_([c.id for c in unmanaged])))}
    items.unmanaged_too_long = [(c, (now - c.mode_since).days, proposed.get(c.id)) for c in unmanaged]
    is_proposed = select(Assignment.id).where(Assignment.compound_id == Compound.id, Assignment.status == "proposed")
    items.without_proposal = db.session.scalar(
        select(func.count()).select_from(Compound).where(*too_long, ~is_proposed.exists()))
    items.leaderless = (db.session.scalar(
        select(func.count()).select_from(Complaint).outerjoin(leaders, leaders.c.compound_id == Complaint.compound_id)
        .where(*overdue, leaders.c.responsible_leader_id.is_(None)))
        + sum(1 for row in stuck if row.handover.stage_owner is None))
    late, problems = late_projects(today), problems_past_their_date(today)
    items.renovation_late, items.totals["renovation_late"] = late[:top], len(late)
    items.renovation_problems, items.totals["renovation_problems"] = problems[:top], len(problems)
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


def monthly_report(month: Month, *, now: datetime, top: int | None = None) -> MonthlyReport:
    """The month's report; its open items complete (the ledger) or the first `top` of each kind (page, PDF)."""
    return MonthlyReport(month, figures(month, now=now), figures(month.previous, now=now),
                         open_items(now=now, top=top), now, weekly_trend(month, now=now))
