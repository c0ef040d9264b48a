"""12345 hotline tickets: matching the compound the caller named, reading the hotline's CSV/.xlsx
export into tickets (the reply sheet back to the hotline is in exports.py).
"""
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..clock import district_tz
from ..compounds.models import Community, Compound, Subdistrict
from ..database import contains
from ..extensions import db
from ..tables import ImportRejected, RowError, one_line, read_table
from ..tables import cell_text as _text
from .models import HotlineCategoryMap
from .policy import DEFAULT_HOTLINE_CATEGORY, HOTLINE_CATEGORIES

# The hotline export's columns: our name -> the titles exports use for it (the first one found counts).
# 诉求类型 is the call's nature (咨询/投诉 ...); what it is about is 工单分类 or 事项分类. An older export
# without a classification column has the subject in 诉求类型: it is read as the classification then.
COLUMNS = {
    "ticket_no": ("工单编号",), "received_at": ("来电时间", "受理时间"), "nature_text": ("诉求类型", "诉求性质"),
    "classification": ("工单分类", "事项分类"), "description": ("诉求内容",), "title": ("工单标题",),
    "subdistrict": ("所属街道",), "compound_name": ("小区名称",), "address": ("地址",),
    "place": ("事件发生地", "事发地点"), "contact_name": ("联系人",), "contact_phone": ("联系电话",),
    "urgency": ("紧急程度",), "channel": ("诉求渠道", "来源渠道"), "lead_unit": ("主办单位", "承办单位"),
    "assist_units": ("协办单位",), "return_allowed": ("是否允许退回",),
    "resolve_hours": ("办理时限(小时)", "办理时限（小时）"),
    "resolve_workdays": ("办理时限(工作日)", "办理时限（工作日）"),
    "resolve_due": ("办结期限",), "resolve_text": ("办理时限",),
    # The hotline's steps on a ticket already sent to us, and its follow-up call (回访).
    "status_text": ("工单状态",), "urged_at": ("催办时间",), "urge_note": ("催办内容", "催办意见"),
    "extension_decision": ("延期审核", "延期审核结果"), "extension_until": ("延期至", "申请延期至"),
    "extension_decided_at": ("延期审核时间",),
    "visit_result": ("回访结果", "满意度"), "visit_reached": ("是否联系上", "回访联系情况"),
    "visited_at": ("回访时间",),
}
REQUIRED = ("ticket_no", "description", "compound_name")
MULTILINE = ("description", "urge_note")  # the rest are one-line fields: names, numbers, a phone
TIMES = ("received_at", "urged_at", "extension_decided_at", "visited_at")
MIN_YEAR, MAX_YEAR = 2000, 2100  # a call time outside these is a typo, not a call
MAX_RESOLVE_HOURS = 24 * 366
MAX_WORKDAYS = 250
NATURES = {"咨询": "consult", "求助": "help", "投诉": "complaint", "建议": "suggestion", "举报": "report",
           "感谢": "thanks", "表扬": "thanks"}
VISIT_WORDS = {"满意": "satisfied", "非常满意": "satisfied", "基本满意": "basic", "一般": "basic",
               "不满意": "unsatisfied", "非常不满意": "unsatisfied"}
YES, NO = ("是", "允许", "可以", "已联系", "联系上", "已联系上", "Y", "y", "1"), \
    ("否", "不允许", "不可以", "未联系上", "联系不上", "未接通", "N", "n", "0")
EXTENSION_WORDS = {"同意": "approved", "通过": "approved", "批准": "approved", "不同意": "refused",
                   "驳回": "refused", "不通过": "refused"}
_WORKDAYS_RE = re.compile(r"^(\d{1,3})\s*个?\s*工作日$")
_HOURS_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:个)?\s*(?:小时|h|H)?$")


def nature_of(text: str) -> str:
    """The call's nature code (咨询 -> consult), or "" when the text is not one of the hotline's natures."""
    text = (text or "").strip()
    return NATURES.get(text) or next((code for word, code in NATURES.items() if text.startswith(word)), "")


def category_match(text: str) -> tuple[str, bool]:
    """(category, matched) for the hotline's classification: the officials' table first (exact, then the
    longest entry the text contains), then the built-in words of policy.HOTLINE_CATEGORIES; nothing
    matched gives DEFAULT_HOTLINE_CATEGORY and False, for the import report."""
    text = (text or "").strip()
    if not text:
        return DEFAULT_HOTLINE_CATEGORY, False
    table = dict(db.session.execute(select(HotlineCategoryMap.classification, HotlineCategoryMap.category)).all())
    for words in (table, HOTLINE_CATEGORIES):
        if text in words:
            return words[text], True
        contained = sorted((w for w in words if w and w in text), key=len, reverse=True)
        if contained:
            return words[contained[0]], True
    return DEFAULT_HOTLINE_CATEGORY, False


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
    outcome: str  # created, duplicate, updated, unmatched, error
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    unmatched_classification: str = ""  # a classification no mapping knows (the case went to the default)


def _when(value, *, date_only_at: time | None = None) -> datetime | None:
    """A date-time cell (text or a spreadsheet date) in district time; a bare date gets `date_only_at`."""
    if isinstance(value, datetime):
        local = value
    elif isinstance(value, date) and date_only_at is not None:
        local = datetime.combine(value, date_only_at)
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
            for fmt in ("%Y-%m-%d", "%Y/%m/%d") if date_only_at is not None else ():
                try:
                    local = datetime.combine(datetime.strptime(text, fmt).date(), date_only_at)
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(text)
    if not MIN_YEAR <= local.year <= MAX_YEAR:
        raise ValueError(local)
    return local.replace(tzinfo=district_tz()) if local.tzinfo is None else local


