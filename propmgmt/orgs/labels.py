"""Display words for organisations."""
from flask_babel import lazy_gettext as _l

KIND_LABELS = {"fallback_operator": _l("Fallback operator"), "property_firm": _l("Property firm")}
STATUS_LABELS = {"active": _l("In good standing"), "suspended": _l("Suspended")}
