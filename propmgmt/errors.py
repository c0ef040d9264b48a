"""DomainError: a rule of the measures was not met; its message is shown to the user."""


class DomainError(Exception):
    """Raised by services. `message` is a translated sentence a user can act on.

    Given lazy (`_l`), it is translated here, in the request that raises it, into a plain string: a
    lazy string counts as safe HTML to Jinja (flask_babel's LazyString.__html__), so one that carries
    a user's words (a room number, a file name) would reach the page unescaped."""

    status_code = 422
    code = "rule_violation"

    def __init__(self, message, *, field: str | None = None, code: str | None = None):
        self.message = str(message)
        super().__init__(self.message)
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
