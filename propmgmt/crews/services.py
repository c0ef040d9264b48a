"""Forming crews and moving operators and compounds between them.

A move hands the future work on in one step (plans.transitions.reassign_tasks) and the plans with
it, so tasks generated later follow the new crew too. Each move has a preview (`*_preview`) computed
by the same conditions the move applies, so what the dispatcher confirms is what moves. Functions
flush, never commit.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..assignments.models import Assignment
from ..audit.services import record
from ..auth.models import User
from ..auth.roles import CREW_EDITORS
from ..auth.services import deactivate_user
from ..clock import local_to_utc, local_today
from ..compounds.models import Compound
from ..errors import Conflict, DomainError, Forbidden
from ..extensions import db
from ..orgs.models import Crew, Organisation, crew_compound
from ..plans.models import ServicePlan, Task
from ..plans.transitions import future_work, reassign_tasks


@dataclass
class Move:
    """What a move hands on: future tasks (how many, at which compounds), from whom to whom."""
    tasks: int
    compounds: list[str] = field(default_factory=list)
    giver: str = ""
    taker: str = ""
    plans: int = 0


def _require_editor(actor) -> None:
    if actor is None or actor.role not in CREW_EDITORS:
        raise Forbidden(_l("Only dispatchers form crews and move operators and compounds."))


def _clean(text: str | None, limit: int) -> str:
    return (text or "").strip()[:limit]


def _fallback_operator() -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.kind == "fallback_operator"))
    if org is None:
        raise DomainError(_l("The fallback operator is not in the registry yet."))
    return org


def _check_name(name: str, crew: Crew | None = None) -> str:
    name = _clean(name, 80)
    if not name:
        raise DomainError(_l("Give the crew a name."), field="name")
    taken = db.session.scalar(select(Crew.id).where(func.lower(Crew.name) == name.lower(),
                                                    Crew.id != (crew.id if crew else 0)))
    if taken:
        raise DomainError(_l("A crew named %(name)s exists already.", name=name), field="name")
    return name


def create_crew(actor, *, name: str, work_phone: str, now: datetime) -> Crew:
    _require_editor(actor)
    crew = Crew(organisation_id=_fallback_operator().id, name=_check_name(name), work_phone=_clean(work_phone, 30))
    try:
        with db.session.begin_nested():
            db.session.add(crew)
    except IntegrityError:
        raise Conflict(_l("A crew named %(name)s exists already.", name=crew.name))
    record(actor, "crew", crew.id, "crew_created", now=now, changes={"crew": [None, crew.name]})
    return crew


def update_crew(actor, crew: Crew, *, name: str, work_phone: str, leader_id: int | None, now: datetime) -> Crew:
    """Name, work phone (residents see it) and leader, who must be one of the crew's active operators."""
    _require_editor(actor)
    name = _check_name(name, crew)
    leader = None
    if leader_id:
        leader = db.session.get(User, leader_id)
        if leader is None or leader.crew_id != crew.id or not leader.active or leader.role != "operator":
            raise DomainError(_l("The leader must be one of the crew's active operators."), field="leader_id")
    before = {"crew": crew.name, "work_phone": crew.work_phone,
              "leader": crew.leader.full_label if crew.leader else None}
    crew.name, crew.work_phone, crew.leader_id = name, _clean(work_phone, 30), leader.id if leader else None
    db.session.flush()
    db.session.refresh(crew)
    after = {"crew": crew.name, "work_phone": crew.work_phone, "leader": leader.full_label if leader else None}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        record(actor, "crew", crew.id, "crew_changed", now=now, changes=changes)
    return crew


# -- operators ------------------------------------------------------------------------------------

def _operator(user: User | None) -> User:
    if user is None or user.role != "operator":
        raise DomainError(_l("Choose a field operator."), field="operator_id")
    return user


def _hand_to(hand_to_id: int | None, crew_id: int | None, leaving: User) -> User | None:
    """The member who takes a leaving operator's work; None: the crew takes it, with no one named."""
    if not hand_to_id:
        return None
    taker = db.session.get(User, hand_to_id)
    if taker is None or taker.id == leaving.id or taker.role != "operator" or not taker.active \
            or taker.crew_id != crew_id:
        raise DomainError(_l("Hand the work to another active member of the crew, or to the crew."),
                          field="hand_to_id")
    return taker


def _compound_names(*conditions) -> list[str]:
    return list(db.session.scalars(select(Compound.name).where(Compound.id.in_(
        select(Task.compound_id).where(*conditions))).order_by(Compound.name)))


def _count(*conditions) -> int:
    return db.session.scalar(select(func.count(Task.id)).where(*conditions)) or 0


