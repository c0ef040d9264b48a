"""Two officials at the same moment: real concurrent transactions, one wins, one is told why.

These tests commit (each thread has its own connection), so they clean the database after.
"""
from datetime import date

import pytest
from sqlalchemy import func, select

from propmgmt.assignments.models import Assignment
from propmgmt.assignments.services import Proposal, approve_assignment, propose_assignment
from propmgmt.audit.models import AuditEntry
from propmgmt.clock import utcnow
from propmgmt.compounds.models import Compound
from propmgmt.extensions import db
from propmgmt.plans.models import ServicePlan

from ..concurrency import race, wipe
from ..factories import CompoundFactory, FallbackOperatorFactory, ServiceStandardFactory, UserFactory


@pytest.fixture
def committed(app):
    with app.app_context():
        FallbackOperatorFactory()
        standard = ServiceStandardFactory()
        ids = {
            "compound": CompoundFactory().id,
            "officials": [UserFactory(role="official").id, UserFactory(role="official").id],
            "type": standard.service_type_id,
        }
        db.session.commit()
        db.session.remove()
    yield ids
    wipe(app)


def _proposal(ids, number):
    return Proposal(decision_no=f"文号{number}", reason="", service_type_ids=[ids["type"]],
                    leader_id=ids["officials"][0], start_date=date(2026, 12, 1), review_date=None)


def test_two_officials_proposing_for_one_compound(app, committed):
    def propose(official_id, number):
        def action():
            from propmgmt.auth.models import User
            propose_assignment(db.session.get(User, official_id), db.session.get(Compound, committed["compound"]),
                               _proposal(committed, number), now=utcnow())
        return action

    results = race(app, [propose(committed["officials"][0], 1), propose(committed["officials"][1], 2)])
    assert results.count("ok") == 1
    assert any("已有待审批或进行中的托底" in str(r) for r in results)
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == 1


def test_two_officials_approving_at_the_same_moment(app, committed):
    with app.app_context():
        from propmgmt.auth.models import User
        official = db.session.get(User, committed["officials"][0])
        assignment = propose_assignment(official, db.session.get(Compound, committed["compound"]),
                                        _proposal(committed, 1), now=utcnow())
        db.session.commit()
        assignment_id = assignment.id
        db.session.remove()

    def approve(official_id):
        def action():
            from propmgmt.auth.models import User
            approve_assignment(db.session.get(User, official_id), db.session.get(Assignment, assignment_id),
                               now=utcnow())
        return action

    results = race(app, [approve(i) for i in committed["officials"]])
    assert results.count("ok") == 1
    assert any("已有他人先行处理" in str(r) for r in results)
    with app.app_context():
        assert db.session.get(Compound, committed["compound"]).management_mode == "fallback"
        assert db.session.scalar(select(func.count(ServicePlan.id))) == 1
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "assignment_approved")) == 1
