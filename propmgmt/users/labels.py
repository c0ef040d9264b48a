"""Display words for a user account's state."""
from flask_babel import lazy_gettext as _l

ACCOUNT_STATE_LABELS = {"active": _l("Enabled"), "inactive": _l("Deactivated")}
