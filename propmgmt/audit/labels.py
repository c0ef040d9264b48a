"""Display words for audit actions, shown on timelines."""
from flask_babel import lazy_gettext as _l

AUDIT_ACTION_LABELS = {
    "created": _l("Registered"),
    "imported": _l("Imported"),
    "updated": _l("Register data changed"),
    "assignment_proposed": _l("Fallback assignment proposed"),
    "assignment_approved": _l("Fallback assignment approved"),
    "assignment_rejected": _l("Fallback assignment rejected"),
    "assignment_ended": _l("Fallback assignment ended"),
    "mode_changed": _l("Management mode changed"),
}


def state_labels() -> dict:
    """Every state word a timeline entry can carry: management modes and assignment states."""
    from ..assignments.labels import STATUS_LABELS
    from ..compounds.labels import MODE_LABELS
    return {**STATUS_LABELS, **MODE_LABELS}
