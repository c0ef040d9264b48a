"""Read models of the officials' survey pages: the rounds list, a round's compounds and texts, a compound's rounds."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..compounds.models import Community, Compound
from ..extensions import db
from ..paging import ListPage
from .figures import Result, compound_history, round_results
from .models import Answer, Round, round_compound


@dataclass
class RoundFilter:
    state: str | None = None  # upcoming, open, closed
    origin: str | None = None
    subdistrict_id: int | None = None  # rounds that ask a compound of it


def round_query(f: RoundFilter, today: date):
    """The rounds of the filter, the latest first (for db.paginate)."""
    query = select(Round).order_by(Round.starts_on.desc(), Round.id.desc())
    if f.state == "upcoming":
        query = query.where(Round.starts_on > today, Round.closed_at.is_(None))
    elif f.state == "open":
        query = query.where(Round.starts_on <= today, Round.ends_on >= today, Round.closed_at.is_(None))
    elif f.state == "closed":
        query = query.where((Round.ends_on < today) | Round.closed_at.is_not(None))
    if f.origin:
        query = query.where(Round.origin == f.origin)
    if f.subdistrict_id:
        query = query.where(Round.id.in_(
            select(round_compound.c.round_id).join(Compound, Compound.id == round_compound.c.compound_id)
            .join(Community, Community.id == Compound.community_id)
            .where(Community.subdistrict_id == f.subdistrict_id)))
    return query


def round_counts(round_ids: list[int]) -> dict[int, tuple[int, int]]:
    """round id -> (compounds asked, households that answered), for a page of rounds (2 queries)."""
    if not round_ids:
        return {}
    asked = dict(db.session.execute(select(round_compound.c.round_id, func.count()).where(
        round_compound.c.round_id.in_(round_ids)).group_by(round_compound.c.round_id)).all())
    answered = dict(db.session.execute(select(Answer.round_id, func.count()).where(
        Answer.round_id.in_(round_ids)).group_by(Answer.round_id)).all())
    return {i: (asked.get(i, 0), answered.get(i, 0)) for i in round_ids}


def round_compounds(survey: Round, *, page: int, per_page: int, answered_only: bool = False) -> ListPage:
    """The round's compounds with their Result (households that did not answer: an empty Result), the
    compounds with answers first, by name."""
    results = round_results(survey.id)
    compounds = db.session.execute(
        select(Compound, Community.name).join(round_compound, round_compound.c.compound_id == Compound.id)
        .join(Community, Community.id == Compound.community_id).where(round_compound.c.round_id == survey.id)
        .order_by(Compound.name)).all()
    rows = []
    for compound, community in compounds:
        result = results.get(compound.id) or Result(survey.id, compound.id, households=compound.households or 0)
        if answered_only and not result.responses:
            continue
        rows.append((compound, community, result))
    rows.sort(key=lambda row: row[2].responses == 0)
    return ListPage(rows, page, per_page)


def round_texts(survey: Round, *, compound_id: int | None = None):
    """The households' free texts of a round, the newest first (for db.paginate; officials only)."""
    query = (select(Answer).options(joinedload(Answer.scores)).where(Answer.round_id == survey.id, Answer.text != "")
             .order_by(Answer.created_at.desc(), Answer.id.desc()))
    if compound_id:
        query = query.where(Answer.compound_id == compound_id)
    return query


def compound_names(ids) -> dict[int, str]:
    ids = set(ids)
    return dict(db.session.execute(select(Compound.id, Compound.name).where(Compound.id.in_(ids))).all()) if ids else {}


def compound_rounds(compound: Compound) -> list[tuple[Round, Result | None]]:
    """Every round that asked the compound, the latest first, with the compound's Result in it."""
    rounds = db.session.scalars(select(Round).join(round_compound, round_compound.c.round_id == Round.id)
                                .where(round_compound.c.compound_id == compound.id)
                                .order_by(Round.starts_on.desc(), Round.id.desc())).all()
    history = compound_history(compound.id)
    return [(r, history.get(r.id)) for r in rounds]
