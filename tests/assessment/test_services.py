"""The spot check's idempotency: a replayed submission (the phone's queue resending) creates nothing."""
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import func, select

from propmgmt.assessment.models import Rectification, SpotCheck, SpotCheckPhoto
from propmgmt.assessment.services import CheckIn, Finding, record_spot_check, save_policy
from propmgmt.audit.models import AuditEntry
from propmgmt.clock import utcnow
from propmgmt.demo.assessment import DISTRICT_POLICY
from propmgmt.errors import DomainError, Forbidden

from ..factories import CompoundFactory, UserFactory

PHOTO = (Image.new("RGB", (40, 30), (90, 90, 90)),)


@pytest.fixture
def checked(app, db):
    save_policy(UserFactory(role="official"), DISTRICT_POLICY, effective_month=date(2026, 1, 1), now=utcnow())
    return CompoundFactory(management_mode="fallback"), UserFactory(role="inspector")


def _count(model) -> int:
    from propmgmt.extensions import db
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_replayed_key_returns_the_first_check_and_creates_nothing(app, db, checked):
    compound, inspector = checked
    now = utcnow()
    first = record_spot_check(inspector, compound, CheckIn(now), [Finding("public_areas", 2, "楼道堆物", PHOTO)],
                              now=now, upload_dir=app.config["UPLOAD_DIR"], key="phone-key-1")
    assert not first.replayed
    again = record_spot_check(inspector, compound, CheckIn(now), [Finding("sorting_points", 0)],  # what it says now
                              now=now, upload_dir=app.config["UPLOAD_DIR"], key="phone-key-1")
    assert again.id == first.id and again.replayed
    assert [item.item_code for item in again.items] == ["public_areas"]
    assert (_count(SpotCheck), _count(Rectification), _count(SpotCheckPhoto)) == (1, 1, 1)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "spot_check_recorded")) == 1


def test_a_replay_is_answered_even_when_it_would_now_be_refused(app, db, checked):
    compound, inspector = checked
    now = utcnow()
    record_spot_check(inspector, compound, CheckIn(now), [Finding("public_areas", 0)], now=now,
                      upload_dir=app.config["UPLOAD_DIR"], key="phone-key-2")
    again = record_spot_check(inspector, compound, CheckIn(now), [], now=now, upload_dir=app.config["UPLOAD_DIR"],
                              key="phone-key-2")
    assert again.replayed and _count(SpotCheck) == 1


def test_another_inspectors_key_is_not_theirs(app, db, checked):
    compound, inspector = checked
    now = utcnow()
    record_spot_check(inspector, compound, CheckIn(now), [Finding("public_areas", 0)], now=now,
                      upload_dir=app.config["UPLOAD_DIR"], key="phone-key-3")
    with pytest.raises(Forbidden):
        record_spot_check(UserFactory(role="inspector"), compound, CheckIn(now), [Finding("public_areas", 0)],
                          now=now, upload_dir=app.config["UPLOAD_DIR"], key="phone-key-3")
    with pytest.raises(DomainError) as error:
        record_spot_check(inspector, compound, CheckIn(now), [Finding("public_areas", 0)], now=now,
                          upload_dir=app.config["UPLOAD_DIR"], key="k" * 65)
    assert error.value.field == "key"
    assert _count(SpotCheck) == 1
