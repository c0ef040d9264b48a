"""Display words for assignment states and end reasons."""
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "proposed": _l("Proposed"),
    "active": _l("Active"),
    "ended": _l("Ended"),
    "rejected": _l("Rejected"),
}
END_REASON_LABELS = {
    "revoked": _l("Revoked"),
    "handed_over": _l("Handed over to a professional firm"),
}
