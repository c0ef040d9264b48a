"""Reading compound files (CSV in UTF-8 or GBK, .xlsx, .xls) into ImportRows for the importer, and the
import template (.xlsx with the columns, an example row and a sheet of rules)."""
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..spreadsheets import TemplateColumn, import_template
from ..tables import ImportRejected, RowError, header_position
from ..tables import cell_text as _text
from .labels import MODE_LABELS, STATUS_LABELS, TIER_LABELS, reverse_lookup
from .models import Community, Subdistrict
from .services import ImportRow

# Column headers as users write them (Chinese, as exported) and their English equivalents.
COLUMNS = {
    "name": ("小区名称", "name"),
    "subdistrict": ("街道", "subdistrict"),
    "community": ("社区", "community"),
    "address": ("地址", "address"),
    "year_built": ("建成年份", "year_built"),
    "buildings": ("楼栋数", "buildings"),
    "households": ("户数", "households"),
    "floor_area": ("建筑面积", "floor_area"),
    "renovation_tier": ("改造类型", "renovation_tier"),
    "renovation_status": ("改造状态", "renovation_status"),
    "renovation_completed_on": ("完工日期", "renovation_completed_on"),
    "management_mode": ("管理模式", "management_mode"),
    "aliases": ("别名", "aliases"),
}
REQUIRED = ("name", "subdistrict", "community")
# Words that spreadsheets in the district use for the modes besides the app's own labels.
MODE_SYNONYMS = {"兜底": "fallback", "托底": "fallback", "国有兜底": "fallback", "无物业": "unmanaged",
                 "弃管": "unmanaged", "物业公司": "professional", "自治": "self_managed"}
MAX_ROWS = 20000


def _int(value: str, row: int, field: str, errors: list) -> int | None:
    if value == "":
        return None
    try:
        return int(Decimal(value))
    except (InvalidOperation, ValueError):
        errors.append(RowError(row, field, str(_l("Not a whole number: %(value)s", value=value))))
        return None


def _decimal(value: str, row: int, field: str, errors: list) -> Decimal | None:
    if value == "":
        return None
    try:
        return Decimal(value.replace(",", ""))
    except InvalidOperation:
        errors.append(RowError(row, field, str(_l("Not a number: %(value)s", value=value))))
        return None


def _date(raw, row: int, errors: list) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    value = _text(raw)
    if not value:
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", value)
    if match:
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            pass
    errors.append(RowError(row, "renovation_completed_on", str(_l(
        "Not a date (use YYYY-MM-DD): %(value)s", value=value))))
    return None


def _code(value: str, lookup: dict, row: int, field: str, errors: list) -> str | None:
    if value == "":
        return None
    code = lookup.get(value.lower())
    if code is None:
        errors.append(RowError(row, field, str(_l("Unknown value: %(value)s", value=value))))
    return code


