"""Display words for plan and task states."""
from flask_babel import lazy_gettext as _l

PLAN_STATUS_LABELS = {"active": _l("In force"), "paused": _l("Paused"), "ended": _l("Ended")}
TASK_STATUS_LABELS = {
    "scheduled": _l("Scheduled"), "in_progress": _l("In progress"), "done": _l("Done"),
    "verified": _l("Verified"), "rejected": _l("Rejected for redo"), "missed": _l("Missed"),
    "cancelled": _l("Cancelled"),
}
