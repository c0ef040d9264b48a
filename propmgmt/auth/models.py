"""Users, their role, notification preferences, API tokens, sign-in sessions and sign-in attempts."""
from datetime import datetime, time

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Time, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..database import UTCDateTime, one_of
from ..extensions import db

ROLES = ("admin", "official", "dispatcher", "operator", "firm", "inspector")


def person_label(name: str, work_no: str | None = None, crew: str | None = None) -> str:
    """徐师傅（JC0013 · 东片一组）: a name with what tells two of that name apart. The one way every page,
    list and export names an operator (User.full_label; queries that read the three columns call it)."""
    details = [part for part in (work_no, crew) if part]
    if not details:
        return name
    return _("%(name)s (%(details)s)", name=name, details=" · ".join(details))


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (one_of("role", ROLES, "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(60), default="")
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crew.id"), index=True)
    # Private: shown to dispatchers and officials only, never on public pages.
    phone: Mapped[str] = mapped_column(String(30), default="")
    # The operator's work number (工号), unique when set: tells apart people of the same name.
    work_no: Mapped[str | None] = mapped_column(String(20), unique=True, index=True)
    email: Mapped[str] = mapped_column(String(120), default="")
    locale: Mapped[str | None] = mapped_column(String(10))
    # Where reminders reach the user besides the in-app centre, and when they may not
    # (local wall-clock times; a period may cross midnight, e.g. 22:00-07:00).
    notify_email: Mapped[bool] = mapped_column(default=False, server_default="0")
    notify_webhook: Mapped[bool] = mapped_column(default=False, server_default="0")
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    active: Mapped[bool] = mapped_column(default=True)
    # Set when an administrator gave a one-time password: the user chooses their own before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation = relationship("Organisation")
    crew = relationship("Crew", foreign_keys=[crew_id])

    def set_password(self, password: str) -> None:
        # Tests configure a cheaper method; production keeps Werkzeug's default (scrypt).
        method = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
        self.password_hash = generate_password_hash(password, **({"method": method} if method else {}))

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def label(self) -> str:
        return self.display_name or self.username

    @property
    def full_label(self) -> str:
        """The name with the work number and crew (person_label)."""
        return person_label(self.label, self.work_no, self.crew.name if self.crew_id and self.crew else None)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, the token itself is printed once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class UserSession(db.Model):
    """A signed-in browser or tablet: the session cookie names it, signing out deletes it.

    The cookie is signed, not secret, so a copy of it works as long as this row exists; only the
    SHA-256 of the id in the cookie is stored, as for API tokens.
    """

    __tablename__ = "user_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginAttempt(db.Model):
    """Failed sign-ins, and one row per address a user has signed in from (succeeded), kept in the
    database so throttling holds across web processes (auth.services.authenticate)."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
        Index("ix_login_attempt_pair_at", "username", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded: Mapped[bool] = mapped_column(default=False, server_default=false())
