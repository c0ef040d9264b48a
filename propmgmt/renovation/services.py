"""Renovation projects: create and change them, move them stage by stage, report monthly progress.

A project's stage decides its compounds' renovation status in the register: every change here
writes it in the same transaction (rules.compound_status), so the register, the handover
readiness and the pipeline agree. Functions flush, never commit.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..auth.models import User
from ..auth.roles import RENOVATION_EDITORS, RESPONSIBLE_LEADERS
from ..clock import to_local
from ..compounds.models import Compound
from ..errors import Conflict, DomainError, Forbidden
from ..extensions import db
from .models import (
    FUNDING_SOURCES,
    PROJECT_TIERS,
    ContentItem,
    Funding,
    Problem,
    ProgressEntry,
    Project,
    TeamMember,
    project_compound,
)
from .rules import BUILDING_STAGES, DATED_STAGES, NEXT_STAGE, compound_status, dates_out_of_order, missing_for

MAX_FEN = 10**15  # ten thousand billion 元: more is a typing error
# The content list a district starts with (migration 0018r writes the same); officials keep it after.
STARTING_ITEMS = ("拆除违建", "整修道路", "外墙", "管线", "立面",
                  "口袋公园", "智能门禁", "视频监控", "停车管理", "引入物业")


@dataclass
class ProjectData:
    """What the project form gives: the plan of a project, everything but its stage and actual dates."""

    name: str
    tier: str
    compound_ids: list[int]
    item_ids: list[int] = field(default_factory=list)
    funding: dict[str, int] = field(default_factory=dict)  # source -> fen
    leader_id: int | None = None
    team: list[tuple[int, str]] = field(default_factory=list)  # (user id, duty)
    contractor: str = ""
    planned: dict[str, date | None] = field(default_factory=dict)  # stage -> planned date
    note: str = ""


def _require_editor(actor) -> None:
    if actor is None or actor.role not in RENOVATION_EDITORS:
        raise Forbidden(_l("Only officials may change renovation projects."))


def _active_user(user_id: int, roles, message, field_name: str) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.active or (roles and user.role not in roles):
        raise DomainError(message, field=field_name)
    return user


def _checked(data: ProjectData, project: Project | None = None) -> tuple[list[Compound], list[ContentItem]]:
    """Refuses a plan that cannot be: no compound, negative money, dates out of order, unknown people."""
    if not data.name.strip():
        raise DomainError(_l("Give the project a name."), field="name")
    if data.tier not in PROJECT_TIERS:
        raise DomainError(_l("Choose the tier."), field="tier")
    compounds = db.session.scalars(select(Compound).where(Compound.id.in_(set(data.compound_ids)))).all()
    if not compounds or len(compounds) != len(set(data.compound_ids)):
        raise DomainError(_l("A project covers at least one compound of the register."), field="compound_ids")
    items = db.session.scalars(select(ContentItem).where(ContentItem.id.in_(set(data.item_ids)))).all()
    kept = {i.id for i in project.items} if project else set()
    if len(items) != len(set(data.item_ids)) or any(not i.active and i.id not in kept for i in items):
        raise DomainError(_l("Choose the content from the list."), field="item_ids")
    for source, fen in data.funding.items():
        if source not in FUNDING_SOURCES:
            raise DomainError(_l("Unknown funding source."), field="funding")
        if fen is None or fen < 0:
            raise DomainError(_l("A budget amount cannot be negative."), field=f"fund_{source}")
        if fen > MAX_FEN:
            raise DomainError(_l("The amount is too large."), field=f"fund_{source}")
    if data.leader_id:
        _active_user(data.leader_id, RESPONSIBLE_LEADERS,
                     _l("The responsible leader must be an active official."), "leader_id")
    seen = set()
    for user_id, _duty in data.team:
        if user_id in seen:
            raise DomainError(_l("Each team member appears once."), field="team")
        seen.add(user_id)
        _active_user(user_id, None, _l("A team member must be an active user."), "team")
    wrong = dates_out_of_order(data.planned)
    if wrong:
        raise DomainError(_l("The planned dates must follow the order of the stages."), field=f"planned_{wrong}")
    return compounds, items


def _apply(project: Project, data: ProjectData, compounds, items) -> None:
    project.name, project.tier = data.name.strip(), data.tier
    project.leader_id = data.leader_id or None
    project.contractor, project.note = data.contractor.strip(), data.note.strip()
    project.compounds, project.items = list(compounds), list(items)
    for stage in DATED_STAGES:
        setattr(project, f"planned_{stage}_on", data.planned.get(stage))
    amounts = {source: fen for source, fen in data.funding.items() if fen}
    project.funding = [f for f in project.funding if f.source in amounts]
    for f in project.funding:
        f.amount_fen = amounts.pop(f.source)
    project.funding.extend(Funding(source=s, amount_fen=fen) for s, fen in amounts.items())
    duties = dict(data.team)
    project.team = [m for m in project.team if m.user_id in duties]
    for m in project.team:
        m.duty = duties.pop(m.user_id).strip()
    project.team.extend(TeamMember(user_id=u, duty=d.strip()) for u, d in duties.items())


def _snapshot(project: Project) -> dict:
    """The plan in the words the timeline shows (names, 元), keyed by compounds.labels.FIELD_LABELS."""
    from .labels import yuan
    leader = db.session.get(User, project.leader_id) if project.leader_id else None
    return {"project_name": project.name, "renovation_tier": project.tier,
            "leader": leader.label if leader else "", "contractor": project.contractor,
            "budget": yuan(project.budget_fen), "compounds": "、".join(sorted(c.name for c in project.compounds)),
            "content": "、".join(i.name for i in project.items),
            **{f"planned_{s}_on": str(project.planned_on(s) or "") for s in DATED_STAGES}}


def _record(actor, project: Project, action: str, *, now: datetime, compound_ids=None, **details) -> None:
    """One audit entry per compound, so each compound's timeline shows its projects."""
    for compound_id in compound_ids or [c.id for c in project.compounds]:
        record(actor, "renovation_project", project.id, action, now=now, compound_id=compound_id, **details)


