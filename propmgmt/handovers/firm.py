"""What a professional firm sees of its handovers: each with the step waiting for it, and after
completion the compounds it serves with their residents' cases (read models, a few statements)."""
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..complaints.models import Complaint
from ..compounds.models import Compound
from ..extensions import db
from .labels import FACILITY_LABELS
from .models import Handover


@dataclass(frozen=True)
class Step:
    """One thing the firm must do (or wait for), with the day it is due."""
    text: str
    due_on: date | None = None
    urgent: bool = False  # the firm's own move (sign, fix), not waiting for the district


def waiting_steps(handover: Handover, today: date) -> list[Step]:
    if handover.stage == "firm_selection":
        return [Step(str(_l("Selected: the district records the contract, then the joint inspection follows.")),
                     handover.stage_due_on)]
    if handover.stage == "joint_inspection":
        steps = [Step(str(_l("Fix the defect (%(facility)s): %(defect)s", facility=FACILITY_LABELS.get(
            item.facility, item.facility), defect=item.defect)), item.fix_by, True)
            for item in handover.inspection_items if item.result == "defect"]
        if not handover.inspection_items:
            steps.append(Step(str(_l("Take part in the joint inspection of the common facilities.")),
                              handover.stage_due_on))
        elif handover.awaits_firm_signature:
            steps.append(Step(str(_l("Sign the joint inspection.")), handover.stage_due_on, True))
        elif handover.firm_signed_at is not None:
            steps.append(Step(str(_l("Signed by your firm; waiting for the official's signature."))))
        return steps
    if handover.stage == "transition":
        return [Step(str(_l("Start the transition: serve alongside the fallback operator until %(day)s.",
                            day=handover.transition_end.isoformat() if handover.transition_end else "—")),
                     handover.transition_end, True)]
    if handover.stage == "completed":
        return [Step(str(_l("Completed: your firm serves the compound.")))]
    if handover.stage == "aborted":
        return [Step(str(_l("Stopped: %(reason)s", reason=handover.abort_reason)))]
    return [Step(str(_l("The district is preparing this handover.")))]


def firm_handovers(firm_id: int) -> list[Handover]:
    """The firm's handovers, open ones first (the most urgent due date first), then finished ones."""
    rows = db.session.scalars(select(Handover).options(joinedload(Handover.compound),
                                                       selectinload(Handover.inspection_items))
                              .where(Handover.firm_id == firm_id)).all()
    return sorted(rows, key=lambda h: (not h.is_open, h.stage_due_on or date.max, h.id))


@dataclass(frozen=True)
class ServedCompound:
    compound: Compound
    since: datetime | None
    cases: list[Complaint]


def served_compounds(firm_id: int, limit_cases: int = 20) -> list[ServedCompound]:
    """Compounds the firm took over, since when, and the residents' cases there since then (newest first)."""
    compounds = db.session.scalars(select(Compound).where(Compound.firm_id == firm_id).order_by(Compound.name)).all()
    if not compounds:
        return []
    since = dict(db.session.execute(select(Handover.compound_id, Handover.finished_at).where(
        Handover.firm_id == firm_id, Handover.stage == "completed",
        Handover.compound_id.in_([c.id for c in compounds]))).all())
    cases: dict[int, list[Complaint]] = {}
    for case in db.session.scalars(select(Complaint).where(Complaint.compound_id.in_([c.id for c in compounds]))
                                   .order_by(Complaint.received_at.desc())):
        start = since.get(case.compound_id)
        if start is None or case.received_at >= start:
            bucket = cases.setdefault(case.compound_id, [])
            if len(bucket) < limit_cases:
                bucket.append(case)
    return [ServedCompound(c, since.get(c.id), cases.get(c.id, [])) for c in compounds]
