"""The audit log (administrators, officials): filters, paging and the .xlsx export."""
import io

from flask import Blueprint, current_app, render_template, send_file
from flask_babel import gettext as _
from openpyxl import Workbook

from ..auth.access import roles_required
from ..auth.roles import AUDIT_READERS
from ..clock import local_today, to_local
from ..compounds.labels import TIMELINE_LABELS
from ..extensions import db
from ..request_args import choice_arg, date_arg, int_arg, page_arg, text_arg
from ..spreadsheets import append_row
from .labels import ENTITY_LABELS
from .presenting import describe
from .queries import AuditFilter, audit_log, record_names

bp = Blueprint("audit", __name__, url_prefix="/audit")
MAX_EXPORT_ROWS = 50_000


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
    entries = db.session.scalars(audit_log(_filter()).limit(MAX_EXPORT_ROWS)).unique().all()
    names = record_names(entries)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit log"))
    append_row(sheet, [_("When"), _("Who"), _("Action"), _("Record"), _("From"), _("To"), _("Reason"),
                       _("Changes")])
    for entry in entries:
        row = describe(entry, names)
        append_row(sheet, [to_local(row["at"]).strftime("%Y-%m-%d %H:%M:%S"), row["who"], row["action"],
                           row["record"], row["from"], row["to"], row["reason"], "\n".join(row["changes"])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return send_file(io.BytesIO(buffer.getvalue()), as_attachment=True,
                     download_name=f"{_('Audit log')}-{local_today()}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
