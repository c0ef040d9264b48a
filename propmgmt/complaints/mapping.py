"""The officials' mapping of the hotline's classification (工单分类 / 事项分类) to our categories.

The built-in words (policy.HOTLINE_CATEGORIES) apply under this table; hotline.category_match reads
both. Functions flush, never commit.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit.services import record
from ..auth.roles import HOTLINE_MAPPING_EDITORS
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from .models import HotlineCategoryMap
from .policy import SLA


def _require_editor(actor) -> None:
    if actor is None or actor.role not in HOTLINE_MAPPING_EDITORS:
        raise Forbidden(_l("Only officials change the hotline's mapping."))


def mapping_rows() -> list[HotlineCategoryMap]:
    return db.session.scalars(select(HotlineCategoryMap).order_by(HotlineCategoryMap.classification)).all()


def save_mapping(actor, classification: str, category: str, *, now: datetime) -> HotlineCategoryMap:
    """Adds the value, or changes the category of one already in the table."""
    _require_editor(actor)
    classification = " ".join((classification or "").split())
    if not classification:
        raise DomainError(_l("Write the hotline's classification (or a part of it)."), field="classification")
    if len(classification) > 80:
        raise DomainError(_l("At most 80 characters."), field="classification")
    if category not in SLA:
        raise DomainError(_l("Choose a category."), field="category")
    row = db.session.scalar(select(HotlineCategoryMap).where(HotlineCategoryMap.classification == classification))
    before = row.category if row else None
    if row is None:
        row = HotlineCategoryMap(classification=classification, category=category, updated_at=now)
        db.session.add(row)
    row.category, row.updated_at = category, now
    db.session.flush()
    record(actor, "hotline_category_map", row.id, "hotline_mapping_changed", now=now,
           changes={"classification": [None, classification], "category": [before, category]})
    return row


def remove_mapping(actor, row_id: int, *, now: datetime) -> None:
    _require_editor(actor)
    row = db.session.get(HotlineCategoryMap, row_id)
    if row is None:
        raise NotFound(_l("This mapping no longer exists."))
    record(actor, "hotline_category_map", row.id, "hotline_mapping_changed", now=now,
           changes={"classification": [row.classification, None], "category": [row.category, None]})
    db.session.delete(row)
    db.session.flush()
