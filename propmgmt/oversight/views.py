"""/oversight: the district officials' overview (issue 8 builds the rest on it)."""
from flask import Blueprint, render_template

from ..auth.access import roles_required
from ..clock import utcnow
from .queries import by_subdistrict, coverage, handover_funnel, health, open_complaints, overdue_now, unmanaged_days

bp = Blueprint("oversight", __name__, url_prefix="/oversight")


@bp.route("")
@roles_required("admin", "official", "dispatcher")
def overview():
    now = utcnow()
    return render_template("oversight/overview.html", coverage=coverage(), unmanaged_days=unmanaged_days(now),
                           health=[health(now, 7), health(now, 30)], overdue=overdue_now(now),
                           funnel=handover_funnel(), open_complaints=open_complaints(),
                           subdistricts=by_subdistrict(now))
