"""The register as .xlsx, with the same columns the importer reads, so a file round-trips."""
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..spreadsheets import Column, Sheet, filters_text, workbook_bytes
from .imports import COLUMNS
from .labels import MODE_LABELS, STATUS_LABELS, TIER_LABELS
from .models import Community, Subdistrict
from .queries import RegisterFilter, register_query

EXPORT_KEYS = ("name", "subdistrict", "community", "address", "year_built", "buildings", "households",
               "floor_area", "renovation_tier", "renovation_status", "renovation_completed_on",
               "management_mode", "aliases")
KINDS = {"year_built": "int", "buildings": "int", "households": "int", "floor_area": "number",
         "renovation_completed_on": "date"}
MODE_SINCE = "管理模式起始"  # not read by the importer


def _filters(f: RegisterFilter) -> str:
    subdistrict = db.session.get(Subdistrict, f.subdistrict_id) if f.subdistrict_id else None
    community = db.session.get(Community, f.community_id) if f.community_id else None
    return filters_text([
        (_("Subdistrict"), subdistrict.name if subdistrict else None),
        (_("Community"), community.name if community else None),
        (_("Management mode"), str(MODE_LABELS[f.mode]) if f.mode in MODE_LABELS else None),
        (_("Renovation status"), str(STATUS_LABELS[f.renovation_status])
         if f.renovation_status in STATUS_LABELS else None),
        (_("Search"), f.q),
    ])


def register_xlsx(f: RegisterFilter, *, now: datetime) -> bytes:
    with force_locale("zh"):
        sheet = Sheet("小区名册", [Column(COLUMNS[key][0], KINDS.get(key, "text")) for key in EXPORT_KEYS]
                      + [Column(MODE_SINCE, "datetime")],
                      title=_("Compound register"), filters=_filters(f), as_of=now)
        for compound in db.session.scalars(register_query(f).execution_options(yield_per=1000)):
            sheet.append([
                compound.name,
                compound.community.subdistrict.name,
                compound.community.name,
                compound.address,
                compound.year_built,
                compound.buildings,
                compound.households,
                compound.floor_area,
                str(TIER_LABELS[compound.renovation_tier]) if compound.renovation_tier else None,
                str(STATUS_LABELS[compound.renovation_status]) if compound.renovation_status else None,
                compound.renovation_completed_on,
                str(MODE_LABELS[compound.management_mode]),
                "、".join(compound.aliases.split("\n")) if compound.aliases else None,
                compound.mode_since,
            ])
        return workbook_bytes(sheet)