def operator_move_preview(operator: User, *, hand_to_id: int | None, now: datetime) -> Move:
    """An operator leaving their crew (for another, or for good): their future tasks stay at their
    compounds and go to `hand_to` or to the crew the task belongs to."""
    _operator(operator)
    taker = _hand_to(hand_to_id, operator.crew_id, operator)
    mine = (*future_work(now), Task.assignee_id == operator.id)
    crew_name = operator.crew.name if operator.crew else str(_l("the crew"))
    return Move(tasks=_count(*mine), compounds=_compound_names(*mine), giver=operator.full_label,
                taker=taker.full_label if taker else str(_l("%(crew)s (no one named)", crew=crew_name)),
                plans=db.session.scalar(select(func.count(ServicePlan.id)).where(
                    ServicePlan.operator_id == operator.id, ServicePlan.status != "ended")) or 0)


def _may_join(operator: User, crew: Crew) -> None:
    if not operator.active:
        raise DomainError(_l("%(name)s is deactivated and cannot join a crew.", name=operator.full_label),
                          field="operator_id")
    if operator.crew_id == crew.id:
        raise DomainError(_l("%(name)s is a member of this crew already.", name=operator.full_label),
                          field="operator_id")


def joining_preview(operator: User | None, crew: Crew, *, now: datetime) -> Move:
    """What moves when `operator` joins `crew`, refused for the reasons move_operator refuses it."""
    _may_join(_operator(operator), crew)
    return operator_move_preview(operator, hand_to_id=None, now=now)


def move_operator(actor, operator: User, to_crew: Crew | None, *, hand_to_id: int | None, now: datetime) -> Move:
    """Moves an operator into `to_crew` (None: out of any crew). Their future tasks and plans are
    handed, in the same step, to `hand_to` (a member of the crew they leave) or to the tasks' crew."""
    _require_editor(actor)
    _operator(operator)
    if to_crew is not None:
        _may_join(operator, to_crew)
    move = operator_move_preview(operator, hand_to_id=hand_to_id, now=now)
    taker = _hand_to(hand_to_id, operator.crew_id, operator)
    previous = operator.crew
    if taker is not None:
        reassign_tasks(actor, Task.assignee_id == operator.id, assignee_id=taker.id, crew_id=taker.crew_id, now=now)
    else:
        for crew_id in db.session.scalars(select(Task.crew_id).distinct().where(
                *future_work(now), Task.assignee_id == operator.id)).all():
            same_crew = Task.crew_id.is_(None) if crew_id is None else Task.crew_id == crew_id
            reassign_tasks(actor, Task.assignee_id == operator.id, same_crew, assignee_id=None, crew_id=crew_id,
                           now=now)
    db.session.execute(update(ServicePlan).where(ServicePlan.operator_id == operator.id, ServicePlan.status != "ended")
                       .values(operator_id=taker.id if taker else None))
    if previous is not None and previous.leader_id == operator.id:
        previous.leader_id = None
    operator.crew_id = to_crew.id if to_crew else None
    db.session.flush()
    db.session.refresh(operator)
    changes = {"crew": [previous.name if previous else None, to_crew.name if to_crew else None]}
    if move.tasks:
        changes["operator"] = [move.giver, move.taker]
    record(actor, "user", operator.id, "operator_moved", now=now, changes=changes)
    return move


def future_tasks_of(operator: User, now: datetime) -> int:
    return _count(*future_work(now), Task.assignee_id == operator.id)


def deactivate_operator(actor, operator: User, *, now: datetime) -> User:
    """An operator who leaves: refused while future tasks are still theirs (hand them on first)."""
    _require_editor(actor)
    _operator(operator)
    if not operator.active:
        raise Conflict(_l("%(name)s is deactivated already.", name=operator.full_label))
    left = future_tasks_of(operator, now)
    if left:
        raise DomainError(_l("%(name)s still has %(n)d future tasks. Hand them to another member or to the crew "
                             "first; then deactivate.", name=operator.full_label, n=left), field="hand_to_id")
    crew = operator.crew
    if crew is not None and crew.leader_id == operator.id:
        crew.leader_id = None
    db.session.execute(update(ServicePlan).where(ServicePlan.operator_id == operator.id).values(operator_id=None))
    deactivate_user(operator)
    record(actor, "user", operator.id, "operator_deactivated", now=now, from_state="active", to_state="inactive")
    return operator


# -- compounds ------------------------------------------------------------------------------------

def serving_crews(compound_id: int) -> list[Crew]:
    return list(db.session.scalars(select(Crew).join(crew_compound, crew_compound.c.crew_id == Crew.id)
                                   .where(crew_compound.c.compound_id == compound_id).order_by(Crew.name)))


def _from_day(starts_on: date, now: datetime) -> datetime:
    return max(now, local_to_utc(starts_on, time()))


def _start_date(starts_on: date | None, now: datetime) -> date:
    if starts_on is None:
        raise DomainError(_l("Give the day the crew starts serving the compound."), field="starts_on")
    if starts_on < local_today(now):
        raise DomainError(_l("The start day cannot lie in the past: the work already done stays with who did it."),
                          field="starts_on")
    return starts_on


