"""The dispatcher's verification workbench: the completed work awaiting verification, newest first,
narrowed by place, crew, operator, service type, days and photos, or sampled per crew and day.

Every condition is set-based and the page reads a fixed number of statements whatever its size.
"""
from dataclasses import dataclass, fields
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Select, cast, exists, func, literal, select
from sqlalchemy.orm import joinedload

from ..auth.models import User, person_label
from ..auth.roles import OPERATORS
from ..clock import district_tz, local_to_utc
from ..compounds.models import Community, Compound, Subdistrict
from ..errors import DomainError
from ..extensions import db
from ..orgs.models import Crew
from ..periods import Period
from ..plans.models import ServiceType, Task, TaskPhoto
from ..plans.outcomes import awaiting_verification_sql, finished_sql, outcome_sql
from ..request_args import as_id

PHOTO_CHOICES = {"with": _l("With photos"), "without": _l("Without photos")}
NOT_A_CHOICE = _l("Not one of the choices: pick one from the list.")
BAD_SAMPLE = _l("Give the sample as a whole percent from 1 to 100.")
# Knuth's multiplicative hash: spreads consecutive task ids, the same on SQLite and PostgreSQL
# (the product stays below 2**63).
_HASH_FACTOR, _HASH_MODULUS = 2654435761, 2**32
# A sample without chosen days covers the last week: ranking every crew's every day since the start
# would sort the whole history on each page view (190 ms for the demo's 60 days on PostgreSQL).
SAMPLE_DAYS = 7


@dataclass(frozen=True)
class Choices:
    """(id, label) pairs of each filter's select; a filter value must be one of them."""
    subdistricts: list[tuple[int, str]]
    compounds: list[tuple[int, str]]
    crews: list[tuple[int, str]]
    operators: list[tuple[int, str]]
    service_types: list[tuple[int, str]]

    @property
    def crew_names(self) -> dict[int, str]:
        return dict(self.crews)


def workbench_choices(*, chinese: bool) -> Choices:
    """Five small statements: the areas, the compounds that have tasks, crews, operators, service types."""
    operators = db.session.execute(
        select(User.id, func.coalesce(func.nullif(User.display_name, ""), User.username), User.work_no, Crew.name)
        .outerjoin(Crew, Crew.id == User.crew_id).where(User.role.in_(OPERATORS))
        .order_by(Crew.name, User.display_name, User.id)).all()
    name = ServiceType.name_zh if chinese else ServiceType.name_en
    return Choices(
        subdistricts=[tuple(r) for r in db.session.execute(select(Subdistrict.id, Subdistrict.name)
                                                           .order_by(Subdistrict.name))],
        compounds=[tuple(r) for r in db.session.execute(
            select(Compound.id, Compound.name).where(exists().where(Task.compound_id == Compound.id))
            .order_by(Compound.name))],
        crews=[tuple(r) for r in db.session.execute(select(Crew.id, Crew.name).order_by(Crew.name))],
        operators=[(i, person_label(label, work_no, crew)) for i, label, work_no, crew in operators],
        service_types=[tuple(r) for r in db.session.execute(select(ServiceType.id, name).order_by(ServiceType.id))],
    )


@dataclass(frozen=True)
class WorkbenchFilter:
    subdistrict_id: int | None = None
    compound_id: int | None = None
    crew_id: int | None = None
    operator_id: int | None = None
    service_type_id: int | None = None
    period: Period | None = None
    photos: str | None = None  # "with" or "without"
    sample: int | None = None  # percent per crew and day

    def args(self) -> dict:
        """The query-string form (the pager, the forms' return address)."""
        names = {"subdistrict_id": "subdistrict", "compound_id": "compound", "crew_id": "crew",
                 "operator_id": "operator", "service_type_id": "service_type", "photos": "photos",
                 "sample": "sample"}
        values = {names[f.name]: getattr(self, f.name) for f in fields(self) if f.name in names}
        return {**(self.period.args() if self.period else {}), **{k: v for k, v in values.items() if v}}


# Query-string name -> (filter attribute, the Choices list it must be one of).
_ID_FILTERS = {"subdistrict": ("subdistrict_id", "subdistricts"), "compound": ("compound_id", "compounds"),
               "crew": ("crew_id", "crews"), "operator": ("operator_id", "operators"),
               "service_type": ("service_type_id", "service_types")}


