"""The register as .xlsx, with the same columns the importer reads, so a file round-trips."""
import io

from flask_babel import force_locale
from openpyxl import Workbook

from ..clock import to_local
from ..extensions import db
from ..spreadsheets import append_row
from .imports import COLUMNS
from .labels import MODE_LABELS, STATUS_LABELS, TIER_LABELS
from .queries import RegisterFilter, register_query

EXPORT_KEYS = ("name", "subdistrict", "community", "address", "year_built", "buildings", "households",
               "floor_area", "renovation_tier", "renovation_status", "renovation_completed_on",
               "management_mode", "aliases")


def register_xlsx(f: RegisterFilter) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("小区名册")
    append_row(sheet, [COLUMNS[key][0] for key in EXPORT_KEYS] + ["管理模式起始"])
    with force_locale("zh"):
        for compound in db.session.scalars(register_query(f).execution_options(yield_per=1000)):
            append_row(sheet, [
                compound.name,
                compound.community.subdistrict.name,
                compound.community.name,
                compound.address,
                compound.year_built,
                compound.buildings,
                compound.households,
                float(compound.floor_area) if compound.floor_area is not None else None,
                str(TIER_LABELS[compound.renovation_tier]) if compound.renovation_tier else None,
                str(STATUS_LABELS[compound.renovation_status]) if compound.renovation_status else None,
                compound.renovation_completed_on,
                str(MODE_LABELS[compound.management_mode]),
                "、".join(compound.aliases.split("\n")) if compound.aliases else None,
                to_local(compound.mode_since).strftime("%Y-%m-%d %H:%M"),
            ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
