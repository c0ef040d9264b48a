"""Managing people in the app: accounts, one-time passwords, sessions and tokens, one's own password.

Built on auth.services (hashing, sessions, tokens); every change here writes its audit entry.
"""
import re
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..audit.services import record
from ..auth.models import ROLES, User
from ..auth.roles import USER_ADMINS
from ..auth.services import change_password, create_user, deactivate_user, end_all_sessions, revoke_tokens
from ..errors import DomainError, Forbidden
from ..extensions import db
from ..orgs.models import Organisation
from ..plans.models import Task

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")  # mainland China mobile numbers
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Roles that work for the fallback operator, and the one that works for a property firm.
OPERATOR_STAFF_ROLES = ("dispatcher", "operator")
FIRM_ROLES = ("firm",)
OPEN_TASK_STATUSES = ("scheduled", "in_progress", "rejected")
# One-time passwords: easy to read out over the phone (no 0/O, 1/l/I).
OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
OTP_LENGTH = 10


def one_time_password() -> str:
    return "".join(secrets.choice(OTP_ALPHABET) for _ in range(OTP_LENGTH))


def normalise_mobile(phone: str) -> str:
    """'' or a mainland mobile number (spaces and dashes as people type them are dropped)."""
    digits = re.sub(r"[\s-]", "", phone or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if digits and not MOBILE_RE.match(digits):
        raise DomainError(_l("Enter an 11-digit mainland mobile number starting with 13–19."), field="phone")
    return digits


def _check_admin(actor) -> None:
    if actor is None or actor.role not in USER_ADMINS:
        raise Forbidden(_l("Only administrators may manage users."))


def _clean(fields: dict) -> dict:
    """The account fields checked and tidied: name, role, organisation, mobile, work number, email."""
    name = (fields.get("display_name") or "").strip()
    if not name:
        raise DomainError(_l("Enter the person's name."), field="display_name")
    role = fields.get("role")
    if role not in ROLES:
        raise DomainError(_l("Choose a role."), field="role")
    email = (fields.get("email") or "").strip()
    if email and (len(email) > 120 or not EMAIL_RE.match(email)):
        raise DomainError(_l("This is not a valid email address."), field="email")
    work_no = (fields.get("work_no") or "").strip().upper() or None
    return {"display_name": name[:60], "role": role, "email": email, "work_no": work_no,
            "phone": normalise_mobile(fields.get("phone") or ""),
            "organisation_id": _organisation_for(role, fields.get("organisation_id"))}


def _organisation_for(role: str, organisation_id: int | None) -> int | None:
    """Firm users belong to their firm; dispatchers and operators to the fallback operator; district
    staff to none."""
    org = db.session.get(Organisation, organisation_id) if organisation_id else None
    if role in FIRM_ROLES:
        if org is None or org.kind != "property_firm":
            raise DomainError(_l("A firm user belongs to a property firm: choose it."), field="organisation_id")
    elif role in OPERATOR_STAFF_ROLES:
        if org is None:
            org = db.session.scalar(select(Organisation).where(Organisation.kind == "fallback_operator"))
        if org is None or org.kind != "fallback_operator":
            raise DomainError(_l("Dispatchers and operators belong to the fallback operator."),
                              field="organisation_id")
    else:
        return None
    return org.id


def _check_work_no_free(work_no: str | None, user_id: int | None = None) -> None:
    if work_no and db.session.scalar(select(User.id).where(User.work_no == work_no, User.id != (user_id or 0))):
        raise DomainError(_l("The work number %(no)s is already given to someone else.", no=work_no), field="work_no")


def _check_organisation_open(organisation_id: int | None, previous: int | None = None) -> None:
    if organisation_id and organisation_id != previous:
        org = db.session.get(Organisation, organisation_id)
        if not org.active:
            raise DomainError(_l("%(name)s is suspended: it takes no new users.", name=org.name),
                              field="organisation_id")


def create_account(actor, *, now: datetime, username: str, **fields) -> tuple[User, str]:
    """A new user with a one-time password (returned to be shown once); they choose their own at
    first sign-in."""
    _check_admin(actor)
    clean = _clean(fields)
    _check_work_no_free(clean["work_no"])
    _check_organisation_open(clean["organisation_id"])
    password = one_time_password()
    role, name = clean.pop("role"), clean.pop("display_name")
    user = create_user((username or "").strip()[:60], role, password, display_name=name, **clean)
    user.must_change_password = True
    db.session.flush()
    record(actor, "user", user.id, "user_created", now=now, to_state="active",
           changes={"username": [None, user.username], "role": [None, user.role],
                    "organisation": [None, _org_name(user.organisation_id)]})
    return user, password


def _org_name(organisation_id: int | None) -> str | None:
    return db.session.scalar(select(Organisation.name).where(Organisation.id == organisation_id)) \
        if organisation_id else None


def update_account(actor, user: User, *, now: datetime, **fields) -> dict:
    """Changes name, role, organisation, mobile, work number, email; returns what changed."""
    _check_admin(actor)
    clean = _clean(fields)
    _check_work_no_free(clean["work_no"], user.id)
    _check_organisation_open(clean["organisation_id"], user.organisation_id)
    if user.role == "admin" and clean["role"] != "admin":
        _check_not_last_admin(user)
    if clean["role"] != "operator" and user.role == "operator":
        _check_no_open_tasks(user, now)
    if clean["role"] != "operator" and user.crew_id is not None:
        clean["crew_id"] = None  # only operators are members of a crew
    changes = {}
    for key, value in clean.items():
        old = getattr(user, key)
        if old != value:
            if key == "organisation_id":
                changes["organisation"] = [_org_name(old), _org_name(value)]
            elif key == "crew_id":
                changes["crew"] = [user.crew.name if user.crew else None, None]
            else:
                changes[key] = [old, value]
            setattr(user, key, value)
    if changes:
        db.session.flush()
        record(actor, "user", user.id, "user_updated", now=now, changes=changes)
    return changes


def _check_not_last_admin(user: User) -> None:
    others = db.session.scalar(select(func.count(User.id)).where(User.role == "admin", User.active,
                                                                 User.id != user.id))
    if not others:
        raise DomainError(_l("%(name)s is the last active administrator: make someone else an administrator first.",
                             name=user.label))


def open_future_tasks(user: User, now: datetime) -> int:
    """The operator's tasks still to do (scheduled, started or sent back) whose window has not ended."""
    return db.session.scalar(select(func.count(Task.id)).where(
        Task.assignee_id == user.id, Task.status.in_(OPEN_TASK_STATUSES), Task.window_end >= now))


def _check_no_open_tasks(user: User, now: datetime) -> None:
    count = open_future_tasks(user, now)
    if count:
        raise DomainError(_l("%(name)s still has %(n)d tasks to do: reassign them to other operators first.",
                             name=user.full_label, n=count))


def deactivate_account(actor, user: User, *, now: datetime, reason: str = "") -> int:
    """The user can no longer sign in (sessions end, tokens stop); returns the sessions ended.
    Refused for the last administrator and for an operator with tasks still to do."""
    _check_admin(actor)
    if not user.active:
        raise DomainError(_l("%(name)s is already deactivated.", name=user.label))
    if user.role == "admin":
        _check_not_last_admin(user)
    if user.role == "operator":
        _check_no_open_tasks(user, now)
    ended = deactivate_user(user)
    record(actor, "user", user.id, "user_deactivated", now=now, from_state="active", to_state="inactive",
           reason=(reason or "").strip()[:500])
    return ended


def reactivate_account(actor, user: User, *, now: datetime) -> None:
    _check_admin(actor)
    if user.active:
        raise DomainError(_l("%(name)s is already active.", name=user.label))
    user.active = True
    db.session.flush()
    record(actor, "user", user.id, "user_reactivated", now=now, from_state="inactive", to_state="active")


def reset_password(actor, user: User, *, now: datetime) -> str:
    """A one-time password for the user (returned to be shown once); every session and API token of
    theirs ends, and they choose their own password at the next sign-in."""
    _check_admin(actor)
    password = one_time_password()
    change_password(user, password, now=now)
    user.must_change_password = True
    db.session.flush()
    record(actor, "user", user.id, "password_reset", now=now)
    return password


def end_sessions(actor, user: User, *, now: datetime) -> int:
    _check_admin(actor)
    ended = end_all_sessions(user)
    record(actor, "user", user.id, "sessions_ended", now=now, changes={"sessions": [ended, 0]})
    return ended


def revoke_api_tokens(actor, user: User, *, now: datetime) -> int:
    _check_admin(actor)
    revoked = revoke_tokens(user, now=now)
    record(actor, "user", user.id, "tokens_revoked", now=now, changes={"tokens": [revoked, 0]})
    return revoked


def change_own_password(user: User, current: str, new: str, *, now: datetime) -> None:
    """The user's own new password: the current one is required; their other sessions and their API
    tokens end (the caller starts a new session for this browser)."""
    if not user.check_password(current or ""):
        raise DomainError(_l("The current password is not right."), field="current")
    if new == current:
        raise DomainError(_l("Choose a password different from the current one."), field="new")
    change_password(user, new, now=now)
    user.must_change_password = False
    db.session.flush()
    record(user, "user", user.id, "password_changed", now=now)
