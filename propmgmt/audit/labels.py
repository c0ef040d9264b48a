"""Display words for the kinds of record the audit log names (the actions' are compounds.labels.TIMELINE_LABELS)."""
from flask_babel import lazy_gettext as _l

ENTITY_LABELS = {
    "compound": _l("Compound"),
    "assignment": _l("Fallback assignment"),
    "service_plan": _l("Service plan"),
    "service_standard": _l("Service standard"),
    "task": _l("Task"),
    "complaint": _l("Resident case"),
    "handover": _l("Handover"),
    "readiness_policy": _l("Readiness criteria"),
    "notification": _l("Notification"),
    "user": _l("User"),
    "organisation": _l("Organisation"),
    "crew": _l("Crew"),
}
