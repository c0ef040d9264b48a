"""Whose tasks are whose: the SQL condition the operator's pages filter with (mine) and the check of one loaded
task (is_mine) must say the same of every task, or a task shows in a list and then refuses its operator."""
import itertools

from sqlalchemy import select

from propmgmt.field.queries import is_mine, mine
from propmgmt.plans.models import Task

from ..factories import ComplaintFactory, CompoundFactory, CrewFactory, TaskFactory, UserFactory


def test_mine_and_is_mine_agree_on_every_task(db):
    north, south = CrewFactory(), CrewFactory()
    operators = [UserFactory(role="operator", crew=north), UserFactory(role="operator", crew=north),
                 UserFactory(role="operator", crew=south), UserFactory(role="operator", crew=None)]
    compound = CompoundFactory(management_mode="fallback")
    tasks = []
    for crew, assignee, for_case in itertools.product((None, north, south), (None, *operators), (False, True)):
        tasks.append(TaskFactory(compound=compound, crew_id=crew and crew.id, assignee_id=assignee and assignee.id,
                                 complaint_id=ComplaintFactory(compound=compound).id if for_case else None))
    db.session.flush()
    ids = [t.id for t in tasks]
    for user in operators:
        selected = set(db.session.scalars(select(Task.id).where(Task.id.in_(ids), mine(user))))
        assert selected == {t.id for t in tasks if is_mine(t, user)}, user.username
        # What each says, spelled out: the operator's own, and their crew's that nobody in it has taken.
        assert selected == {t.id for t in tasks if t.assignee_id == user.id
                            or (t.assignee_id is None and user.crew_id and t.crew_id == user.crew_id)}
    counts = [len(set(db.session.scalars(select(Task.id).where(Task.id.in_(ids), mine(u))))) for u in operators]
    # Their own 6 (under either crew or none, a plan's and a case's), and their crew's 2 that nobody has taken.
    assert counts == [8, 8, 8, 6]
