"""Operations on the compound register: create, edit, import. They flush, never commit."""
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, tuple_

from ..audit.models import AuditEntry
from ..audit.services import record
from ..errors import DomainError
from ..extensions import db
from ..tables import ImportRejected, RowError
from .models import RENOVATION_STATUSES, RENOVATION_TIERS, Community, Compound

# A new compound enters the register in one of these; `fallback` only through an assignment.
INITIAL_MODES = ("unmanaged", "professional", "self_managed")
EDITABLE_FIELDS = (
    "name", "community_id", "aliases", "address", "year_built", "buildings", "households",
    "floor_area", "renovation_tier", "renovation_status", "renovation_completed_on", "latitude", "longitude",
)
# Written by the compound's renovation projects once it has any (renovation.services.sync_compounds).
RENOVATION_FIELDS = ("renovation_tier", "renovation_status", "renovation_completed_on")
KEPT_ELSEWHERE = {"renovation": _l("This compound's renovation follows its renovation projects: change it there.")}


def new_public_code() -> str:
    return secrets.token_urlsafe(9)


def rule_errors(fields: dict, *, today: date) -> list[tuple[str, str]]:
    """The register's rules for one compound's fields, as (field, message) pairs.

    Shared by the form and the importer so both say the same thing about the same mistake.
    """
    errors = []
    if not (fields.get("name") or "").strip():
        errors.append(("name", _l("The compound name must not be empty.")))
    elif len(fields["name"].strip()) > 120:
        errors.append(("name", _l("The compound name may have at most 120 characters.")))
    for name, label in (("households", _l("Households")), ("buildings", _l("Buildings"))):
        value = fields.get(name)
        if value is not None and value < 0:
            errors.append((name, _l("%(field)s must not be negative.", field=label)))
    area = fields.get("floor_area")
    if area is not None and area < 0:
        errors.append(("floor_area", _l("%(field)s must not be negative.", field=_l("Floor area"))))
    errors += _location_errors(fields.get("latitude"), fields.get("longitude"))
    year = fields.get("year_built")
    if year is not None and not (1900 <= year <= today.year):
        errors.append(("year_built", _l("The year built must be between 1900 and %(year)d.", year=today.year)))
    if fields.get("renovation_tier") not in (None, *RENOVATION_TIERS):
        errors.append(("renovation_tier", _l("Unknown renovation tier.")))
    if fields.get("renovation_status") not in (None, *RENOVATION_STATUSES):
        errors.append(("renovation_status", _l("Unknown renovation status.")))
    completed = fields.get("renovation_completed_on")
    if completed and completed > today:
        errors.append(("renovation_completed_on", _l("The completion date must not be in the future.")))
    if "management_mode" in fields and fields["management_mode"] not in INITIAL_MODES:
        errors.append(("management_mode", _l(
            "A new compound is registered as unmanaged, professional or self-managed; "
            "fallback service starts only through an assignment.")))
    return errors


