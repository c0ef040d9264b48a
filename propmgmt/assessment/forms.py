"""Forms of the assessment: a new policy version, a spot check (the phone form), a rectification's fix."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from .labels import FIGURE_LABELS, KIND_LABELS, RULE_LABELS
from .policy import BASES, FIGURES, KINDS, RULES

REQUIRED = InputRequired(_l("Required."))
POINTS = [Optional(), NumberRange(min=0, max=1000, message=_l("Between 0 and 1000."))]
BASIS_LABELS = {"household": _l("per household"), "area": _l("per m²")}


class ItemForm(Form):
    code = StringField(_l("Code"), validators=[Optional(), Length(max=40)])
    section = StringField(_l("Section"), validators=[Optional(), Length(max=40)])
    name = StringField(_l("Item"), validators=[Optional(), Length(max=80)])
    points = DecimalField(_l("Points"), places=1, validators=POINTS)
    kind = SelectField(_l("Measured by"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in KINDS])
    deduct = DecimalField(_l("Deduct per defect"), places=1, validators=POINTS)
    cap = DecimalField(_l("At most"), places=1, validators=POINTS)
    figure = SelectField(_l("Figure"), choices=[SelectChoice("", "—")] + [SelectChoice(f, FIGURE_LABELS[f])
                                                                         for f in FIGURES])
    rule = SelectField(_l("Rule"), choices=[SelectChoice(r, RULE_LABELS[r]) for r in RULES])
    zero_at = DecimalField(_l("No points at"), places=1, validators=[Optional()])
    full_at = DecimalField(_l("All points at"), places=1, validators=[Optional()])
    thresholds = StringField(_l("Thresholds (value:points, …)"), validators=[Optional(), Length(max=200)])


class FeeForm(Form):
    service_type = StringField(validators=[Length(max=40)])
    basis = SelectField(_l("Basis"), choices=[SelectChoice(b, BASIS_LABELS[b]) for b in BASES])
    yuan = DecimalField(_l("Base fee (yuan per month)"), places=2, validators=[
        Optional(), NumberRange(max=Decimal("100000"), message=_l("The number is too large."))])


class BandForm(Form):
    low = DecimalField(_l("From (points)"), places=1, validators=POINTS)
    high = DecimalField(_l("Below (points)"), places=1, validators=POINTS)
    percent = IntegerField(_l("Paid (%)"), validators=[Optional(), NumberRange(min=0, max=200,
                                                                               message=_l("Between 0 and 200."))])


class PolicyForm(FlaskForm):
    effective_month = StringField(_l("Applies from the month (YYYY-MM)"), validators=[REQUIRED, Length(max=7)])
    total = DecimalField(_l("Sheet total (points)"), places=1, validators=[REQUIRED] + POINTS[1:])
    items = FieldList(FormField(ItemForm), min_entries=1)
    fees = FieldList(FormField(FeeForm), min_entries=1)
    bands = FieldList(FormField(BandForm), min_entries=1)
    rectification_deduction_yuan = DecimalField(
        _l("Deduction per rectification not fixed in time (yuan)"), places=2,
        validators=[REQUIRED, NumberRange(min=0, max=Decimal("1000000"), message=_l("The number is too large."))])
    rectification_days = IntegerField(_l("Days to fix a rectification"), validators=[
        REQUIRED, NumberRange(min=1, max=60, message=_l("Between 1 and 60 days."))])
    floor_percent = IntegerField(_l("Floor (percent of the base amount)"), validators=[
        REQUIRED, NumberRange(min=0, max=200, message=_l("Between 0 and 200."))])
    cap_percent = IntegerField(_l("Cap (percent of the base amount)"), validators=[
        REQUIRED, NumberRange(min=1, max=200, message=_l("Between 0 and 200."))])
    note = TextAreaField(_l("What changed"), validators=[Optional(), Length(max=500)])

    def document(self) -> dict:
        """The policy document the form describes (blank rows left out); policy.parse judges it."""
        items = []
        for entry in self.items.entries:
            row = entry.form
            if not (row.code.data or "").strip() and row.points.data is None:
                continue
            item = {"code": (row.code.data or "").strip(), "section": (row.section.data or "").strip(),
                    "name": (row.name.data or "").strip(), "kind": row.kind.data, "points": _num(row.points.data)}
            if row.kind.data == "spot_check":
                item |= {"deduct": _num(row.deduct.data), "cap": _num(row.cap.data or row.points.data)}
            else:
                item |= {"figure": row.figure.data, "rule": row.rule.data}
                if row.rule.data == "linear":
                    item |= {"zero_at": _num(row.zero_at.data), "full_at": _num(row.full_at.data)}
                else:
                    item["thresholds"] = _thresholds(row.thresholds.data)
            items.append(item)
        fees = {row.form.service_type.data: {"basis": row.form.basis.data, "fen": _fen(row.form.yuan.data)}
                for row in self.fees.entries if row.form.yuan.data is not None}
        bands = [{"from": _num(row.form.low.data), "to": _num(row.form.high.data), "percent": row.form.percent.data}
                 for row in self.bands.entries if row.form.percent.data is not None]
        return {"total": _num(self.total.data), "items": items, "fees": fees, "bands": bands,
                "rectification_deduction_fen": _fen(self.rectification_deduction_yuan.data),
                "rectification_days": self.rectification_days.data, "floor_percent": self.floor_percent.data,
                "cap_percent": self.cap_percent.data}


def _num(value):
    """A Decimal as the document stores it: an int when whole, else a string (JSON has no decimals)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else str(value)


def _fen(yuan) -> int | None:
    return None if yuan is None else int((Decimal(yuan) * 100).to_integral_value())


def _thresholds(text: str | None) -> list:
    steps = []
    for part in (text or "").replace("，", ",").split(","):
        if ":" in part or "：" in part:
            value, points = part.replace("：", ":").split(":", 1)
            steps.append([value.strip(), points.strip()])
    return steps


def form_data(document: dict, service_types) -> dict:
    """A stored document as the form's data (for a new version starting from the one in force)."""
    items = []
    for item in document.get("items", []):
        row = {k: item.get(k) for k in ("code", "section", "name", "kind", "points", "deduct", "cap", "figure", "rule",
                                        "zero_at", "full_at")}
        row = {k: (Decimal(str(v)) if k in ("points", "deduct", "cap", "zero_at", "full_at") and v is not None else v)
               for k, v in row.items()}
        row["thresholds"] = ", ".join(f"{a}:{p}" for a, p in item.get("thresholds", []))
        items.append(row)
    fees = document.get("fees", {})
    return {"total": Decimal(str(document.get("total", 100))), "items": items + [{}, {}],
            "fees": [{"service_type": code, "basis": fees.get(code, {}).get("basis", "household"),
                      "yuan": Decimal(fees[code]["fen"]) / 100 if code in fees else None}
                     for code in [t.code for t in service_types] + sorted(set(fees) - {t.code for t in service_types})],
            "bands": [{"low": Decimal(str(b["from"])), "high": Decimal(str(b["to"])), "percent": b["percent"]}
                      for b in document.get("bands", [])] + [{}],
            "rectification_deduction_yuan": Decimal(document.get("rectification_deduction_fen", 0)) / 100,
            "rectification_days": document.get("rectification_days", 3),
            "floor_percent": document.get("floor_percent", 0), "cap_percent": document.get("cap_percent", 100)}


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])


class FixForm(FlaskForm):
    note = TextAreaField(_l("What was done"), validators=[Optional(), Length(max=500)])
