"""Authentication: passwords, sign-in throttling, sign-in sessions, API tokens."""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from .models import ROLES, ApiToken, LoginAttempt, User, UserSession


class TooManyAttempts(DomainError):
    status_code = 429
    code = "too_many_attempts"


def create_user(username: str, role: str, password: str, *, display_name: str = "", **fields) -> User:
    username = (username or "").strip()
    if not username:
        raise DomainError(_l("Username must not be empty."), field="username")
    if role not in ROLES:
        raise DomainError(_l("Unknown role %(role)s.", role=role), field="role")
    _check_password_length(password)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise DomainError(_l("The username %(name)s is taken.", name=username), field="username")
    user = User(username=username, role=role, display_name=display_name, **fields)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def _check_password_length(password: str) -> None:
    if len(password or "") < 8:
        raise DomainError(_l("The password must have at least 8 characters."), field="password")


def change_password(user: User, password: str, *, now: datetime | None = None) -> int:
    """Sets a new password and signs the user out everywhere, API tokens included (a leaked
    password may have made one); returns how many sessions ended.

    (Private calendar links end with it too: their token holds part of the password hash.)
    """
    _check_password_length(password)
    user.set_password(password)
    db.session.flush()
    revoke_tokens(user, now=now or utcnow())
    return end_all_sessions(user)


def deactivate_user(user: User) -> int:
    """The user may no longer sign in, and is signed out everywhere; returns how many sessions ended."""
    user.active = False
    db.session.flush()
    return end_all_sessions(user)


# Checked against when the username is unknown, so a wrong name takes as long as a wrong password
# (the time would otherwise say which usernames exist). Made on first use, with the app's method.
_DUMMY_HASH: dict[str, str] = {}

# Beyond max_failures for one (username, address), each further try waits twice as long as the one
# before (1, 2, 4 ... minutes, at most the window); a username's ceiling over all addresses, and an
# address's over all usernames, are far higher (USER_CEILING, ADDRESS_CEILING times max_failures).
USER_CEILING, ADDRESS_CEILING = 10, 20


def _dummy_check(password: str) -> None:
    method = current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt"
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash(secrets.token_hex(16), method=method)
    check_password_hash(_DUMMY_HASH[method], password)


def _failures(*conditions, since: datetime) -> tuple[int, datetime | None]:
    return db.session.execute(select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(
        LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False), *conditions)).one()


def _refuse(minutes: int):
    raise TooManyAttempts(_l("Too many failed sign-ins. Please wait %(minutes)d minutes and try again.",
                             minutes=max(1, minutes)))


def authenticate(username: str, password: str, address: str, *, now: datetime, max_failures: int,
                 window_minutes: int) -> User | None:
    """The user for these credentials, or None; refuses (TooManyAttempts, saying how long to wait)
    when the recent failures say someone is guessing.

    Counted in the database, so the limits hold across all web processes: per (username, address)
    with growing waits, so nobody can lock a user out from elsewhere and one guesser does not lock
    out an office behind the same address; a username's ceiling over all addresses, which a correct
    password from an address the user has signed in from before still passes; an address's ceiling
    over all usernames (spraying). A success clears its pair's failures.
    """
    username, address = username[:60], address[:64]
    since = now - timedelta(minutes=window_minutes)
    pair, last = _failures(LoginAttempt.username == username, LoginAttempt.address == address, since=since)
    if pair >= max_failures:
        wait = timedelta(minutes=min(2 ** (pair - max_failures), window_minutes))
        if last + wait > now:
            _refuse(int((last + wait - now).total_seconds() // 60) + 1)
    if _failures(LoginAttempt.address == address, since=since)[0] >= ADDRESS_CEILING * max_failures:
        _refuse(window_minutes)
    user_total, _ = _failures(LoginAttempt.username == username, since=since)
    known_address = db.session.scalar(select(LoginAttempt.id).where(
        LoginAttempt.username == username, LoginAttempt.address == address, LoginAttempt.succeeded.is_(True))
        .limit(1)) is not None
    if user_total >= USER_CEILING * max_failures and not known_address:
        _refuse(window_minutes)
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        _dummy_check(password)
    if user is None or not user.active or not user.check_password(password):
        db.session.add(LoginAttempt(username=username, address=address, at=now))
        db.session.flush()
        return None
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.username == username, LoginAttempt.address == address,
                                                  LoginAttempt.succeeded.is_(False)))
    if not known_address:
        db.session.add(LoginAttempt(username=username, address=address, at=now, succeeded=True))
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, now: datetime) -> str:
    """A new signed-in session of `user`; returns its id for the session cookie (only its hash is kept)."""
    session_id = secrets.token_urlsafe(32)
    db.session.add(UserSession(id_hash=_hash_token(session_id), user_id=user.id, created_at=now))
    db.session.flush()
    return session_id


def end_session(session_id: str | None) -> None:
    """Signs out this one browser or tablet: a copy of its cookie stops working, other sessions go on."""
    if isinstance(session_id, str):
        db.session.execute(delete(UserSession).where(UserSession.id_hash == _hash_token(session_id)))


def end_all_sessions(user: User) -> int:
    return db.session.execute(delete(UserSession).where(UserSession.user_id == user.id)).rowcount


def user_for_session(user_id: str, session_id: str | None) -> User | None:
    """The signed-in user while the session exists and the user is active, else None.

    One statement by primary key, joined with the user: no more than loading the user alone.
    """
    if not (user_id.isdigit() and isinstance(session_id, str)):
        return None
    return db.session.scalar(
        select(User).join(UserSession, UserSession.user_id == User.id).where(
            UserSession.id_hash == _hash_token(session_id), User.id == int(user_id), User.active)
    )


def create_token(user: User, name: str = "") -> str:
    """Returns the new token; only its hash is kept, so it can be shown once."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_hash_token(token), name=name))
    db.session.flush()
    return token


def revoke_tokens(user: User, *, now: datetime) -> int:
    return db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
    ).rowcount


def user_for_token(token: str, *, now: datetime) -> User | None:
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _hash_token(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    row.last_used_at = now
    return row.user
