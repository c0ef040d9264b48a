"""factory_boy factories bound to the test session.

They commit: inside the test's outer transaction a commit only releases a savepoint, and
it keeps the data when a view under test rolls its own work back.
"""
from datetime import date, datetime, timedelta, timezone

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from propmgmt.compounds.services import new_public_code
from propmgmt.extensions import db
from propmgmt.models import (
    Assignment,
    Community,
    Complaint,
    Compound,
    Crew,
    District,
    Funding,
    Handover,
    Organisation,
    Project,
    ServicePlan,
    ServiceStandard,
    ServiceType,
    Subdistrict,
    Task,
    User,
)

PASSWORD = "password123"
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731  (the fixture swaps the session)
        sqlalchemy_session_persistence = "commit"


class DistrictFactory(Base):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"测试区{n}")
    city = "阳泉市"


class SubdistrictFactory(Base):
    class Meta:
        model = Subdistrict

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"测试{n}街道")


class CommunityFactory(Base):
    class Meta:
        model = Community

    subdistrict = factory.SubFactory(SubdistrictFactory)
    name = factory.Sequence(lambda n: f"测试{n}社区")


class CompoundFactory(Base):
    class Meta:
        model = Compound

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"测试小区{n:04d}")
    households = 120
    buildings = 4
    year_built = 1990
    management_mode = "unmanaged"
    public_code = factory.LazyFunction(new_public_code)


class OrganisationFactory(Base):
    class Meta:
        model = Organisation

    kind = "property_firm"
    name = factory.Sequence(lambda n: f"测试物业公司{n}")


class UserFactory(Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    role = "official"
    display_name = factory.LazyAttribute(lambda u: f"{u.role} {u.username}")
    password_hash = PASSWORD_HASH


class FallbackOperatorFactory(Base):
    """The one fallback operator; returns the existing one if there is one."""

    class Meta:
        model = Organisation
        sqlalchemy_get_or_create = ("kind",)

    kind = "fallback_operator"
    name = "阳泉市洁诚物业公司"


class CrewFactory(Base):
    class Meta:
        model = Crew

    organisation = factory.SubFactory(FallbackOperatorFactory)
    name = factory.Sequence(lambda n: f"测试{n}组")
    work_phone = "0353-1234567"


class ServiceTypeFactory(Base):
    class Meta:
        model = ServiceType
        sqlalchemy_get_or_create = ("code",)

    code = "cleaning"
    name_zh = "保洁"
    name_en = "Cleaning"


class ServiceStandardFactory(Base):
    class Meta:
        model = ServiceStandard

    service_type = factory.SubFactory(ServiceTypeFactory)
    version = 1
    checklist = ["道路清扫", "楼道清扫"]
    photo_required = True
    default_rrule = "FREQ=DAILY"
    default_windows = [{"start": "07:00", "end": "09:00"}]


class AssignmentFactory(Base):
    """A proposed assignment (the workflow's starting state) for an unmanaged compound."""

    class Meta:
        model = Assignment

    compound = factory.SubFactory(CompoundFactory)
    operator_org = factory.SubFactory(FallbackOperatorFactory)
    decision_no = factory.Sequence(lambda n: f"城住建物管〔2026〕{n}号")
    status = "proposed"
    responsible_leader = factory.SubFactory(UserFactory, role="official")
    start_date = date(2026, 12, 1)


class ServicePlanFactory(Base):
    """An active daily cleaning plan, 07:00-09:00, from 2026-11-01."""

    class Meta:
        model = ServicePlan

    compound = factory.SubFactory(CompoundFactory, management_mode="fallback")
    service_type = factory.SubFactory(ServiceTypeFactory)
    crew = factory.SubFactory(CrewFactory)
    rrule = "FREQ=DAILY"
    windows = [{"start": "07:00", "end": "09:00"}]
    starts_on = date(2026, 11, 1)
    status = "active"


class TaskFactory(Base):
    """A task whose two-hour window ended an hour before `end` (default: 2026-11-25 01:00 UTC).

    `finished` (minutes after the window's end, negative for before it) sets the completion times;
    give a completed status with it."""

    class Meta:
        model = Task

    class Params:
        end = datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc)
        finished = None

    compound = factory.SubFactory(CompoundFactory, management_mode="fallback")
    service_type = factory.SubFactory(ServiceTypeFactory)
    crew_id = None
    status = "scheduled"
    window_end = factory.LazyAttribute(lambda t: t.end)
    window_start = factory.LazyAttribute(lambda t: t.window_end - timedelta(hours=2))
    completed_at = factory.LazyAttribute(
        lambda t: None if t.finished is None else t.window_end + timedelta(minutes=t.finished))
    device_completed_at = factory.LazyAttribute(lambda t: t.completed_at)


class ComplaintFactory(Base):
    """A resident's report, received, with its deadlines set by nobody (give them when they matter)."""

    class Meta:
        model = Complaint

    tracking_code = factory.Sequence(lambda n: f"TESTCODE{n:02d}"[-10:])
    compound = factory.SubFactory(CompoundFactory, management_mode="fallback")
    source = "resident"
    category = "cleaning"
    description = "楼道有垃圾未清理"
    contact_phone = "13912345678"
    status = "received"


class HandoverFactory(Base):
    """A handover at its first stage (assessing) of a compound in fallback."""

    class Meta:
        model = Handover

    compound = factory.SubFactory(CompoundFactory, management_mode="fallback")
    stage = "assessing"


class RenovationProjectFactory(Base):
    """A renovation project in 储备 over one compound, with a leader, a budget and planned dates."""

    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"测试改造项目{n}")
    tier = "basic"
    stage = "reserve"
    leader = factory.SubFactory(UserFactory, role="official")
    planned_new_start_on = date(2026, 12, 1)
    planned_under_construction_on = date(2027, 1, 1)
    planned_completed_on = date(2027, 6, 30)
    planned_accepted_on = date(2027, 8, 31)
    compounds = factory.LazyFunction(lambda: [CompoundFactory()])
    funding = factory.LazyFunction(lambda: [Funding(source="district", amount_fen=50_000_000)])
