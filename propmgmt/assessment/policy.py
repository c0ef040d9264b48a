"""The score sheet and the payment rule of one policy version, read from its stored document, and
the rules that make a document valid.

A document (AssessmentPolicy.document) holds:
- `total`: the sheet's points (100);
- `items`: score items in sections, each with `points` and how it is measured: a spot-check item
  (`deduct` points per defect, at most `cap`), or an automatic figure (`figure`, one of FIGURES) with
  a rule: `linear` (no points at `zero_at`, all at `full_at`, straight between; either may be the
  larger) or `thresholds` (the points of the highest `at_least` reached);
- `fees`: per service type code, the base fee in fen per household or per m² per month;
- `bands`: score ranges [from, to) with their percentage of the base fee (the last includes `total`);
- `rectification_deduction_fen` per rectification not fixed by its deadline, `rectification_days`
  to fix one; `floor_percent` and `cap_percent` of the base amount bound what is due.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

from ..errors import DomainError

# The automatic figures, each from its one definition (assessment.figures says where).
FIGURES = ("on_time_rate", "first_pass_rate", "missed", "complaints_in_time_rate", "satisfaction",
           "survey_satisfaction")
KINDS = ("spot_check", "figure")
RULES = ("linear", "thresholds")
BASES = ("household", "area")
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Item:
    code: str
    section: str
    name: str
    points: Decimal
    kind: str
    deduct: Decimal = Decimal(0)  # spot check: per defect
    cap: Decimal = Decimal(0)  # spot check: the most one check can deduct
    figure: str = ""
    rule: str = "linear"
    zero_at: Decimal = Decimal(0)
    full_at: Decimal = Decimal(0)
    thresholds: tuple[tuple[Decimal, Decimal], ...] = ()  # (at least, points), highest first

    def spot_points(self, defects: int) -> Decimal:
        """What one check gives this item: its points less the defects' deductions, capped."""
        return self.points - min(self.cap, self.deduct * defects)

    def figure_points(self, value) -> Decimal | None:
        """The points a month's figure earns, or None when the figure has no value (nothing to measure)."""
        if value is None:
            return None
        value = Decimal(str(value))
        if self.rule == "thresholds":
            return next((points for at_least, points in self.thresholds if value >= at_least), Decimal(0))
        share = (value - self.zero_at) / (self.full_at - self.zero_at)
        return self.points * min(Decimal(1), max(Decimal(0), share))


@dataclass(frozen=True)
class Band:
    low: Decimal
    high: Decimal
    percent: int


@dataclass(frozen=True)
class Fee:
    service_type: str
    basis: str
    fen: int  # per household, or per m², per month


@dataclass(frozen=True)
class Policy:
    total: Decimal
    items: tuple[Item, ...]
    fees: tuple[Fee, ...]
    bands: tuple[Band, ...]
    rectification_deduction_fen: int
    rectification_days: int
    floor_percent: int
    cap_percent: int

    @property
    def spot_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.kind == "spot_check")

    @property
    def figure_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.kind == "figure")

    def item(self, code: str) -> Item | None:
        return next((item for item in self.items if item.code == code), None)

    def band_for(self, score: Decimal | None) -> int:
        """The percentage of the base fee a score earns; a month with nothing scored is paid in full."""
        if score is None:
            return 100
        for band in self.bands:
            if band.low <= score < band.high or (band is self.bands[-1] and score == band.high):
                return band.percent
        return self.bands[0].percent

    def fee(self, service_type: str) -> Fee | None:
        return next((fee for fee in self.fees if fee.service_type == service_type), None)


def score_of(earned: Decimal, available: Decimal, total: Decimal) -> Decimal | None:
    """The month's score on the sheet's scale: the points earned of the items that could be measured,
    scaled to the total, one decimal rounded half up. None when nothing could be measured."""
    if not available:
        return None
    return (earned * total / available).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _number(value, field: str, message) -> Decimal:
    try:
        number = Decimal(str(value))
    except Exception:
        raise DomainError(message, field=field)
    if not number.is_finite():
        raise DomainError(message, field=field)
    return number


