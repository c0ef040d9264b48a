"""One spot check sent twice at the same moment (the phone's queue syncing twice, a second tap): one
check, one set of rectifications, and both requests answered with it.

These tests commit (each thread has its own connection), so they clean the database after.
"""
import time
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import func, select

from propmgmt.assessment.models import Rectification, SpotCheck, SpotCheckItem
from propmgmt.clock import utcnow
from propmgmt.extensions import db

from ..concurrency import race, wipe
from ..factories import CompoundFactory, UserFactory


@pytest.fixture
def committed(app):
    with app.app_context():
        from propmgmt.assessment.services import save_policy
        from propmgmt.demo.assessment import DISTRICT_POLICY
        save_policy(UserFactory(role="official"), DISTRICT_POLICY, effective_month=date(2026, 1, 1), now=utcnow())
        ids = {"compound": CompoundFactory(management_mode="fallback").id,
               "inspector": UserFactory(role="inspector").id}
        db.session.commit()
        db.session.remove()
    yield ids
    wipe(app)


def test_one_check_sent_twice_at_once_is_recorded_once(app, committed):
    import propmgmt.assessment.services as services
    from propmgmt.auth.models import User
    from propmgmt.compounds.models import Compound
    answers = []
    flush = services.record

    def slow_audit(*args, **kwargs):  # still uncommitted when the twin looks up the key
        flush(*args, **kwargs)
        time.sleep(0.3)

    def submit():
        now = utcnow()
        check = services.record_spot_check(
            db.session.get(User, committed["inspector"]), db.session.get(Compound, committed["compound"]),
            services.CheckIn(now),
            [services.Finding("public_areas", 2, "楼道堆物", (Image.new("RGB", (40, 30)),)),
             services.Finding("sorting_points", 1, "桶站满溢", (Image.new("RGB", (40, 30)),))],
            now=now, upload_dir=app.config["UPLOAD_DIR"], key="same-phone-key")
        answers.append((check.id, check.replayed))

    services.record = slow_audit
    try:
        assert race(app, [submit, submit]) == ["ok", "ok"]
    finally:
        services.record = flush
    assert len({check_id for check_id, _replayed in answers}) == 1
    assert sorted(replayed for _id, replayed in answers) == [False, True]
    with app.app_context():
        counts = [db.session.scalar(select(func.count()).select_from(model))
                  for model in (SpotCheck, SpotCheckItem, Rectification)]
        assert counts == [1, 2, 2]
        db.session.remove()
