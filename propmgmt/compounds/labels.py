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
    "compound_id": _l("Compound"),
    "category": _l("Problem"),
    "source": _l("Source"),
    "ticket": _l("12345 ticket"),
    "rating": _l("Rating"),
    "offline": _l("Recorded offline"),
    "assignee_id": _l("Operator"),
    "project_name": _l("Project"),
    "leader": _l("Responsible leader"),
    "contractor": _l("Contractor"),
    "budget": _l("Budget (yuan)"),
    "compounds": _l("Compounds covered"),
    "content": _l("Content"),
    "planned_new_start_on": _l("Planned works start"),
    "planned_under_construction_on": _l("Planned on site"),
    "planned_completed_on": _l("Planned completion"),
    "planned_accepted_on": _l("Planned acceptance"),
    "percent": _l("Progress (%)"),
    "problems": _l("Problems"),
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
    "plan_created": _l("Service plan created"),
    "plan_changed": _l("Service plan changed"),
    "plan_paused": _l("Service plan paused"),
    "plan_resumed": _l("Service plan resumed"),
    "standard_versioned": _l("New version of the service standard"),
    "task_created_for_complaint": _l("Task created for a case"),
    "task_started": _l("Task started"),
    "task_completed": _l("Task completed"),
    "task_verified": _l("Task verified"),
    "task_rejected": _l("Task sent back for redo"),
    "task_reassigned": _l("Task handed to another operator"),
    "complaint_received": _l("Case received"),
    "problem_reported": _l("Problem reported from the field"),
    "complaint_matched": _l("Case matched to the compound"),
    "complaint_acknowledged": _l("Case acknowledged"),
    "complaint_dispatched": _l("Case dispatched"),
    "complaint_resolved": _l("Case resolved"),
    "complaint_closed": _l("Case closed"),
    "complaint_rated": _l("Case rated by the resident"),
    "complaint_reopened": _l("Case reopened by the resident"),
    "handover_started": _l("Handover started"),
    "handover_stage": _l("Handover moved to the next stage"),
    "owners_decision": _l("Owners' decision recorded"),
    "firm_selected": _l("Incoming firm selected"),
    "inspection_signed": _l("Joint inspection signed"),
    "handover_completed": _l("Handover completed"),
    "handover_aborted": _l("Handover aborted"),
    "policy_changed": _l("Readiness criteria changed"),
    "notification_requeued": _l("Message queued again"),
    "renovation_project_created": _l("Renovation project created"),
    "renovation_project_changed": _l("Renovation project changed"),
    "renovation_stage": _l("Renovation project moved to the next stage"),
    "renovation_progress": _l("Monthly renovation progress reported"),
    "renovation_problem_solved": _l("Renovation problem solved"),
    "renovation_item_added": _l("Renovation content item added"),
    "renovation_item_withdrawn": _l("Renovation content item withdrawn"),
    "renovation_item_restored": _l("Renovation content item restored"),
}
