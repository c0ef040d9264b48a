"""Two dispatchers dispatch the same case at once, and two ratings arrive at once: one wins.

These tests commit (each thread has its own connection), so they clean the database after.
"""
import pytest
from sqlalchemy import func, select

from propmgmt.clock import utcnow
from propmgmt.complaints import services
from propmgmt.complaints.models import Complaint
from propmgmt.extensions import db
from propmgmt.plans.models import Task

from ..concurrency import race, wipe
from ..factories import CompoundFactory, CrewFactory, ServiceStandardFactory, UserFactory


@pytest.fixture
def committed(app):
    with app.app_context():
        ServiceStandardFactory()
        crew = CrewFactory()
        compound = CompoundFactory()
        crew.compounds.append(compound)
        case = services.open_case(compound_id=compound.id, source="resident", category="sewage_overflow",
                                  description="x", now=utcnow())
        ids = {"case": case.id, "dispatchers": [UserFactory(role="dispatcher").id,
                                                UserFactory(role="dispatcher").id]}
        db.session.commit()
        db.session.remove()
    yield ids
    wipe(app)


def _dispatch(user_id, case_id):
    from propmgmt.auth.models import User
    return lambda: services.dispatch(db.session.get(User, user_id), db.session.get(Complaint, case_id),
                                     now=utcnow())


def test_two_dispatchers_one_task(app, committed):
    results = race(app, [_dispatch(user_id, committed["case"]) for user_id in committed["dispatchers"]])
    assert sorted(r == "ok" for r in results) == [False, True]
    with app.app_context():
        assert db.session.scalar(select(func.count(Task.id)).where(Task.complaint_id == committed["case"])) == 1
        db.session.remove()


def test_two_ratings_one_counts(app, committed):
    with app.app_context():
        from propmgmt.auth.models import User
        case = db.session.get(Complaint, committed["case"])
        dispatcher = db.session.get(User, committed["dispatchers"][0])
        services.acknowledge(dispatcher, case, now=utcnow())
        services.resolve(dispatcher, case, now=utcnow())
        db.session.commit()
        db.session.remove()

    def rating(n):
        return lambda: services.rate(db.session.get(Complaint, committed["case"]), n, "", now=utcnow())

    results = race(app, [rating(5), rating(1)])
    assert sorted(r == "ok" for r in results) == [False, True]
    with app.app_context():
        assert db.session.get(Complaint, committed["case"]).rating in (1, 5)
        db.session.remove()
