"""12345 hotline tickets: matching the compound the caller named, reading the hotline's CSV/.xlsx
export into tickets (the reply sheet back to the hotline is in exports.py).
"""
import math
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..clock import district_tz
from ..compounds.models import Community, Compound, Subdistrict
from ..database import contains
from ..extensions import db
from ..tables import ImportRejected, RowError, one_line, read_table
from ..tables import cell_text as _text
from .policy import HOTLINE_CATEGORIES

COLUMNS = {
    "ticket_no": "工单编号", "received_at": "来电时间", "category_text": "诉求类型", "description": "诉求内容",
    "subdistrict": "所属街道", "compound_name": "小区名称", "address": "地址", "contact_phone": "联系电话",
    "resolve_hours": "办理时限(小时)",
}
REQUIRED = ("ticket_no", "description", "compound_name")
MULTILINE = ("description",)  # the rest are one-line fields: names, numbers, a phone
MIN_YEAR, MAX_YEAR = 2000, 2100  # a call time outside these is a typo, not a call
MAX_RESOLVE_HOURS = 24 * 366


def category_of(text: str) -> str:
    text = (text or "").strip()
    if text in HOTLINE_CATEGORIES:
        return HOTLINE_CATEGORIES[text]
    for word, category in HOTLINE_CATEGORIES.items():
        if word in text:
            return category
    return "other"


def find_compound(name: str, subdistrict: str = "") -> tuple[Compound | None, str]:
    """By exact name, then by an exact alias line; several matches are narrowed by the subdistrict.

    A subdistrict that disagrees with the register is a warning for the dispatcher, never a failure.
    """
    name = (name or "").strip()
    if not name:
        return None, ""
    rows = db.session.execute(
        select(Compound, Subdistrict.name).join(Community, Community.id == Compound.community_id)
        .join(Subdistrict, Subdistrict.id == Community.subdistrict_id)
        .where(or_(Compound.name == name, contains(Compound.aliases, name)))).all()
    exact = [r for r in rows if r[0].name == name]
    aliased = [r for r in rows if r[0].name != name and name in [a.strip() for a in r[0].aliases.splitlines()]]
    candidates = exact or aliased
    subdistrict = (subdistrict or "").strip()
    if len(candidates) > 1 and subdistrict:
        candidates = [r for r in candidates if r[1] == subdistrict] or candidates
    if len(candidates) != 1:
        return None, ""
    compound, register_subdistrict = candidates[0]
    if subdistrict and subdistrict != register_subdistrict:
        return compound, str(_l("The hotline says %(given)s, the register says %(register)s for %(compound)s.",
                                given=subdistrict, register=register_subdistrict, compound=compound.name))
    return compound, ""


@dataclass
class RowReport:
    row: int
    ticket_no: str
    outcome: str  # created, duplicate, unmatched, error
    message: str = ""
    warnings: list[str] = field(default_factory=list)


def _when(value) -> datetime | None:
    if isinstance(value, datetime):
        local = value
    else:
        text = _text(value)
        if not text:
            return None
        for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S"):
            try:
                local = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(text)
    return local.replace(tzinfo=district_tz()) if local.tzinfo is None else local


def read_tickets(filename: str, data: bytes) -> list[tuple[int, dict | None, str]]:
    """(row number, fields or None, error) per data row; raises ImportRejected for an unreadable file."""
    rows = read_table(filename, data)
    if not rows:
        raise ImportRejected([])
    header = [_text(h) for h in rows[0]]
    index = {key: header.index(title) for key, title in COLUMNS.items() if title in header}
    missing = [COLUMNS[k] for k in REQUIRED if k not in index]
    if missing:
        raise ImportRejected([RowError(1, "", str(_l("Missing columns: %(columns)s", columns="、".join(missing))))])
    result = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(_text(c) for c in row):
            continue
        cell = {key: (row[i] if i < len(row) else None) for key, i in index.items()}
        try:
            received = _when(cell.get("received_at"))
            if received is not None and not MIN_YEAR <= received.year <= MAX_YEAR:
                raise ValueError
        except (ValueError, OverflowError):
            result.append((number, None, str(_l("Unreadable call time: %(value)s", value=_text(cell["received_at"])))))
            continue
        try:
            hours = float(_text(cell.get("resolve_hours"))) if _text(cell.get("resolve_hours")) else None
            if hours is not None and not (math.isfinite(hours) and 0 < hours <= MAX_RESOLVE_HOURS):
                raise ValueError
        except ValueError:
            result.append((number, None, str(_l("Unreadable deadline hours: %(value)s",
                                                 value=_text(cell.get("resolve_hours"))))))
            continue
        fields = {key: _text(cell.get(key)) if key in MULTILINE else one_line(_text(cell.get(key)))
                  for key in COLUMNS if key not in ("received_at", "resolve_hours")}
        fields.update(received_at=received, resolve_hours=hours)
        result.append((number, fields, ""))
    return result
