"""Register rules, called directly."""
from decimal import Decimal

import pytest

from propmgmt.audit.models import AuditEntry
from propmgmt.compounds.models import Compound
from propmgmt.compounds.services import create_compound, update_compound
from propmgmt.errors import DomainError

from ..factories import CommunityFactory, CompoundFactory, UserFactory


def _fields(community, **overrides):
    return {"name": "幸福小区", "community_id": community.id, "households": 200, "buildings": 5,
            "year_built": 1995, "management_mode": "unmanaged"} | overrides


def test_create_compound_writes_the_register_and_the_timeline(db, now):
    official, community = UserFactory(role="official"), CommunityFactory()
    compound = create_compound(official, _fields(community, name="  幸福小区 "), now=now)
    assert compound.name == "幸福小区" and compound.management_mode == "unmanaged"
    assert len(compound.public_code) >= 12
    entry = db.session.query(AuditEntry).filter_by(compound_id=compound.id).one()
    assert (entry.action, entry.actor_id, entry.to_state) == ("created", official.id, "unmanaged")


@pytest.mark.parametrize("overrides, field", [
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"households": -1}, "households"),
    ({"buildings": -3}, "buildings"),
    ({"floor_area": Decimal("-1")}, "floor_area"),
    ({"year_built": 1800}, "year_built"),
    ({"year_built": 2099}, "year_built"),
    ({"management_mode": "fallback"}, "management_mode"),
    ({"community_id": 999999}, "community_id"),
])
def test_create_compound_refuses_bad_fields(db, now, overrides, field):
    community = CommunityFactory()
    with pytest.raises(DomainError) as error:
        create_compound(None, _fields(community, **overrides), now=now)
    assert error.value.field == field
    assert db.session.query(Compound).count() == 0


def test_name_is_unique_within_a_community_only(db, now):
    first, second = CommunityFactory(), CommunityFactory()
    create_compound(None, _fields(first), now=now)
    with pytest.raises(DomainError, match="幸福小区"):
        create_compound(None, _fields(first), now=now)
    create_compound(None, _fields(second), now=now)  # same name elsewhere is fine
    assert db.session.query(Compound).count() == 2


def test_update_records_what_changed(db, now):
    compound = CompoundFactory(households=100)
    changes = update_compound(None, compound, {"households": 150, "address": "新地址"}, now=now)
    assert changes == {"households": [100, 150], "address": ["", "新地址"]}
    entry = db.session.query(AuditEntry).filter_by(compound_id=compound.id, action="updated").one()
    assert entry.changes["households"] == [100, 150]


def test_update_without_change_writes_nothing(db, now):
    compound = CompoundFactory()
    assert update_compound(None, compound, {"households": compound.households}, now=now) == {}
    assert db.session.query(AuditEntry).count() == 0


def test_update_cannot_change_the_management_mode(db, now):
    compound = CompoundFactory(management_mode="unmanaged")
    update_compound(None, compound, {"management_mode": "professional"}, now=now)
    assert compound.management_mode == "unmanaged"


def test_update_refuses_a_name_taken_in_the_community(db, now):
    existing = CompoundFactory(name="甲小区")
    other = CompoundFactory(name="乙小区", community=existing.community)
    with pytest.raises(DomainError):
        update_compound(None, other, {"name": "甲小区"}, now=now)
    db.session.refresh(other)
    assert other.name == "乙小区"


@pytest.mark.parametrize("overrides, field", [
    ({"latitude": Decimal("90.5"), "longitude": Decimal("113")}, "latitude"),
    ({"latitude": Decimal("37"), "longitude": Decimal("-180.1")}, "longitude"),
    ({"latitude": Decimal("NaN"), "longitude": Decimal("113")}, "latitude"),
    ({"latitude": Decimal("37.85")}, "longitude"),
    ({"longitude": Decimal("113.56")}, "latitude"),
])
def test_a_location_is_in_range_and_complete(db, now, overrides, field):
    with pytest.raises(DomainError) as error:
        create_compound(None, _fields(CommunityFactory(), **overrides), now=now)
    assert error.value.field == field
