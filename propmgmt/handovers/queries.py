"""Read models: readiness of compounds under fallback, and the handover pipeline."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from ..complaints.models import Complaint
from ..complaints.queries import satisfaction_of
from ..compounds.models import Community, Compound
from ..extensions import db
from ..plans.outcomes import format_rate
from ..surveys.figures import latest_satisfaction
from .models import OPEN_STAGES, CompoundReadiness, Handover, ReadinessPolicy
from .rules import evaluate
from .services import vote_of

SEVERE = ("urgent", "high")
# Residents' average rating of resolved problems (1-5) a compound should reach before a handover.
SATISFACTION_MIN = 3.5
CLOSED_CASES = ("resolved", "closed")


def policy() -> ReadinessPolicy:
    """The one policy row (defaults until an admin changes them)."""
    return db.session.scalar(select(ReadinessPolicy).limit(1)) or ReadinessPolicy(
        fee_willingness_min=60, months_in_fallback_min=6, stuck_after_days=30, survey_satisfaction_min=80)


@dataclass
class Readiness:
    compound: Compound
    criteria: dict  # criterion -> (True | False | None, evidence text)
    handover: Handover | None

    @property
    def met(self) -> int:
        return sum(1 for value, _ in self.criteria.values() if value)


def readiness(*, now: datetime, subdistrict_id: int | None = None) -> list[Readiness]:
    """Every compound under fallback against the criteria, the most ready first (4 queries)."""
    rules = policy()
    query = (select(Compound).join(Compound.community).options(contains_eager(Compound.community)
                                                               .joinedload(Community.subdistrict))
             .where(Compound.management_mode == "fallback"))
    if subdistrict_id:
        query = query.where(Community.subdistrict_id == subdistrict_id)
    compounds = db.session.scalars(query).all()
    ids = [c.id for c in compounds]
    facts = {f.compound_id: f for f in db.session.scalars(
        select(CompoundReadiness).where(CompoundReadiness.compound_id.in_(ids)))}
    severe = dict(db.session.execute(
        select(Complaint.compound_id, func.count()).where(Complaint.compound_id.in_(ids),
                                                          Complaint.severity.in_(SEVERE),
                                                          Complaint.status.not_in(CLOSED_CASES))
        .group_by(Complaint.compound_id)).all())
    satisfaction = satisfaction_of(ids)
    surveys = latest_satisfaction(ids)
    handovers: dict[int, Handover] = {}
    for handover in db.session.scalars(select(Handover).options(joinedload(Handover.owners_decision))
                                       .where(Handover.compound_id.in_(ids)).order_by(Handover.started_at)):
        handovers[handover.compound_id] = handover  # the latest wins
    rows = []
    for compound in compounds:
        fact, handover = facts.get(compound.id), handovers.get(compound.id)
        months = (now - compound.mode_since).days // 30
        decision = handover.owners_decision if handover else None
        criteria = {
            "renovated": (compound.renovation_status == "completed" if compound.renovation_status else None,
                          str(compound.renovation_completed_on or "")),
            "owners_committee": (fact.owners_committee if fact else None, fact.evidence if fact else ""),
            "owners_decision": (evaluate(vote_of(decision)).passes if decision else None,
                                decision.decided_on.isoformat() if decision else ""),
            "fee_willingness": ((fact.fee_willingness >= rules.fee_willingness_min)
                                if fact and fact.fee_willingness is not None else None,
                                f"{fact.fee_willingness}% / {rules.fee_willingness_min}%"
                                if fact and fact.fee_willingness is not None else ""),
            "no_severe_complaints": (severe.get(compound.id, 0) == 0, str(severe.get(compound.id, 0))),
            "months_in_fallback": (months >= rules.months_in_fallback_min,
                                   f"{months} / {rules.months_in_fallback_min}"),
            "satisfaction": ((satisfaction[compound.id][1] >= SATISFACTION_MIN) if compound.id in satisfaction
                             else None, f"{satisfaction[compound.id][1]:.1f} / 5"
                             if compound.id in satisfaction else ""),
            "survey_satisfaction": _survey_criterion(surveys.get(compound.id), rules.survey_satisfaction_min),
        }
        rows.append(Readiness(compound, criteria, handover))
    rows.sort(key=lambda r: (-r.met, r.compound.name))
    return rows


def _survey_criterion(result, minimum: int) -> tuple:
    """Met when the compound's latest survey round reached the policy's satisfaction; unknown without one."""
    if result is None or result.satisfaction is None:
        return None, str(_l("No survey answered yet"))
    return result.satisfaction >= minimum, f"{format_rate(result.satisfaction)} / {minimum}% · {result.round.title}"


@dataclass
class PipelineRow:
    handover: Handover
    days_in_stage: int
    stuck: bool


def pipeline(*, now: datetime, subdistrict_id: int | None = None,
             stage: str | None = None) -> tuple[dict, list[PipelineRow]]:
    """Counts per stage (a funnel) and the open handovers (or those of one stage), stuck ones first."""
    rules = policy()
    query = (select(Handover).join(Handover.compound).join(Compound.community)
             .options(contains_eager(Handover.compound).contains_eager(Compound.community)
                      .joinedload(Community.subdistrict), joinedload(Handover.stage_owner), joinedload(Handover.firm))
             .where(Handover.stage == stage if stage else Handover.stage.in_(OPEN_STAGES)))
    counts_query = select(Handover.stage, func.count()).join(Handover.compound).join(Compound.community)
    if subdistrict_id:
        query = query.where(Community.subdistrict_id == subdistrict_id)
        counts_query = counts_query.where(Community.subdistrict_id == subdistrict_id)
    counts = dict(db.session.execute(counts_query.group_by(Handover.stage)).all())
    rows = []
    for handover in db.session.scalars(query):
        days = (now - handover.stage_entered_at).days
        rows.append(PipelineRow(handover, days, handover.stage in OPEN_STAGES and days > rules.stuck_after_days))
    rows.sort(key=lambda r: (not r.stuck, -r.days_in_stage))
    return counts, rows


def open_handover_of(compound_id: int) -> Handover | None:
    return db.session.scalar(select(Handover).options(joinedload(Handover.firm))
                             .where(Handover.compound_id == compound_id, Handover.stage.in_(OPEN_STAGES)))


def firm_handovers(firm_id: int, limit: int) -> tuple[int, list[Handover]]:
    """How many handovers a firm takes part in (selected as the incoming firm), and the newest `limit`."""
    query = select(Handover).where(Handover.firm_id == firm_id)
    count = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.options(joinedload(Handover.compound))
                              .order_by(Handover.id.desc()).limit(limit)).all()
    return count, rows
