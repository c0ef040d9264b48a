"""DomainError: a rule of the measures was not met; its message is shown to the user."""


class DomainError(Exception):
    """Raised by services. `message` is a (lazy) translated sentence a user can act on."""

    status_code = 422
    code = "rule_violation"

    def __init__(self, message, *, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code


class Forbidden(DomainError):
    """The rule says this user may not do this (not a missing role on a page: that is a plain 403)."""
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
