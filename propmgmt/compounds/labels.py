"""Display words for the register's codes; translated by the catalogue, never hard-coded."""
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

MODE_LABELS = {
    "unmanaged": _l("Unmanaged"),
    "fallback": _l("Fallback service"),
    "professional": _l("Professional firm"),
    "self_managed": _l("Self-managed by owners"),
}
TIER_LABELS = {
    "basic": _l("Basic"),
    "improvement": _l("Improvement"),
    "upgrade": _l("Upgrade"),
}
STATUS_LABELS = {
    "reserve": _l("Reserve"),
    "under_construction": _l("Under construction"),
    "new_start": _l("New start"),
    "completed": _l("Construction completed"),
}


def reverse_lookup(labels: dict, locales=("zh", "en")) -> dict[str, str]:
    """Maps each code and its label in every UI language back to the code (for imports)."""
    lookup = {code: code for code in labels}
    for locale in locales:
        with force_locale(locale):
            lookup.update({str(label).strip().lower(): code for code, label in labels.items()})
    return lookup

FIELD_LABELS = {
    "name": _l("Compound name"),
    "subdistrict": _l("Subdistrict"),
    "community": _l("Community"),
    "community_id": _l("Community"),
    "address": _l("Address"),
    "aliases": _l("Other names"),
    "year_built": _l("Year built"),
    "buildings": _l("Buildings"),
    "households": _l("Households"),
    "floor_area": _l("Floor area (m²)"),
    "renovation_tier": _l("Renovation tier"),
    "renovation_status": _l("Renovation status"),
    "renovation_completed_on": _l("Renovation completed on"),
    "management_mode": _l("Management mode"),
    "decision_no": _l("Decision number"),
}

# The compound's timeline: what each audit action of a compound or its assignments is called.
TIMELINE_LABELS = {
    "created": _l("Registered"),
    "imported": _l("Imported"),
    "updated": _l("Register data changed"),
    "assignment_proposed": _l("Fallback assignment proposed"),
    "assignment_approved": _l("Fallback assignment approved"),
    "assignment_rejected": _l("Fallback assignment rejected"),
    "assignment_ended": _l("Fallback assignment ended"),
    "mode_changed": _l("Management mode changed"),
}
