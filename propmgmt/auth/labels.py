"""Display words for roles."""
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "official": _l("District official"),
    "dispatcher": _l("Dispatcher"),
    "operator": _l("Field operator"),
    "firm": _l("Property firm"),
    "inspector": _l("Inspector"),
}