def parse_rows(table: list[list]) -> list[ImportRow]:
    """Turns a table with a header row into ImportRows; unknown areas are row errors."""
    table = [row for row in table if any(_text(cell) for cell in row)]
    if not table:
        raise ImportRejected([RowError(0, "", str(_l("The file is empty.")))])
    # The register's own export has its title and filters above the header: start at the header.
    table = table[header_position(table, COLUMNS["name"]):]
    if len(table) - 1 > MAX_ROWS:
        raise ImportRejected([RowError(0, "", str(_l("At most %(n)d rows per file.", n=MAX_ROWS)))])
    header = [_text(cell).lower() for cell in table[0]]
    positions = {}
    for key, names in COLUMNS.items():
        for name in names:
            if name.lower() in header:
                positions[key] = header.index(name.lower())
                break
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in positions]
    if missing:
        raise ImportRejected([RowError(1, "", str(_l(
            "Missing columns: %(columns)s", columns="、".join(missing))))])

    areas = _area_index()
    subdistricts = {sub for sub, _ in areas}
    modes, tiers, statuses = (reverse_lookup(MODE_LABELS) | MODE_SYNONYMS, reverse_lookup(TIER_LABELS),
                              reverse_lookup(STATUS_LABELS))
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        raw = {key: (cells[pos] if pos < len(cells) else None) for key, pos in positions.items()}
        value = {key: _text(cell) for key, cell in raw.items()}
        errors: list[RowError] = []
        sub, comm = value.get("subdistrict", ""), value.get("community", "")
        community_id = areas.get((sub, comm))
        if not sub:
            errors.append(RowError(number, "subdistrict", str(_l("The subdistrict is missing."))))
        elif sub not in subdistricts:
            errors.append(RowError(number, "subdistrict", str(_l("Unknown subdistrict: %(name)s", name=sub))))
        elif community_id is None:
            errors.append(RowError(number, "community", str(_l(
                "Unknown community %(community)s in %(subdistrict)s", community=comm or "—", subdistrict=sub))))
        fields = {
            "name": value.get("name", ""),
            "community_id": community_id,
            "address": value.get("address", "")[:200],
            "aliases": "\n".join(a.strip() for a in re.split(r"[、;；,，\n]", value.get("aliases", "")) if a.strip()),
            "year_built": _int(value.get("year_built", ""), number, "year_built", errors),
            "buildings": _int(value.get("buildings", ""), number, "buildings", errors),
            "households": _int(value.get("households", ""), number, "households", errors),
            "floor_area": _decimal(value.get("floor_area", ""), number, "floor_area", errors),
            "renovation_tier": _code(value.get("renovation_tier", ""), tiers, number, "renovation_tier", errors),
            "renovation_status": _code(value.get("renovation_status", ""), statuses, number,
                                       "renovation_status", errors),
            "renovation_completed_on": _date(raw.get("renovation_completed_on"), number, errors),
            "management_mode": _code(value.get("management_mode", ""), modes, number, "management_mode",
                                     errors) or "unmanaged",
        }
        rows.append(ImportRow(row=number, fields=fields, errors=errors))
    return rows


def _area_index() -> dict[tuple[str, str], int]:
    return {
        (sub, comm): cid
        for sub, comm, cid in db.session.execute(
            select(Subdistrict.name, Community.name, Community.id).join(Community.subdistrict)
        )
    }


def _choices(labels: dict) -> str:
    return "、".join(str(label) for label in labels.values())


def template_columns() -> list[TemplateColumn]:
    """The import template's columns with their rules, in the order the export writes them."""
    rules = {
        "name": (_l("The compound's name as residents know it; a name already in the community updates it."),),
        "subdistrict": (_l("A subdistrict of the register, written as in the register."),),
        "community": (_l("A community of that subdistrict, written as in the register."),),
        "address": (_l("Free text, at most 200 characters."),),
        "year_built": (_l("A year such as 1998."), "int"),
        "buildings": (_l("A whole number."), "int"),
        "households": (_l("A whole number."), "int"),
        "floor_area": (_l("Square metres, a number such as 12345.5."), "number"),
        "renovation_tier": (_l("One of: %(choices)s.", choices=_choices(TIER_LABELS)),),
        "renovation_status": (_l("One of: %(choices)s.", choices=_choices(STATUS_LABELS)),),
        "renovation_completed_on": (_l("A date as YYYY-MM-DD (an Excel date cell is fine)."), "date"),
        "management_mode": (_l("One of: %(choices)s; left empty it is unmanaged.",
                               choices=_choices(MODE_LABELS)),),
        "aliases": (_l("Other names, separated by 、 or ;"),),
    }
    return [TemplateColumn(COLUMNS[key][0], str(rule[0]), key in REQUIRED, rule[1] if len(rule) > 1 else "text")
            for key, rule in rules.items()]


def import_template_xlsx() -> bytes:
    with force_locale("zh"):
        example = ["示例小区", "南山路街道", "示例社区", "南山路 1 号", 1998, 6, 240, 15200.5,
                   str(TIER_LABELS["basic"]), str(STATUS_LABELS["completed"]), date(2025, 9, 30),
                   str(MODE_LABELS["unmanaged"]), "示例北区、示例院"]
        return import_template(str(_l("Compound import")), template_columns(), example)