def sync_compounds(compound_ids) -> dict[int, tuple]:
    """Writes each compound's renovation status, tier and completion date from all its projects.

    Projects in reserve only set a compound that the register knows no works of.

    Returns {compound id: (old status, new status)} for the compounds whose status changed.
    """
    ids = sorted(set(compound_ids))
    if not ids:
        return {}
    db.session.flush()
    projects: dict[int, list[Project]] = {i: [] for i in ids}
    rows = db.session.execute(select(project_compound.c.compound_id, Project)
                              .join(Project, Project.id == project_compound.c.project_id)
                              .where(project_compound.c.compound_id.in_(ids))).all()
    for compound_id, project in rows:
        projects[compound_id].append(project)
    changed = {}
    for compound in db.session.scalars(select(Compound).where(Compound.id.in_(ids))):
        derived = compound_status(projects[compound.id])
        if derived is None:
            continue  # no project (any more): the register keeps what it says
        status, tier, completed_on = derived
        if status == "reserve" and compound.renovation_status not in (None, "reserve"):
            continue  # a plan in reserve does not undo works the register already knows of
        if compound.renovation_status != status:
            changed[compound.id] = (compound.renovation_status, status)
        compound.renovation_status, compound.renovation_tier = status, tier
        compound.renovation_completed_on = completed_on
    db.session.flush()
    return changed


def create_project(actor, data: ProjectData, *, now: datetime) -> Project:
    _require_editor(actor)
    compounds, items = _checked(data)
    project = Project(stage="reserve", stage_entered_at=now, created_at=now, updated_at=now)
    _apply(project, data, compounds, items)
    db.session.add(project)
    db.session.flush()
    changed = sync_compounds(c.id for c in compounds)
    for compound in compounds:
        record(actor, "renovation_project", project.id, "renovation_project_created", now=now,
               compound_id=compound.id, to_state="reserve",
               changes={"renovation_status": list(changed[compound.id])} if compound.id in changed else None)
    return project


def update_project(actor, project: Project, data: ProjectData, *, now: datetime) -> Project:
    _require_editor(actor)
    compounds, items = _checked(data, project)
    before = _snapshot(project)
    previous = {c.id for c in project.compounds}
    _apply(project, data, compounds, items)
    project.updated_at = now
    after = _snapshot(project)
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if not changes:
        return project
    touched = previous | {c.id for c in compounds}
    sync_compounds(touched)
    _record(actor, project, "renovation_project_changed", now=now, compound_ids=sorted(touched), changes=changes)
    return project


def advance_stage(actor, project: Project, *, to_stage: str, on: date | None, now: datetime) -> Project:
    """Into the next stage (never skipping one) on the day it happened, when the stage's conditions hold."""
    _require_editor(actor)
    from .labels import STAGE_LABELS
    expected = NEXT_STAGE.get(project.stage)
    if expected is None:
        raise Conflict(_l("This project has been accepted; it has no further stage."))
    if to_stage != expected:
        raise DomainError(_l("Stages cannot be skipped: the next stage is “%(stage)s”.",
                             stage=STAGE_LABELS[expected]), field="to_stage")
    today = to_local(now).date()
    if on is None:
        raise DomainError(_l("Give the day the project entered this stage."), field="on")
    if on > today:
        raise DomainError(_l("The day cannot be in the future."), field="on")
    earlier = [project.actual_on(s) for s in DATED_STAGES[:DATED_STAGES.index(to_stage)] if project.actual_on(s)]
    if earlier and on < max(earlier):
        raise DomainError(_l("The day cannot come before the previous stage's (%(day)s).",
                             day=max(earlier).isoformat()), field="on")
    missing = missing_for(project, to_stage)
    if missing:
        raise DomainError(" ".join(str(m) for m in missing), field="to_stage")
    previous = project.stage
    won = db.session.execute(update(Project).where(Project.id == project.id, Project.stage == previous)
                             .values({"stage": to_stage, "stage_entered_at": now, "updated_at": now,
                                      f"actual_{to_stage}_on": on})).rowcount
    if not won:
        raise Conflict(_l("The project changed meanwhile; reload and try again."))
    db.session.refresh(project)
    changed = sync_compounds(c.id for c in project.compounds)
    for compound in project.compounds:
        record(actor, "renovation_project", project.id, "renovation_stage", now=now, compound_id=compound.id,
               from_state=previous, to_state=to_stage,
               changes={"renovation_status": list(changed[compound.id])} if compound.id in changed else None)
    return project