def compound_move_preview(crew: Crew, compound: Compound, *, starts_on: date | None, now: datetime) -> Move:
    """`crew` takes `compound` from `starts_on`: the compound's future tasks from that day on move to it."""
    starts_on = _start_date(starts_on, now)
    if crew.id in {c.id for c in serving_crews(compound.id)}:
        raise DomainError(_l("%(crew)s serves %(compound)s already.", crew=crew.name, compound=compound.name),
                          field="compound_id")
    theirs = (*future_work(now), Task.compound_id == compound.id, Task.window_start >= _from_day(starts_on, now))
    givers = [c.name for c in serving_crews(compound.id)]
    return Move(tasks=_count(*theirs), compounds=[compound.name], giver="、".join(givers) or "—", taker=crew.name,
                plans=db.session.scalar(select(func.count(ServicePlan.id)).where(
                    ServicePlan.compound_id == compound.id, ServicePlan.status != "ended")) or 0)


def assign_compound(actor, crew: Crew, compound: Compound, *, starts_on: date | None, now: datetime) -> Move:
    """The crew serves the compound from `starts_on`, in place of any crew that served it: its plans and
    active assignment name the crew (so later generation follows), its future tasks move to the crew
    with no one named (the leader deals them out)."""
    _require_editor(actor)
    move = compound_move_preview(crew, compound, starts_on=starts_on, now=now)
    before = serving_crews(compound.id)
    reassign_tasks(actor, Task.compound_id == compound.id, Task.window_start >= _from_day(starts_on, now),
                   assignee_id=None, crew_id=crew.id, now=now)
    plan_ids = list(db.session.scalars(select(ServicePlan.id).where(ServicePlan.compound_id == compound.id,
                                                                     ServicePlan.status != "ended")))
    if plan_ids:
        db.session.execute(update(ServicePlan).where(ServicePlan.id.in_(plan_ids))
                           .values(crew_id=crew.id, operator_id=None))
    db.session.execute(update(Assignment).where(Assignment.compound_id == compound.id,
                                                Assignment.status.in_(("proposed", "active")))
                       .values(crew_id=crew.id))
    db.session.execute(delete(crew_compound).where(crew_compound.c.compound_id == compound.id))
    db.session.execute(insert(crew_compound).values(crew_id=crew.id, compound_id=compound.id, starts_on=starts_on))
    db.session.flush()
    db.session.expire(crew, ["compounds"])
    for other in before:
        db.session.expire(other, ["compounds"])
    record(actor, "compound", compound.id, "compound_crew_changed", now=now, compound_id=compound.id,
           changes={"crew": ["、".join(c.name for c in before) or None, crew.name],
                    "starts_on": [None, starts_on.isoformat()]})
    return move


def compound_removal_preview(crew: Crew, compound: Compound, *, now: datetime) -> Move:
    others = [c for c in serving_crews(compound.id) if c.id != crew.id]
    if len(others) == len(serving_crews(compound.id)):
        raise DomainError(_l("%(crew)s does not serve %(compound)s.", crew=crew.name, compound=compound.name))
    ours = (*future_work(now), Task.compound_id == compound.id, Task.crew_id == crew.id)
    tasks = _count(*ours)
    if tasks and not others:
        raise DomainError(_l("%(compound)s has %(n)d scheduled tasks and no other crew serves it: assign it to "
                             "another crew instead (its tasks move with it).", compound=compound.name, n=tasks))
    return Move(tasks=tasks, compounds=[compound.name], giver=crew.name, taker=others[0].name if others else "—")


def remove_compound(actor, crew: Crew, compound: Compound, *, now: datetime) -> Move:
    """The crew stops serving the compound; its future tasks there go to the other crew that serves it.
    Refused when no other crew does and tasks are scheduled (assign_compound moves it instead)."""
    _require_editor(actor)
    move = compound_removal_preview(crew, compound, now=now)
    others = [c for c in serving_crews(compound.id) if c.id != crew.id]
    if others:
        reassign_tasks(actor, Task.compound_id == compound.id, Task.crew_id == crew.id, assignee_id=None,
                       crew_id=others[0].id, now=now)
    db.session.execute(update(ServicePlan).where(ServicePlan.compound_id == compound.id,
                                                 ServicePlan.crew_id == crew.id)
                       .values(crew_id=others[0].id if others else None, operator_id=None))
    db.session.execute(delete(crew_compound).where(crew_compound.c.compound_id == compound.id,
                                                   crew_compound.c.crew_id == crew.id))
    db.session.flush()
    db.session.expire(crew, ["compounds"])
    record(actor, "compound", compound.id, "compound_crew_removed", now=now, compound_id=compound.id,
           changes={"crew": [crew.name, others[0].name if others else None]})
    return move
