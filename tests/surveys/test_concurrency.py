"""Real concurrent transactions: one household answering from two phones at the same moment gets one
answer kept; two schedulers running the survey job at once open one round. The test commits and cleans up."""
from datetime import date

from sqlalchemy import func, select

from propmgmt.extensions import db
from propmgmt.surveys.models import Answer, Round

from ..concurrency import race, wipe
from ..factories import CompoundFactory, UserFactory
from .conftest import NOW


def test_one_room_from_two_phones_at_once_keeps_one_answer(app):
    from propmgmt.surveys.services import RoundData, ensure_questions, open_round
    with app.app_context():
        ensure_questions()
        compound = CompoundFactory()
        survey = open_round(UserFactory(role="official"), RoundData("四季度", date(2026, 12, 1), date(2026, 12, 31),
                                                                   "compound", compound_id=compound.id), now=NOW)
        db.session.commit()
        compound_id, round_id = compound.id, survey.id
        db.session.remove()

    def answer(device):
        def action():
            from propmgmt.compounds.models import Compound
            from propmgmt.surveys.services import submit_answer
            current = db.session.get(Round, round_id)
            submit_answer(db.session.get(Compound, compound_id), current, room="5-1-502",
                          scores={q.id: 4 for q in current.questions}, text="", device=device, address=device[:8],
                          now=NOW)
        return action

    try:
        results = race(app, [answer("a" * 32), answer("b" * 32)])
        assert results.count("ok") == 1 and any("5-1-502" in r or "这户" in r for r in results if r != "ok")
        with app.app_context():
            assert db.session.scalar(select(func.count(Answer.id))) == 1
    finally:
        wipe(app)


def test_two_schedulers_at_once_open_one_quarterly_round(app):
    from propmgmt.surveys.services import ensure_questions, schedule_rounds
    with app.app_context():
        ensure_questions()
        CompoundFactory(management_mode="fallback")
        db.session.commit()
        db.session.remove()
    try:
        assert race(app, [lambda: schedule_rounds(NOW), lambda: schedule_rounds(NOW)]) == ["ok", "ok"]
        with app.app_context():
            assert db.session.scalar(select(func.count(Round.id))) == 1
    finally:
        wipe(app)
