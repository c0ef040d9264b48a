"""Read models of the assessment: the policy in force, spot checks and rectifications for pages."""
from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..clock import local_today
from ..compounds.models import Compound
from ..extensions import db
from .models import AssessmentPolicy, Rectification, SpotCheck, SpotCheckItem
from .months import month_bounds, month_start


def policy_row_for(when: date | datetime) -> AssessmentPolicy | None:
    """The version that judges the month of `when` (a day, or an instant read in local time)."""
    day = local_today(when) if isinstance(when, datetime) else when
    return db.session.scalar(select(AssessmentPolicy).where(AssessmentPolicy.effective_month <= month_start(day))
                             .order_by(AssessmentPolicy.effective_month.desc(), AssessmentPolicy.version.desc())
                             .limit(1))


def policy_versions() -> list[AssessmentPolicy]:
    return list(db.session.scalars(select(AssessmentPolicy).options(joinedload(AssessmentPolicy.created_by))
                                   .order_by(AssessmentPolicy.version.desc())))


def spot_findings(month: date, compound_ids=None) -> list[tuple[int, int, str, int]]:
    """(compound id, check id, item code, defects) of the month's checks (by the device's check-in time)."""
    start, end = month_bounds(month)
    query = (select(SpotCheck.compound_id, SpotCheck.id, SpotCheckItem.item_code, SpotCheckItem.defects)
             .join(SpotCheckItem, SpotCheckItem.check_id == SpotCheck.id)
             .where(SpotCheck.checked_at >= start, SpotCheck.checked_at < end))
    if compound_ids is not None:
        query = query.where(SpotCheck.compound_id.in_(compound_ids))
    return list(db.session.execute(query.order_by(SpotCheck.id)).all())


def unfixed_condition(month: date):
    """A rectification whose deadline fell in the month and that was not reported fixed by it."""
    start, end = month_bounds(month)
    return and_(Rectification.deadline >= start, Rectification.deadline < end,
                or_(Rectification.fixed_at.is_(None), Rectification.fixed_at > Rectification.deadline))


def unfixed_counts(month: date, now: datetime, compound_ids=None) -> dict[int, int]:
    """compound id -> rectifications not fixed by their deadline in the month (only deadlines passed by now)."""
    query = (select(Rectification.compound_id, func.count(Rectification.id))
             .where(unfixed_condition(month), Rectification.deadline <= now).group_by(Rectification.compound_id))
    if compound_ids is not None:
        query = query.where(Rectification.compound_id.in_(compound_ids))
    return dict(db.session.execute(query).all())


def checks_of_compound(compound_id: int, month: date) -> list[SpotCheck]:
    start, end = month_bounds(month)
    return list(db.session.scalars(
        select(SpotCheck).options(joinedload(SpotCheck.inspector), selectinload(SpotCheck.items)
                                  .selectinload(SpotCheckItem.photos))
        .where(SpotCheck.compound_id == compound_id, SpotCheck.checked_at >= start, SpotCheck.checked_at < end)
        .order_by(SpotCheck.checked_at)))


def recent_checks(limit: int = 50, inspector_id: int | None = None) -> list[SpotCheck]:
    query = select(SpotCheck).options(joinedload(SpotCheck.compound), joinedload(SpotCheck.inspector),
                                      selectinload(SpotCheck.items))
    if inspector_id is not None:
        query = query.where(SpotCheck.inspector_id == inspector_id)
    return list(db.session.scalars(query.order_by(SpotCheck.checked_at.desc(), SpotCheck.id.desc()).limit(limit)))


def rectifications(*, status: str | None = None, crew_id: int | None = None, compound_id: int | None = None):
    """The rectifications that match, open ones by deadline first (a statement to page or limit)."""
    conditions = []
    if status:
        conditions.append(Rectification.status == status)
    if crew_id is not None:
        conditions.append(Rectification.crew_id == crew_id)
    if compound_id is not None:
        conditions.append(Rectification.compound_id == compound_id)
    return (select(Rectification).options(joinedload(Rectification.compound), joinedload(Rectification.check_item)
                                          .selectinload(SpotCheckItem.photos))
            .where(*conditions).order_by(Rectification.status != "open", Rectification.deadline, Rectification.id))


def open_for_crew(crew_id: int | None) -> list[Rectification]:
    """What the operator's day shows: the crew's rectifications still to fix, soonest deadline first."""
    if crew_id is None:
        return []
    return list(db.session.scalars(select(Rectification).options(joinedload(Rectification.compound))
                                   .where(Rectification.status == "open", Rectification.crew_id == crew_id)
                                   .order_by(Rectification.deadline, Rectification.id).limit(20)))


def compounds_to_check(inspector_id: int, month: date, limit: int = 20) -> list[tuple[Compound, datetime | None]]:
    """The compounds an inspector is likely to check next, with their last check: the fallback operator's,
    those on this inspector's beat (checked by them before) first, then the ones checked longest ago
    (never first). The phone keeps their forms for use without signal."""
    start, _end = month_bounds(month)
    last = func.max(SpotCheck.checked_at)
    mine = func.max(case((SpotCheck.inspector_id == inspector_id, 1), else_=0))
    this_month = func.max(case((SpotCheck.checked_at >= start, 1), else_=0))
    rows = db.session.execute(
        select(Compound, last).outerjoin(SpotCheck, SpotCheck.compound_id == Compound.id)
        .where(Compound.management_mode == "fallback").group_by(Compound.id)
        .order_by(func.coalesce(this_month, 0), func.coalesce(mine, 0).desc(), last.is_not(None), last, Compound.name)
        .limit(limit)).all()
    return [(compound, checked) for compound, checked in rows]
