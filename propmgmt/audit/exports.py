"""The audit log as .xlsx: the entries of a filter in words (views.describe), newest first, the moment to
the second in the district's time, the filters and whether the export stopped at its row limit on top."""
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from ..auth.models import User
from ..extensions import db
from ..spreadsheets import Column, Sheet, filters_text, workbook_bytes
from .labels import ENTITY_LABELS
from .queries import AuditFilter


def _columns() -> list[Column]:
    return [Column(_("When"), "timestamp"), Column(_("Who")), Column(_("Action")), Column(_("Record")),
            Column(_("From")), Column(_("To")), Column(_("Reason")), Column(_("Changes"))]


def _filters(f: AuditFilter, action_labels: dict) -> str:
    actor = db.session.get(User, f.actor_id) if f.actor_id else None
    record = str(ENTITY_LABELS[f.entity_type]) if f.entity_type in ENTITY_LABELS else None
    if record and f.entity_id:
        record = f"{record} #{f.entity_id}"
    return filters_text([
        (_("Who"), actor.full_label if actor else f.who),
        (_("Action"), str(action_labels[f.action]) if f.action in action_labels else None),
        (_("Record"), record),
        (_("From"), f.date_from.isoformat() if f.date_from else None),
        (_("To"), f.date_to.isoformat() if f.date_to else None),
    ])


def audit_xlsx(rows: list[dict], f: AuditFilter, *, action_labels: dict, limit: int, now: datetime) -> bytes:
    """`rows` are the described entries of the filter, at most `limit` of them (the newest); the actions'
    words come from the web layer (compounds' timeline labels, which audit itself may not import)."""
    with force_locale("zh"):
        note = _filters(f, action_labels)
        if len(rows) >= limit:
            note += "; " + _("Only the newest %(n)d entries: narrow the filters for the rest.", n=limit)
        sheet = Sheet(_("Audit log"), _columns(), title=_("Audit log"), filters=note, as_of=now)
        for row in rows:
            sheet.append([row["at"], row["who"], row["action"], row["record"], row["from"], row["to"], row["reason"],
                          "\n".join(row["changes"])])
        return workbook_bytes(sheet)
