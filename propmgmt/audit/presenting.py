"""An audit entry in words, the same on the log page and in its export: who, what, which record,
from → to, the reason (when the reader may see it) and the changes."""
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import roles
from ..compounds.labels import FIELD_LABELS, TIMELINE_LABELS
from ..compounds.views import timeline_reason, timeline_state, timeline_value
from .labels import ENTITY_LABELS

# Where each kind of record opens, with the role set that may open it (auth.roles).
RECORD_PAGES = {
    "compound": ("compounds.show_compound", "REGISTER_READERS", lambda e: {"compound_id": e.entity_id}),
    "assignment": ("assignments.show", "STAFF", lambda e: {"assignment_id": e.entity_id}),
    "handover": ("handovers.show", "HANDOVER_DECIDERS", lambda e: {"handover_id": e.entity_id}),
    "complaint": ("complaints.show", "CASE_HANDLERS", lambda e: {"complaint_id": e.entity_id}),
    "service_plan": ("plans.compound_plans", "STAFF", lambda e: {"compound_id": e.compound_id}),
    "service_standard": ("plans.standards", "STAFF", lambda e: {}),
    "readiness_policy": ("handovers.policy_page", "STAFF", lambda e: {}),
    "notification": ("reminders.parked", "OUTBOX_KEEPERS", lambda e: {}),
    "user": ("users.edit_user", "USER_ADMINS", lambda e: {"user_id": e.entity_id}),
    "organisation": ("organisations.show", "ORGANISATION_KEEPERS", lambda e: {"organisation_id": e.entity_id}),
}


def record_url(entry) -> str | None:
    """The record's page when the viewer may open it, else None (a task opens its compound's page)."""
    page = RECORD_PAGES.get(entry.entity_type)
    if page is None and entry.compound_id:
        page = RECORD_PAGES["compound"][0], "REGISTER_READERS", lambda e: {"compound_id": e.compound_id}
    if page is None:
        return None
    endpoint, role_set, arguments = page
    kwargs = arguments(entry)
    if not current_user.is_authenticated or current_user.role not in getattr(roles, role_set) \
            or None in kwargs.values():
        return None
    return url_for(endpoint, **kwargs)


def record_label(entry, names: dict) -> str:
    kind = str(ENTITY_LABELS.get(entry.entity_type, entry.entity_type))
    if entry.entity_type == "compound" and entry.compound is not None:
        return f"{kind} {entry.compound.name}"
    name = names.get((entry.entity_type, entry.entity_id))
    label = f"{kind} {name}" if name else f"{kind} #{entry.entity_id}"
    return f"{label} · {entry.compound.name}" if entry.compound is not None else label


def change_lines(entry) -> list[str]:
    return [f"{FIELD_LABELS.get(key, key)}: {timeline_value(key, pair[0])} → {timeline_value(key, pair[1])}"
            for key, pair in (entry.changes or {}).items() if isinstance(pair, list | tuple) and len(pair) == 2]


def describe(entry, names: dict) -> dict:
    return {
        "at": entry.at,
        "who": entry.actor.full_label if entry.actor else _("system"),
        "action": str(TIMELINE_LABELS.get(entry.action, entry.action)),
        "record": record_label(entry, names),
        "url": record_url(entry),
        "from": timeline_state(entry, entry.from_state),
        "to": timeline_state(entry, entry.to_state),
        "reason": timeline_reason(entry),
        "changes": change_lines(entry),
    }