@dataclass
class ProblemData:
    description: str
    solver: str = ""
    solve_by: date | None = None


def record_progress(actor, project: Project, *, month: date, percent: int, done: str,
                    problems: list[ProblemData], now: datetime) -> ProgressEntry:
    """The month's progress of a project that is being built: one entry a month, never going back."""
    _require_editor(actor)
    if project.stage not in BUILDING_STAGES:
        raise Conflict(_l("Monthly progress is reported while the project is being built."))
    month = month.replace(day=1)
    today = to_local(now).date()
    if month > today:
        raise DomainError(_l("The month cannot be in the future."), field="month")
    if percent is None or not 0 <= percent <= 100:
        raise DomainError(_l("The progress is a percentage from 0 to 100."), field="percent")
    if any(e.month == month for e in project.progress):
        raise DomainError(_l("The progress of %(month)s is already recorded.", month=month.strftime("%Y-%m")),
                          field="month")
    earlier = [e for e in project.progress if e.month < month]
    if earlier and percent < max(e.percent for e in earlier):
        raise DomainError(_l("The progress cannot be lower than an earlier month's (%(percent)s%%).",
                             percent=max(e.percent for e in earlier)), field="percent")
    for problem in problems:
        if not problem.description.strip():
            continue
        if not problem.solver.strip() or problem.solve_by is None:
            raise DomainError(_l("Say who solves the problem and by when."), field="solver")
    entry = ProgressEntry(project_id=project.id, month=month, percent=percent, done=done.strip(),
                          recorded_by_id=actor.id, recorded_at=now)
    entry.problems = [Problem(description=p.description.strip(), solver=p.solver.strip(), solve_by=p.solve_by)
                      for p in problems if p.description.strip()]
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:  # the same month, recorded by someone else meanwhile
        raise Conflict(_l("The progress of %(month)s is already recorded.", month=month.strftime("%Y-%m")))
    db.session.expire(project, ["progress"])  # read again, newest month first
    _record(actor, project, "renovation_progress", now=now,
            changes={"percent": [None, percent], "problems": [None, len(entry.problems)]})
    return entry


def solve_problem(actor, problem: Problem, *, on: date | None, now: datetime) -> Problem:
    _require_editor(actor)
    if problem.solved_on is not None:
        raise Conflict(_l("This problem is already solved."))
    today = to_local(now).date()
    problem.solved_on = min(on or today, today)
    db.session.flush()
    _record(actor, problem.entry.project, "renovation_problem_solved", now=now, reason=problem.description[:200])
    return problem


def add_content_item(actor, name: str, *, now: datetime) -> ContentItem:
    _require_editor(actor)
    name = name.strip()
    if not name:
        raise DomainError(_l("Give the item a name."), field="name")
    if db.session.scalar(select(ContentItem.id).where(ContentItem.name == name)):
        raise DomainError(_l("“%(name)s” is already on the list.", name=name), field="name")
    position = (db.session.scalar(select(db.func.max(ContentItem.position))) or 0) + 1
    item = ContentItem(name=name, active=True, position=position)
    db.session.add(item)
    db.session.flush()
    record(actor, "renovation_content_item", item.id, "renovation_item_added", now=now, reason=name)
    return item


def ensure_content_items() -> None:
    """The starting list, when the list is empty (a database emptied by `seed-demo --reset`)."""
    if db.session.scalar(select(ContentItem.id).limit(1)) is None:
        db.session.add_all(ContentItem(name=name, active=True, position=i) for i, name in enumerate(STARTING_ITEMS))
        db.session.flush()


def set_content_item_active(actor, item: ContentItem, active: bool, *, now: datetime) -> ContentItem:
    """An item taken off the list stays on the projects that have it; new projects cannot choose it."""
    _require_editor(actor)
    if item.active != active:
        item.active = active
        db.session.flush()
        record(actor, "renovation_content_item", item.id,
               "renovation_item_restored" if active else "renovation_item_withdrawn", now=now, reason=item.name)
    return item
