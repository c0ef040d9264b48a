"""Display words of the handover workflow."""
from flask_babel import lazy_gettext as _l

STAGE_LABELS = {
    "assessing": _l("Readiness assessment"),
    "owners_decision": _l("Owners' decision"),
    "firm_selection": _l("Firm selection"),
    "joint_inspection": _l("Joint inspection"),
    "transition": _l("Transition period"),
    "completed": _l("Handed over"),
    "aborted": _l("Stopped"),
}
FACILITY_LABELS = {
    "roads": _l("Roads"), "drains": _l("Drains"), "lighting": _l("Lighting"),
    "access_control": _l("Access control"), "cameras": _l("Cameras"), "fire_equipment": _l("Fire equipment"),
    "greenery": _l("Greenery"),
}
INSPECTION_RESULT_LABELS = {"ok": _l("In order"), "defect": _l("Defect"), "fixed": _l("Fixed")}
CRITERION_LABELS = {
    "renovated": _l("Renovation completed"),
    "owners_committee": _l("Owners' committee or representatives in place"),
    "owners_decision": _l("Owners' decision recorded (art. 278)"),
    "fee_willingness": _l("Fee-collection willingness at or above the threshold"),
    "no_severe_complaints": _l("No open severe complaints"),
    "months_in_fallback": _l("Long enough in fallback service"),
    "satisfaction": _l("Residents satisfied (average rating at least 3.5 of 5)"),
    "survey_satisfaction": _l("Latest survey's satisfaction at or above the threshold"),
}
# The owners' decision's result, as its audit entry records it (services.record_owners_decision).
DECISION_RESULT_LABELS = {"passed": _l("Decision passed"), "failed": _l("Decision not passed")}
