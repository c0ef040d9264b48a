"""Display words of renovation projects."""
from flask_babel import lazy_gettext as _l

from ..compounds.labels import TIER_LABELS

STAGE_LABELS = {
    "reserve": _l("Reserve"),
    "new_start": _l("New start"),
    "under_construction": _l("Under construction"),
    "completed": _l("Construction completed"),
    "accepted": _l("Accepted after inspection"),
}
# What the planned and actual date of each stage after 储备 is called.
STAGE_DATE_LABELS = {
    "new_start": _l("Works start"),
    "under_construction": _l("On site"),
    "completed": _l("Works completion"),
    "accepted": _l("Final acceptance"),
}
FUNDING_LABELS = {
    "central": _l("Central funds"),
    "provincial": _l("Provincial funds"),
    "district": _l("District funds"),
    "bank": _l("Bank loans"),
    "social_capital": _l("Social capital"),
    "residents": _l("Residents' contribution"),
}
PROJECT_TIER_LABELS = TIER_LABELS  # 基础类 / 完善类 / 提升类, the words of the register


def yuan(fen: int | None) -> str:
    """An amount in fen as 元 with two decimals and thousands separators."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
