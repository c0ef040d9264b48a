"""The professional firm's own pages (我的移交): its handovers and, once completed, its compounds."""
from flask import Blueprint, render_template
from flask_login import current_user

from ..auth.access import roles_required
from ..auth.roles import FIRMS
from ..clock import local_today
from ..complaints.labels import PROBLEM_LABELS
from .firm import firm_handovers, served_compounds, waiting_steps

bp = Blueprint("firm", __name__, url_prefix="/my")


@bp.route("/handovers")
@roles_required(*FIRMS)
def handovers():
    today = local_today()
    rows = [(h, waiting_steps(h, today)) for h in firm_handovers(current_user.organisation_id or 0)]
    return render_template("handovers/mine.html", rows=rows, today=today,
                           served=served_compounds(current_user.organisation_id or 0), PROBLEM_LABELS=PROBLEM_LABELS)