class BadCell(ValueError):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _number(text: str, maximum: float, message) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadCell(message)
    if not (math.isfinite(value) and 0 < value <= maximum):
        raise BadCell(message)
    return value


def _deadline(cell: dict) -> dict:
    """The hotline's deadline as hours, working days or a date-time (办结期限); 办理时限 may hold any of them
    as text ("4", "48小时", "3个工作日", "2026-11-05 17:00")."""
    hours_text, days_text = _text(cell.get("resolve_hours")), _text(cell.get("resolve_workdays"))
    due_value, free = cell.get("resolve_due"), one_line(_text(cell.get("resolve_text")))
    if free and not (hours_text or days_text or _text(due_value)):
        if match := _WORKDAYS_RE.match(free):
            days_text = match.group(1)
        elif match := _HOURS_RE.match(free):
            hours_text = match.group(1)
        else:
            due_value = free
    hours = _number(hours_text, MAX_RESOLVE_HOURS, _l("Unreadable deadline hours: %(value)s", value=hours_text))
    days = _number(days_text, MAX_WORKDAYS, _l("Unreadable deadline in working days: %(value)s", value=days_text))
    if days is not None and not days.is_integer():
        raise BadCell(_l("Unreadable deadline in working days: %(value)s", value=days_text))
    try:
        due = _when(due_value, date_only_at=time(23, 59))
    except (ValueError, OverflowError):
        raise BadCell(_l("Unreadable deadline (办结期限): %(value)s", value=_text(due_value)))
    return {"resolve_hours": hours, "resolve_workdays": int(days) if days is not None else None, "resolve_due": due}


def _yes_no(text: str) -> bool | None:
    return True if text in YES else False if text in NO else None


def _hotline_fields(cell: dict) -> dict:
    """Nature, classification, the yes/no columns and the 回访 words, as codes."""
    nature_text, classification = one_line(_text(cell.get("nature_text"))), one_line(_text(cell.get("classification")))
    nature = nature_of(nature_text)
    if not classification and not nature:
        classification = nature_text  # an older export: 诉求类型 holds the subject
    visit_text = one_line(_text(cell.get("visit_result")))
    if visit_text and visit_text not in VISIT_WORDS:
        raise BadCell(_l("Unreadable follow-up result (回访结果): %(value)s", value=visit_text))
    decision_text = one_line(_text(cell.get("extension_decision")))
    if decision_text and decision_text not in EXTENSION_WORDS:
        raise BadCell(_l("Unreadable extension decision (延期审核): %(value)s", value=decision_text))
    return {"nature": nature, "category_text": classification,
            "return_allowed": _yes_no(one_line(_text(cell.get("return_allowed")))),
            "visit_result": VISIT_WORDS.get(visit_text),
            "visit_reached": _yes_no(one_line(_text(cell.get("visit_reached")))),
            "extension_decision": EXTENSION_WORDS.get(decision_text)}


def _row_fields(cell: dict) -> dict:
    """One row's fields for services.HotlineTicket; raises BadCell with the user's message."""
    times = {}
    for key in TIMES:
        try:
            times[key] = _when(cell.get(key))
        except (ValueError, OverflowError):
            raise BadCell(_l("Unreadable time (%(column)s): %(value)s", column=_title_of(key),
                             value=_text(cell.get(key))))
    try:
        until = _when(cell.get("extension_until"), date_only_at=time(23, 59))
    except (ValueError, OverflowError):
        raise BadCell(_l("Unreadable time (%(column)s): %(value)s", column=_title_of("extension_until"),
                         value=_text(cell.get("extension_until"))))
    text_keys = ("ticket_no", "description", "title", "subdistrict", "compound_name", "address", "place",
                 "contact_name", "contact_phone", "urgency", "channel", "lead_unit", "assist_units", "status_text",
                 "urge_note")
    fields = {key: _text(cell.get(key)) if key in MULTILINE else one_line(_text(cell.get(key))) for key in text_keys}
    fields.update(times, extension_until=until, **_deadline(cell), **_hotline_fields(cell))
    return fields


def _title_of(key: str) -> str:
    return COLUMNS[key][0]


def read_tickets(filename: str, data: bytes) -> list[tuple[int, dict | None, str]]:
    """(row number, fields or None, error) per data row; raises ImportRejected for an unreadable file."""
    rows = read_table(filename, data)
    if not rows:
        raise ImportRejected([])
    header = [one_line(_text(h)) for h in rows[0]]
    index = {}
    for key, titles in COLUMNS.items():
        found = next((header.index(t) for t in titles if t in header), None)
        if found is not None:
            index[key] = found
    missing = [_title_of(k) for k in REQUIRED if k not in index]
    if missing:
        raise ImportRejected([RowError(1, "", str(_l("Missing columns: %(columns)s", columns="、".join(missing))))])
    result = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(_text(c) for c in row):
            continue
        cell = {key: (row[i] if i < len(row) else None) for key, i in index.items()}
        try:
            result.append((number, _row_fields(cell), ""))
        except BadCell as bad:
            result.append((number, None, str(bad.message)))
    return result
