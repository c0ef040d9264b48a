"""Over the residents' limits (per address, per compound), each kind of public post is refused in its own
words: a report, a supervision note, a consultation's opinion and a survey answer share the count, but only
a report is called a report (反映)."""
from datetime import date, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale

from propmgmt.clock import local_today
from propmgmt.complaints.services import TooManyReports, submit_report
from propmgmt.renovation.consultation import ItemData, give_opinion, open_consultation
from propmgmt.renovation.supervision import file_note
from propmgmt.surveys.services import RoundData, ensure_questions, open_round, submit_answer

from ..factories import CompoundFactory, RenovationProjectFactory, UserFactory

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)
WORDS = {"report": "反映", "note": "监督意见", "opinion": "意见", "answer": "答卷"}


@pytest.fixture
def posts(db, app):
    """Each kind of post to one compound, by name, from one address."""
    ensure_questions()
    compound, official = CompoundFactory(), UserFactory(role="official")
    consultation = open_consultation(official, RenovationProjectFactory(compounds=[compound]), title="改造方案",
                                     ends_on=local_today(NOW) + timedelta(days=7), items=[ItemData("整修道路")],
                                     now=NOW, upload_dir="/nonexistent")
    building = RenovationProjectFactory(compounds=[compound], stage="under_construction")
    survey = open_round(official, RoundData("四季度", date(2026, 12, 1), date(2026, 12, 31), "compound",
                                            compound_id=compound.id), now=NOW)
    upload = app.config["UPLOAD_DIR"]
    return {
        "report": lambda: submit_report(compound, category="cleaning", description="楼道有垃圾", contact_phone="",
                                        photos=[], address="10.0.0.1", now=NOW, upload_dir=upload),
        "note": lambda: file_note(compound, building, text="脚手架挡路", photos=[], address="10.0.0.1", now=NOW,
                                  upload_dir=upload),
        "opinion": lambda: give_opinion(compound, consultation, room="3-2-501",
                                        votes={i.id: True for i in consultation.items}, text="", device="d" * 32,
                                        address="10.0.0.1", now=NOW),
        "answer": lambda: submit_answer(compound, survey, room="3-2-501", scores={q.id: 5 for q in survey.questions},
                                        text="", device="d" * 32, address="10.0.0.1", now=NOW),
    }


def _refusals(app, posts) -> dict[str, str]:
    said = {}
    with app.test_request_context(), force_locale("zh"):
        for kind, post in posts.items():
            with pytest.raises(TooManyReports) as refused:
                post()
            assert refused.value.status_code == 429
            said[kind] = refused.value.message
    return said


@pytest.mark.parametrize("limit", ["REPORTS_PER_ADDRESS_PER_HOUR", "REPORTS_PER_COMPOUND_PER_HOUR"])
def test_each_kind_of_post_over_the_limits_is_refused_in_its_own_words(app, db, posts, monkeypatch, limit):
    monkeypatch.setitem(app.config, limit, 0)
    said = _refusals(app, posts)
    assert len(set(said.values())) == 4, said
    for kind, message in said.items():
        assert WORDS[kind] in message and "请稍后再试" in message, (kind, message)
        assert ("反映" in message) == (kind == "report"), (kind, message)
