"""The registry of organisations: the fallback operator and the property firms. Each change is audited."""
import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit.services import record
from ..auth.roles import ORGANISATION_KEEPERS
from ..errors import DomainError, Forbidden
from ..extensions import db
from . import credit_code
from .models import Organisation

PHONE_RE = re.compile(r"^[0-9+][0-9 -]{5,18}[0-9]$")  # landlines (0353-1234567) and mobiles
# Form fields as the audit log names them ("name" is a compound's name there).
AUDIT_KEYS = {"name": "organisation_name"}


def _check_keeper(actor) -> None:
    if actor is None or actor.role not in ORGANISATION_KEEPERS:
        raise Forbidden(_l("Only officials and administrators may change the registry of organisations."))


def _clean(fields: dict, organisation_id: int | None = None) -> dict:
    name = (fields.get("name") or "").strip()
    if not name:
        raise DomainError(_l("Enter the organisation's name."), field="name")
    if db.session.scalar(select(Organisation.id).where(Organisation.name == name,
                                                       Organisation.id != (organisation_id or 0))):
        raise DomainError(_l("An organisation named %(name)s is already registered.", name=name), field="name")
    code = credit_code.normalise(fields.get("credit_code") or "") or None
    if code is not None:
        if len(code) != 18:
            raise DomainError(_l("The unified social credit code has 18 characters."), field="credit_code")
        if not credit_code.is_valid(code):
            raise DomainError(_l("The unified social credit code is not valid: check its characters "
                                 "(its last character is a check digit)."), field="credit_code")
        if db.session.scalar(select(Organisation.id).where(Organisation.credit_code == code,
                                                           Organisation.id != (organisation_id or 0))):
            raise DomainError(_l("Another organisation has the credit code %(code)s.", code=code),
                              field="credit_code")
    phone = (fields.get("contact_phone") or "").strip()
    if phone and not PHONE_RE.match(phone):
        raise DomainError(_l("Enter a telephone number, e.g. 0353-1234567 or 13812345678."), field="contact_phone")
    return {"name": name[:120], "credit_code": code, "contact_phone": phone,
            **{key: (fields.get(key) or "").strip()[:limit]
               for key, limit in (("licence_no", 60), ("contact_name", 60), ("address", 200))}}


def register_firm(actor, *, now: datetime, **fields) -> Organisation:
    """A property firm in the registry (the one fallback operator exists already)."""
    _check_keeper(actor)
    org = Organisation(kind="property_firm", **_clean(fields))
    db.session.add(org)
    db.session.flush()
    record(actor, "organisation", org.id, "organisation_registered", now=now, to_state="active",
           changes={"organisation_name": [None, org.name], "credit_code": [None, org.credit_code]})
    return org


def update_organisation(actor, org: Organisation, *, now: datetime, **fields) -> dict:
    _check_keeper(actor)
    changes = {}
    for key, value in _clean(fields, org.id).items():
        if getattr(org, key) != value:
            changes[AUDIT_KEYS.get(key, key)] = [getattr(org, key), value]
            setattr(org, key, value)
    if changes:
        db.session.flush()
        record(actor, "organisation", org.id, "organisation_updated", now=now, changes=changes)
    return changes


def suspend_organisation(actor, org: Organisation, *, now: datetime, reason: str) -> None:
    """A suspended firm cannot be selected for a handover and takes no new users; what it serves stays."""
    _check_keeper(actor)
    reason = (reason or "").strip()
    if org.kind == "fallback_operator":
        raise DomainError(_l("The fallback operator cannot be suspended: the measures need it."))
    if not org.active:
        raise DomainError(_l("%(name)s is already suspended.", name=org.name))
    if not reason:
        raise DomainError(_l("Give the reason for the suspension."), field="reason")
    org.active = False
    db.session.flush()
    record(actor, "organisation", org.id, "organisation_suspended", now=now, from_state="active",
           to_state="suspended", reason=reason[:500])


def reinstate_organisation(actor, org: Organisation, *, now: datetime) -> None:
    _check_keeper(actor)
    if org.active:
        raise DomainError(_l("%(name)s is already active.", name=org.name))
    org.active = True
    db.session.flush()
    record(actor, "organisation", org.id, "organisation_reinstated", now=now, from_state="suspended",
           to_state="active")
