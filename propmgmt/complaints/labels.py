"""Display words of cases: categories, states, severities, sources."""
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
STATUS_LABELS = {
    "received": _l("Received"),
    "acknowledged": _l("Acknowledged"),
    "dispatched": _l("Dispatched"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "reopened": _l("Reopened"),
}
SEVERITY_LABELS = {"urgent": _l("Urgent"), "high": _l("High"), "normal": _l("Normal")}
SOURCE_LABELS = {"resident": _l("Resident"), "hotline": _l("12345 hotline"), "field": _l("Field")}
# What residents read in a case's history (public: no names).
HISTORY_LABELS = {
    "complaint_received": _l("Report received"),
    "problem_reported": _l("Report received"),
    "complaint_acknowledged": _l("Acknowledged by the dispatcher"),
    "complaint_dispatched": _l("Sent to the service crew"),
    "complaint_resolved": _l("Resolved"),
    "complaint_closed": _l("Closed"),
    "complaint_rated": _l("Rated by the resident"),
    "complaint_reopened": _l("Reopened by the resident"),
    "complaint_matched": _l("Matched to the compound"),
}
