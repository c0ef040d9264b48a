"""The audit log (administrators, officials): filters, paging and the .xlsx export.

An entry in words is the same on the page and in the export (describe): who, what, which record
(linked where the reader may open it), from → to, the reason when the reader may see it, the changes.
"""
import io

from flask import Blueprint, current_app, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import roles
from ..auth.access import roles_required
from ..auth.models import User
from ..auth.roles import AUDIT_READERS
from ..clock import local_today, utcnow
from ..compounds.labels import FIELD_LABELS, TIMELINE_LABELS
from ..compounds.views import timeline_reason, timeline_state, timeline_value
from ..extensions import db
from ..orgs.models import Organisation
from ..request_args import choice_arg, date_arg, int_arg, page_arg, text_arg
from .exports import audit_xlsx
from .labels import ENTITY_LABELS
from .queries import AuditFilter, audit_log

bp = Blueprint("audit", __name__, url_prefix="/audit")
MAX_EXPORT_ROWS = 50_000

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


def record_names(entries) -> dict[tuple[str, int], str]:
    """The names of the users and organisations the entries are about: two statements for a page."""
    wanted = {"user": set(), "organisation": set()}
    for entry in entries:
        if entry.entity_type in wanted:
            wanted[entry.entity_type].add(entry.entity_id)
    names = {}
    if wanted["user"]:
        for user_id, display_name, username in db.session.execute(
                select(User.id, User.display_name, User.username).where(User.id.in_(wanted["user"]))):
            names["user", user_id] = display_name or username
    if wanted["organisation"]:
        for org_id, name in db.session.execute(select(Organisation.id, Organisation.name)
                                               .where(Organisation.id.in_(wanted["organisation"]))):
            names["organisation", org_id] = name
    return names


def _filter() -> AuditFilter:
    return AuditFilter(actor_id=int_arg("actor"), who=text_arg("who"), action=choice_arg("action", TIMELINE_LABELS),
                       entity_type=choice_arg("entity_type", ENTITY_LABELS), entity_id=int_arg("entity_id"),
                       date_from=date_arg("from"), date_to=date_arg("to"))


@bp.route("")
@roles_required(*AUDIT_READERS)
def log():
    f = _filter()
    page = db.paginate(audit_log(f), page=page_arg(), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    names = record_names(page.items)
    rows = [describe(entry, names) for entry in page.items]
    actions = sorted(((key, str(label)) for key, label in TIMELINE_LABELS.items()), key=lambda pair: pair[1])
    return render_template("audit/log.html", page=page, rows=rows, f=f, actions=actions,
                           entity_types=[(key, str(label)) for key, label in ENTITY_LABELS.items()])


@bp.route("/export.xlsx")
@roles_required(*AUDIT_READERS)
def export():
    f, now = _filter(), utcnow()
    entries = db.session.scalars(audit_log(f).limit(MAX_EXPORT_ROWS)).unique().all()
    names = record_names(entries)
    data = audit_xlsx([describe(entry, names) for entry in entries], f, action_labels=TIMELINE_LABELS,
                      limit=MAX_EXPORT_ROWS, now=now)
    return send_file(io.BytesIO(data), as_attachment=True, download_name=f"{_('Audit log')}-{local_today(now)}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
