"""factory_boy factories bound to the test session.

They commit: inside the test's outer transaction a commit only releases a savepoint, and
it keeps the data when a view under test rolls its own work back.
"""
import factory
from factory.alchemy import SQLAlchemyModelFactory

from propmgmt.extensions import db
from propmgmt.models import Community, Compound, District, Organisation, Subdistrict, User
from propmgmt.compounds.services import new_public_code
from werkzeug.security import generate_password_hash

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
