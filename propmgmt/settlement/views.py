"""Settlement pages: the statements, one statement (print-ready), contesting a line, approving, .xlsx."""
import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import roles_required
from ..auth.roles import STATEMENT_APPROVERS, STATEMENT_CONTESTERS, STATEMENT_READERS
from ..clock import utcnow
from ..documents import render_pdf
from ..errors import DomainError
from ..extensions import db
from ..oversight.exports import REPORT_SECTIONS
from ..request_args import page_arg
from ..web import on_refusal_go_to, transaction
from .compute import ROUNDING_RULE, fen_to_yuan
from .exports import statement_xlsx
from .forms import ApproveForm, ContestForm
from .models import StatementLine
from .queries import BELOW_PASS_LISTED, month_summary, statement_lines, statements, subdistrict_totals
from .services import approve_statement, contest_line, statement_with_lines

bp = Blueprint("settlement", __name__, url_prefix="/settlement")
# The monthly dispatch report's settlement summary, on its page, its PDF and the archived PDF alike.
REPORT_SECTIONS["settlement"] = lambda month: month_summary(month.first_day, lowest=BELOW_PASS_LISTED)
PER_PAGE = 24


@bp.app_template_filter("yuan")
def yuan(fen):
    return fen_to_yuan(fen)


@bp.route("/")
@roles_required(*STATEMENT_READERS)
def statement_list():
    page = db.paginate(statements(), page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template("settlement/list.html", page=page)


def _page_context(statement_id: int) -> dict:
    statement = statement_with_lines(statement_id)
    rows = statement_lines(statement.id)
    return {"statement": statement, "rows": rows, "totals": subdistrict_totals(rows), "rounding_rule": ROUNDING_RULE}


@bp.route("/<int:statement_id>")
@roles_required(*STATEMENT_READERS)
def show(statement_id: int):
    """The statement as it prints: the same template makes its PDF (below)."""
    return render_template("settlement/statement.html", **_page_context(statement_id), contest_form=ContestForm(),
                           approve_form=ApproveForm(),
                           can_contest=current_user.role in STATEMENT_CONTESTERS,
                           can_approve=current_user.role in STATEMENT_APPROVERS)


@bp.route("/<int:statement_id>.pdf")
@roles_required(*STATEMENT_READERS)
def pdf(statement_id: int):
    """The statement on A4 for signing and filing: the page's own template, without its forms."""
    context = _page_context(statement_id)
    month = context["statement"].month
    return send_file(io.BytesIO(render_pdf("settlement/statement.html", **context, can_contest=False,
                                           can_approve=False)),
                     mimetype="application/pdf", as_attachment=True, download_name=f"statement-{month:%Y-%m}.pdf")


@bp.route("/lines/<int:line_id>/contest", methods=["POST"])
@roles_required(*STATEMENT_CONTESTERS)
@transaction
def contest(line_id: int):
    line = db.session.get(StatementLine, line_id)
    if line is not None:
        on_refusal_go_to(url_for(".show", statement_id=line.statement_id))
    form = ContestForm()
    form.validate_on_submit()
    line = contest_line(current_user, line_id, form.reason.data or "", now=utcnow())
    flash(_("The line is contested; the official sees your reason before approving."), "success")
    return redirect(url_for(".show", statement_id=line.statement_id) + f"#line-{line.id}")


@bp.route("/<int:statement_id>/approve", methods=["POST"])
@roles_required(*STATEMENT_APPROVERS)
@transaction
def approve(statement_id: int):
    on_refusal_go_to(url_for(".show", statement_id=statement_id))
    ApproveForm().validate_on_submit()
    if not request.form.get("confirm"):
        raise DomainError(_("Tick the box to confirm the approval."), field="confirm")
    approve_statement(current_user, statement_id, now=utcnow())
    flash(_("The statement is approved; it can no longer change."), "success")
    return redirect(url_for(".show", statement_id=statement_id))


@bp.route("/<int:statement_id>.xlsx")
@roles_required(*STATEMENT_READERS)
def export(statement_id: int):
    context = _page_context(statement_id)
    statement = context["statement"]
    data = statement_xlsx(statement, context["rows"], context["totals"], now=utcnow())
    return send_file(io.BytesIO(data), as_attachment=True, download_name=f"statement-{statement.month:%Y-%m}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
