"""Display words for notification channels and the things a notification is about."""
from flask_babel import lazy_gettext as _l

CHANNEL_LABELS = {
    "in_app": _l("In the app"),
    "email": _l("Email"),
    "webhook": _l("Group robot"),
}
SUBJECT_LABELS = {
    "task": _l("Task"),
    "complaint": _l("Complaint"),
    "handover": _l("Handover"),
    "inspection_item": _l("Joint inspection"),
    "assignment": _l("Assignment"),
    "report": _l("Report"),
}
