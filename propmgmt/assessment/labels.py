"""Display words of the assessment's codes."""
from flask_babel import lazy_gettext as _l

KIND_LABELS = {"spot_check": _l("Spot check"), "figure": _l("Automatic figure")}
FIGURE_LABELS = {
    "on_time_rate": _l("On-time rate (%)"),
    "first_pass_rate": _l("First-pass rate (%)"),
    "missed": _l("Missed tasks"),
    "complaints_in_time_rate": _l("Cases answered within the deadline (%)"),
    "satisfaction": _l("Residents' rating (1–5)"),
    "survey_satisfaction": _l("Survey satisfaction (%)"),
}
RULE_LABELS = {"linear": _l("Linear between two values"), "thresholds": _l("Thresholds")}
RECTIFICATION_LABELS = {"open": _l("To fix"), "fixed": _l("Reported fixed"), "verified": _l("Verified")}
