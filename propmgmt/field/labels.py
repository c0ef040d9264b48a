"""Display words of the field app."""
from flask_babel import lazy_gettext as _l

PROBLEM_LABELS = {
    "sewage_overflow": _l("Sewage overflow"),
    "blocked_shaft": _l("Blocked shaft"),
    "garbage_not_collected": _l("Garbage not collected"),
    "cleaning": _l("Cleaning"),
    "lighting": _l("Lighting"),
    "facility_damage": _l("Damaged facility"),
    "other": _l("Other"),
}