def parse(document: dict) -> Policy:
    """The Policy of a document, or DomainError naming what is wrong (the form shows it at its field)."""
    bad_number = _l("Enter a number.")
    total = _number(document.get("total", 100), "total", bad_number)
    if total <= 0:
        raise DomainError(_l("The sheet's total must be more than 0 points."), field="total")
    items, codes = [], set()
    for raw in document.get("items", []):
        code = str(raw.get("code", "")).strip()
        if not code or code in codes:
            raise DomainError(_l("Each score item needs its own short code."), field="items")
        codes.add(code)
        points = _number(raw.get("points"), "items", bad_number)
        if points <= 0:
            raise DomainError(_l("Item “%(name)s”: points must be more than 0.", name=raw.get("name", code)),
                              field="items")
        kind = raw.get("kind")
        if kind not in KINDS:
            raise DomainError(_l("Item “%(name)s”: choose how it is measured.", name=raw.get("name", code)),
                              field="items")
        common = {"code": code, "section": str(raw.get("section", "")), "name": str(raw.get("name", code)),
                  "points": points, "kind": kind}
        if kind == "spot_check":
            deduct = _number(raw.get("deduct", 0), "items", bad_number)
            cap = _number(raw.get("cap", points), "items", bad_number)
            if deduct <= 0 or cap <= 0 or cap > points:
                raise DomainError(_l("Item “%(name)s”: the deduction per defect must be more than 0 and the cap "
                                     "between 0 and the item's points.", name=common["name"]), field="items")
            items.append(Item(**common, deduct=deduct, cap=cap))
            continue
        figure, rule = raw.get("figure"), raw.get("rule", "linear")
        if figure not in FIGURES or rule not in RULES:
            raise DomainError(_l("Item “%(name)s”: choose the figure and its scoring rule.", name=common["name"]),
                              field="items")
        if rule == "linear":
            zero_at = _number(raw.get("zero_at"), "items", bad_number)
            full_at = _number(raw.get("full_at"), "items", bad_number)
            if zero_at == full_at:
                raise DomainError(_l("Item “%(name)s”: the values for no points and for all points must differ.",
                                     name=common["name"]), field="items")
            items.append(Item(**common, figure=figure, rule=rule, zero_at=zero_at, full_at=full_at))
        else:
            steps = tuple(sorted(((_number(at, "items", bad_number), _number(p, "items", bad_number))
                                  for at, p in raw.get("thresholds", [])), reverse=True))
            if not steps or any(p < 0 or p > points for _, p in steps):
                raise DomainError(_l("Item “%(name)s”: give thresholds with points between 0 and the item's points.",
                                     name=common["name"]), field="items")
            items.append(Item(**common, figure=figure, rule=rule, thresholds=steps))
    if not items:
        raise DomainError(_l("The sheet needs at least one score item."), field="items")
    points_sum = sum(item.points for item in items)
    if points_sum != total:
        raise DomainError(_l("The items' points add up to %(sum)s, not to the sheet's total of %(total)s.",
                             sum=_plain(points_sum), total=_plain(total)), field="items")
    policy = Policy(total, tuple(items), _fees(document), _bands(document, total),
                    *(_whole(document, name, minimum) for name, minimum in (
                        ("rectification_deduction_fen", 0), ("rectification_days", 1), ("floor_percent", 0),
                        ("cap_percent", 1))))
    if policy.floor_percent > policy.cap_percent:
        raise DomainError(_l("The floor cannot be above the cap."), field="floor_percent")
    return policy


def _fees(document: dict) -> tuple[Fee, ...]:
    fees = []
    for code, raw in sorted((document.get("fees") or {}).items()):
        basis = raw.get("basis")
        if basis not in BASES:
            raise DomainError(_l("Choose per household or per m² for each base fee."), field="fees")
        fen = raw.get("fen")
        if not isinstance(fen, int) or isinstance(fen, bool) or fen <= 0:
            raise DomainError(_l("A base fee must be more than 0."), field="fees")
        fees.append(Fee(code, basis, fen))
    if not fees:
        raise DomainError(_l("Give the base fee of at least one service type."), field="fees")
    return tuple(fees)


def _bands(document: dict, total: Decimal) -> tuple[Band, ...]:
    bands = sorted((Band(_number(raw.get("from"), "bands", _l("Enter a number.")),
                         _number(raw.get("to"), "bands", _l("Enter a number.")), int(raw.get("percent", -1)))
                    for raw in document.get("bands", [])), key=lambda band: band.low)
    if not bands:
        raise DomainError(_l("Give at least one score band."), field="bands")
    if bands[0].low != 0 or bands[-1].high != total:
        raise DomainError(_l("The score bands must run from 0 to the sheet's total (%(total)s) without gaps.",
                             total=_plain(total)), field="bands")
    for before, after in zip(bands, bands[1:]):
        if after.low < before.high:
            raise DomainError(_l("The score bands %(a)s and %(b)s overlap.", a=_range(before), b=_range(after)),
                              field="bands")
        if after.low > before.high:
            raise DomainError(_l("Between the score bands %(a)s and %(b)s there is a gap.", a=_range(before),
                                 b=_range(after)), field="bands")
    for band in bands:
        if band.high <= band.low or not 0 <= band.percent <= 200:
            raise DomainError(_l("Each score band needs a range and a percentage between 0 and 200."), field="bands")
    return tuple(bands)


def _whole(document: dict, name: str, minimum: int) -> int:
    value = document.get(name, minimum)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise DomainError(_l("Enter a whole number of at least %(n)d.", n=minimum), field=name)
    return value


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _range(band: Band) -> str:
    return f"{_plain(band.low)}–{_plain(band.high)}"