def read_filter(args, choices: Choices, *, now: datetime) -> tuple[WorkbenchFilter, dict[str, str]]:
    """The filter the query string asks for, and a message per field whose value could not be used
    (that narrowing is then left out; the page says why next to the field)."""
    values, errors = {}, {}
    for name, (attribute, options) in _ID_FILTERS.items():
        raw = args.get(name, "").strip()
        if raw:
            number = as_id(raw)
            if number is None or number not in {value for value, _label in getattr(choices, options)}:
                errors[name] = str(NOT_A_CHOICE)
            else:
                values[attribute] = number
    photos = args.get("photos", "")
    if photos:
        if photos in PHOTO_CHOICES:
            values["photos"] = photos
        else:
            errors["photos"] = str(NOT_A_CHOICE)
    sample = args.get("sample", "").strip()
    if sample:
        percent = as_id(sample)
        if percent is None or not 1 <= percent <= 100:
            errors["sample"] = str(BAD_SAMPLE)
        else:
            values["sample"] = percent
    first, last = args.get("from", "").strip()[:10], args.get("to", "").strip()[:10]
    if first or last:
        try:
            values["period"] = Period.parse(first, last, now=now)
        except DomainError as error:
            errors["from"] = str(error.message)
    if "sample" in values and "period" not in values:
        values["period"] = Period.last_days(SAMPLE_DAYS, now=now)
    return WorkbenchFilter(**values), errors


def done_by_sql():
    """Who did the work: who completed it on the tablet, else (history recorded without one) its assignee."""
    return func.coalesce(Task.completed_by_id, Task.assignee_id)


def _finished_in(period: Period) -> list:
    """Finished (as plans.outcomes reads it) on the period's local days."""
    finished = finished_sql()
    return [finished >= local_to_utc(period.first, time(0)),
            finished < local_to_utc(period.last + timedelta(days=1), time(0))]


def local_day_sql(value):
    """The district's calendar day of a stored (naive UTC) timestamp."""
    tz = district_tz()
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(tz.key, func.timezone("UTC", value)))
    # SQLite knows no time zones: the district's present offset (China keeps no summer time).
    offset = int(datetime.now(tz).utcoffset().total_seconds())
    return func.date(value, f"{offset:+d} seconds")


def sample_key(task_id: int) -> int:
    """Where a task falls in its crew's and day's sample: sample_key_sql's Python twin."""
    return task_id * _HASH_FACTOR % _HASH_MODULUS


def sample_key_sql():
    return cast(Task.id, BigInteger) * literal(_HASH_FACTOR, BigInteger) % literal(_HASH_MODULUS, BigInteger)


def sampled_ids(f: WorkbenchFilter) -> Select:
    """The ids in the sample: of each crew's completed tasks of each local day, the `f.sample` percent
    (rounded up, so at least one) that come first by sample_key. The sample is drawn from all the
    completed work, verified or not, so verifying it does not draw new tasks into it."""
    group = (Task.crew_id, local_day_sql(finished_sql()))
    where = [outcome_sql("completed")]
    if f.crew_id:
        where.append(Task.crew_id == f.crew_id)
    if f.period:
        where += _finished_in(f.period)
    ranked = (select(Task.id.label("id"),
                     func.row_number().over(partition_by=group, order_by=(sample_key_sql(), Task.id)).label("rank"),
                     func.count(Task.id).over(partition_by=group).label("size"))
              .where(*where).subquery())
    # rank <= ceil(size * percent / 100), in integers
    return select(ranked.c.id).where((ranked.c.rank - 1) * 100 < ranked.c.size * f.sample)


def conditions(f: WorkbenchFilter) -> list:
    where = [awaiting_verification_sql()]
    for column, value in ((Task.compound_id, f.compound_id), (Task.crew_id, f.crew_id),
                          (Task.service_type_id, f.service_type_id), (done_by_sql(), f.operator_id)):
        if value:
            where.append(column == value)
    if f.subdistrict_id:
        where.append(Task.compound_id.in_(select(Compound.id).join(Community)
                                          .where(Community.subdistrict_id == f.subdistrict_id)))
    if f.period:
        where += _finished_in(f.period)
    if f.photos:
        has_photos = exists().where(TaskPhoto.task_id == Task.id)
        where.append(has_photos if f.photos == "with" else ~has_photos)
    if f.sample:
        where.append(Task.id.in_(sampled_ids(f)))
    return where


def awaiting_rows(f: WorkbenchFilter) -> Select:
    """Newest first (received last on the server first), with compound, service type and people loaded."""
    return (select(Task).options(joinedload(Task.compound), joinedload(Task.service_type),
                                 joinedload(Task.completed_by), joinedload(Task.assignee))
            .where(*conditions(f)).order_by(Task.completed_at.desc(), Task.id.desc()))
