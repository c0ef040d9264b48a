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
    "hotline_returned": _l("Sent back to the 12345 hotline"),
}
NATURE_LABELS = {"consult": _l("Enquiry"), "help": _l("Request for help"), "complaint": _l("Complaint"),
                 "suggestion": _l("Suggestion"), "report": _l("Report of wrongdoing"), "thanks": _l("Thanks")}
DEADLINE_RULE_LABELS = {
    "policy": _l("Our response policy"), "hotline_hours": _l("The hotline's time limit in hours"),
    "hotline_due": _l("The hotline's due date"), "hotline_workdays": _l("The hotline's working days"),
    "extension": _l("Extension approved by the hotline"),
}
VISIT_LABELS = {"satisfied": _l("Satisfied"), "basic": _l("Basically satisfied"), "unsatisfied": _l("Not satisfied")}
STEP_LABELS = {"signed": _l("Signed for"), "returned": _l("Sent back"), "extension": _l("Extension"),
               "urged": _l("Urged")}
DECISION_LABELS = {"approved": _l("Approved"), "refused": _l("Refused")}
