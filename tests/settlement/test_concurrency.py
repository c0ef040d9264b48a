"""Two officials approving one statement at the same moment: one succeeds, one is told it is done.

Real concurrent transactions (each thread its own connection), so the test commits and cleans up.
"""
from datetime import date, datetime, timezone

from sqlalchemy import func, select

from propmgmt.audit.models import AuditEntry
from propmgmt.extensions import db
from propmgmt.settlement.models import Statement

from ..concurrency import race, wipe
from ..factories import UserFactory


def test_two_officials_approving_at_once(app):
    with app.app_context():
        from propmgmt.assessment.services import save_policy
        from propmgmt.demo.assessment import DISTRICT_POLICY
        officials = [UserFactory(role="official"), UserFactory(role="official")]
        policy = save_policy(officials[0], DISTRICT_POLICY, effective_month=date(2026, 1, 1),
                             now=datetime(2026, 1, 1, tzinfo=timezone.utc))
        statement = Statement(month=date(2026, 10, 1), policy_id=policy.id, total_fen=0,
                              drafted_at=datetime(2026, 11, 2, tzinfo=timezone.utc))
        db.session.add(statement)
        db.session.commit()
        ids, statement_id = [o.id for o in officials], statement.id
        db.session.remove()

    def approve(official_id):
        def action():
            from propmgmt.auth.models import User
            from propmgmt.settlement.services import approve_statement
            approve_statement(db.session.get(User, official_id), statement_id,
                              now=datetime(2026, 11, 3, tzinfo=timezone.utc))
        return action

    try:
        results = race(app, [approve(i) for i in ids])
        assert results.count("ok") == 1
        refusal = next(r for r in results if r != "ok")
        assert refusal and refusal != "None"
        with app.app_context():
            assert db.session.get(Statement, statement_id).status == "approved"
            assert db.session.scalar(select(func.count(AuditEntry.id)).where(
                AuditEntry.action == "statement_approved")) == 1
    finally:
        wipe(app)