def _location_errors(latitude, longitude) -> list[tuple[str, str]]:
    """The compound's gate on the map (WGS-84 degrees), for the inspector's check-in distance: both or neither."""
    errors = []
    for name, value, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if value is not None and not (value.is_finite() and -limit <= value <= limit):
            errors.append((name, _l("%(field)s must be between -%(limit)d and %(limit)d degrees.",
                                    field=_l("Latitude") if name == "latitude" else _l("Longitude"), limit=limit)))
    if not errors and (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        errors.append((missing, _l("Give both the latitude and the longitude, or neither.")))
    return errors


def _name_taken(community_id: int, name: str, exclude_id: int | None = None) -> bool:
    query = select(Compound.id).where(Compound.community_id == community_id, Compound.name == name)
    if exclude_id:
        query = query.where(Compound.id != exclude_id)
    return db.session.scalar(query) is not None


def _check(fields: dict, *, today: date, exclude_id: int | None = None) -> None:
    errors = rule_errors(fields, today=today)
    if errors:
        field_name, message = errors[0]
        raise DomainError(message, field=field_name)
    if db.session.get(Community, fields["community_id"]) is None:
        raise DomainError(_l("Unknown community."), field="community_id")
    if _name_taken(fields["community_id"], fields["name"].strip(), exclude_id):
        raise DomainError(_l("This community already has a compound named %(name)s.", name=fields["name"].strip()),
                          field="name")


def _serialise(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def create_compound(actor, fields: dict, *, now: datetime) -> Compound:
    _check(fields, today=now.date())
    compound = Compound(
        public_code=new_public_code(),
        management_mode=fields.get("management_mode", "unmanaged"),
        mode_since=now,
        created_at=now,
        updated_at=now,
        **{key: fields.get(key) for key in EDITABLE_FIELDS if key in fields},
    )
    compound.name = compound.name.strip()
    db.session.add(compound)
    db.session.flush()
    record(actor, "compound", compound.id, "created", now=now, compound_id=compound.id,
           to_state=compound.management_mode)
    return compound


def update_compound(actor, compound: Compound, fields: dict, *, now: datetime, kept: tuple[str, ...] = ()) -> dict:
    """Applies the editable fields and returns what changed; the mode is not editable here.

    `kept` names the groups of fields another domain writes for this compound (the caller knows:
    "renovation" when it has renovation projects); changing one of them is refused."""
    fields = {key: value for key, value in fields.items() if key in EDITABLE_FIELDS}
    merged = {key: getattr(compound, key) for key in EDITABLE_FIELDS} | fields
    _check(merged, today=now.date(), exclude_id=compound.id)
    merged["name"] = merged["name"].strip()
    renovation = [key for key in RENOVATION_FIELDS if merged[key] != getattr(compound, key)]
    if renovation and "renovation" in kept:
        raise DomainError(KEPT_ELSEWHERE["renovation"], field=renovation[0])
    changes = {}
    for key in EDITABLE_FIELDS:
        old, new = getattr(compound, key), merged[key]
        if isinstance(old, Decimal) and new is not None:
            new = Decimal(new)
        if old != new:
            changes[key] = [_serialise(old), _serialise(new)]
            setattr(compound, key, new)
    if changes:
        compound.updated_at = now
        record(actor, "compound", compound.id, "updated", now=now, compound_id=compound.id, changes=changes)
    db.session.flush()
    return changes


@dataclass
class ImportRow:
    """One parsed row of an import file: its fields, or the errors found while parsing."""

    row: int
    fields: dict = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


def import_compounds(actor, rows: list[ImportRow], *, now: datetime) -> int:
    """All or nothing: any error in any row raises ImportRejected and writes nothing."""
    errors = [error for row in rows for error in row.errors]
    if not rows and not errors:
        raise ImportRejected([RowError(0, "", str(_l("The file has no data rows.")))])
    seen: dict[tuple[int, str], int] = {}
    candidates = []
    for row in rows:
        if row.errors:
            continue
        errors += [RowError(row.row, f, str(m)) for f, m in rule_errors(row.fields, today=now.date())]
        key = (row.fields["community_id"], row.fields["name"].strip())
        if key in seen:
            errors.append(RowError(row.row, "name", str(_l(
                "Same compound as row %(other)d of this file.", other=seen[key]))))
        else:
            seen[key] = row.row
            candidates.append((key, row.row))
    if seen:
        taken = set(db.session.execute(
            select(Compound.community_id, Compound.name).where(
                tuple_(Compound.community_id, Compound.name).in_(list(seen))
            )
        ).all())
        for key, row_no in candidates:
            if key in taken:
                errors.append(RowError(row_no, "name", str(_l(
                    "This community already has a compound named %(name)s.", name=key[1]))))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))

    values = []
    for row in rows:
        values.append({
            **{key: row.fields.get(key) for key in EDITABLE_FIELDS},
            "name": row.fields["name"].strip(),
            "aliases": row.fields.get("aliases") or "",
            "address": row.fields.get("address") or "",
            "buildings": row.fields.get("buildings") or 0,
            "households": row.fields.get("households") or 0,
            "management_mode": row.fields.get("management_mode") or "unmanaged",
            "mode_since": now, "created_at": now, "updated_at": now,
            "public_code": new_public_code(),
        })
    new_ids = db.session.scalars(insert(Compound).returning(Compound.id, sort_by_parameter_order=True), values).all()
    db.session.execute(insert(AuditEntry), [
        {"at": now, "actor_id": getattr(actor, "id", None), "entity_type": "compound", "entity_id": cid,
         "compound_id": cid, "action": "imported", "to_state": v["management_mode"], "reason": "",
         "changes": None}
        for cid, v in zip(new_ids, values)
    ])
    return len(values)
