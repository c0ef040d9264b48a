"""Read models of renovation: the pipeline's figures, the project list, one project, the ledger."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..compounds.models import Community, Compound, Subdistrict
from ..extensions import db
from .models import PROJECT_STAGES, Funding, Problem, ProgressEntry, Project, TeamMember, project_compound
from .rules import NEXT_STAGE


def next_planned_expression():
    """rules.next_planned_on in SQL."""
    return case(*[(Project.stage == stage, getattr(Project, f"planned_{following}_on"))
                  for stage, following in NEXT_STAGE.items()], else_=None)


def late_expression(today: date):
    """rules.is_late in SQL."""
    planned = next_planned_expression()
    return and_(planned.is_not(None), planned < today)


def budget_subquery():
    return (select(Funding.project_id, func.sum(Funding.amount_fen).label("fen"))
            .group_by(Funding.project_id).subquery())


@dataclass
class PipelineFilter:
    stage: str | None = None
    tier: str | None = None
    subdistrict_id: int | None = None
    late: bool = False
    q: str | None = None


def _filtered(query, f: PipelineFilter, today: date):
    if f.stage:
        query = query.where(Project.stage == f.stage)
    if f.tier:
        query = query.where(Project.tier == f.tier)
    if f.late:
        query = query.where(late_expression(today))
    if f.subdistrict_id:
        query = query.where(exists(select(project_compound.c.project_id)
                                   .join(Compound, Compound.id == project_compound.c.compound_id)
                                   .join(Community, Community.id == Compound.community_id)
                                   .where(project_compound.c.project_id == Project.id,
                                          Community.subdistrict_id == f.subdistrict_id)))
    if f.q:
        pattern = f"%{f.q}%"
        query = query.where(or_(Project.name.ilike(pattern), Project.contractor.ilike(pattern),
                                exists(select(project_compound.c.project_id)
                                       .join(Compound, Compound.id == project_compound.c.compound_id)
                                       .where(project_compound.c.project_id == Project.id,
                                              Compound.name.ilike(pattern)))))
    return query


def project_query(f: PipelineFilter, today: date):
    """The projects of the filter, late ones first, then by the next planned date (for db.paginate)."""
    late = late_expression(today)
    query = (select(Project).options(joinedload(Project.leader), selectinload(Project.compounds)
                                     .joinedload(Compound.community).joinedload(Community.subdistrict),
                                     selectinload(Project.funding))
             .order_by(case((late, 0), else_=1), next_planned_expression().is_(None),
                       next_planned_expression(), Project.name, Project.id))
    return _filtered(query, f, today)


@dataclass
class Figures:
    """Count of projects and their budget in fen, per stage, per tier and per subdistrict; late ones."""

    by_stage: dict
    by_tier: dict
    by_subdistrict: list  # (id, name, count, fen)
    total: tuple  # (count, fen)
    late: int


def figures(f: PipelineFilter, today: date) -> Figures:
    """The pipeline's sums for the filter (4 statements). A project over compounds of two subdistricts
    counts in each of them, so the subdistricts' rows can add up to more than the total."""
    budget = budget_subquery()
    fen = func.coalesce(func.sum(func.coalesce(budget.c.fen, 0)), 0)
    base = _filtered(select(Project.id).outerjoin(budget, budget.c.project_id == Project.id), f, today)

    def grouped(column):
        query = _filtered(select(column, func.count(Project.id), fen)
                          .outerjoin(budget, budget.c.project_id == Project.id), f, today).group_by(column)
        return {key: (count, int(total)) for key, count, total in db.session.execute(query)}

    by_stage, by_tier = grouped(Project.stage), grouped(Project.tier)
    pairs = (select(project_compound.c.project_id, Community.subdistrict_id).distinct()
             .join(Compound, Compound.id == project_compound.c.compound_id)
             .join(Community, Community.id == Compound.community_id)
             .where(project_compound.c.project_id.in_(base)).subquery())
    by_subdistrict = db.session.execute(
        select(Subdistrict.id, Subdistrict.name, func.count(pairs.c.project_id),
               func.coalesce(func.sum(func.coalesce(budget.c.fen, 0)), 0))
        .join(pairs, pairs.c.subdistrict_id == Subdistrict.id)
        .outerjoin(budget, budget.c.project_id == pairs.c.project_id)
        .group_by(Subdistrict.id, Subdistrict.name).order_by(Subdistrict.name)).all()
    late = db.session.scalar(_filtered(select(func.count(Project.id)), f, today).where(late_expression(today)))
    total = (sum(c for c, _ in by_stage.values()), sum(t for _, t in by_stage.values()))
    return Figures({s: by_stage.get(s, (0, 0)) for s in PROJECT_STAGES}, by_tier,
                   [(i, n, c, int(t)) for i, n, c, t in by_subdistrict], total, late)


def project_detail(project_id: int) -> Project | None:
    return db.session.scalar(select(Project).options(
        joinedload(Project.leader), selectinload(Project.compounds).joinedload(Compound.community)
        .joinedload(Community.subdistrict), selectinload(Project.items), selectinload(Project.funding),
        selectinload(Project.team).joinedload(TeamMember.user),
        selectinload(Project.progress).selectinload(ProgressEntry.problems))
        .where(Project.id == project_id))


def overdue_problems(project: Project, today: date) -> list[Problem]:
    return [p for e in project.progress for p in e.problems
            if p.solved_on is None and p.solve_by is not None and p.solve_by < today]


def compound_projects(compound_id: int) -> list[Project]:
    """A compound's projects, newest first (its page links to them)."""
    return db.session.scalars(select(Project).join(project_compound, project_compound.c.project_id == Project.id)
                              .where(project_compound.c.compound_id == compound_id)
                              .order_by(Project.created_at.desc())).all()


def started_and_completed(first: date, last: date) -> tuple[int, int]:
    """Projects that entered 新开工, and that reached 竣工, from `first` to `last` (exclusive)."""
    started, completed = db.session.execute(select(
        func.sum(case(((Project.actual_new_start_on >= first) & (Project.actual_new_start_on < last), 1), else_=0)),
        func.sum(case(((Project.actual_completed_on >= first) & (Project.actual_completed_on < last), 1), else_=0)),
    )).one()
    return int(started or 0), int(completed or 0)


def late_projects(today: date) -> list[Project]:
    """Projects whose next planned date has passed, with their leader, the longest overdue first."""
    return db.session.scalars(select(Project).options(joinedload(Project.leader), selectinload(Project.compounds))
                              .where(late_expression(today))
                              .order_by(next_planned_expression(), Project.name, Project.id)).all()


def problems_past_their_date(today: date) -> list[tuple[Problem, Project]]:
    """Unsolved problems of the monthly progress past the date they were to be solved by, with the project."""
    return [tuple(row) for row in db.session.execute(
        select(Problem, Project).join(ProgressEntry, ProgressEntry.id == Problem.entry_id)
        .join(Project, Project.id == ProgressEntry.project_id).options(joinedload(Project.leader))
        .where(Problem.solved_on.is_(None), Problem.solve_by < today)
        .order_by(Problem.solve_by, Problem.id)).all()]
