"""Forms of the compound register."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, DecimalField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..database import MAX_AREA, MAX_INTEGER
from .labels import MODE_LABELS, STATUS_LABELS, TIER_LABELS
from .services import INITIAL_MODES

NON_NEGATIVE = _l("Must be 0 or more.")
TOO_LARGE = _l("The number is too large.")
NOT_HUGE = NumberRange(max=MAX_INTEGER, message=TOO_LARGE)


def _blank_choice(labels: dict) -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [SelectChoice(code, label) for code, label in labels.items()]


def _text(value) -> str:
    """None (an empty column) is the blank choice, not the string "None"."""
    return "" if value is None else str(value)


class CompoundForm(FlaskForm):
    name = StringField(_l("Compound name"), validators=[
        DataRequired(_l("The compound name must not be empty.")), Length(max=120)])
    community_id = SelectField(_l("Community"), coerce=int, validate_choice=True,
                               validators=[DataRequired(_l("Choose the community."))])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    aliases = TextAreaField(_l("Other names (one per line)"), validators=[Optional(), Length(max=1000)])
    year_built = IntegerField(_l("Year built"), validators=[Optional(), NOT_HUGE])
    buildings = IntegerField(_l("Buildings"), default=0, validators=[
        Optional(), NumberRange(min=0, message=NON_NEGATIVE), NOT_HUGE])
    households = IntegerField(_l("Households"), validators=[
        DataRequired(_l("Enter the number of households.")), NumberRange(min=0, message=NON_NEGATIVE), NOT_HUGE])
    floor_area = DecimalField(_l("Floor area (m²)"), places=2, validators=[
        Optional(), NumberRange(min=0, message=NON_NEGATIVE),
        NumberRange(max=MAX_AREA, message=TOO_LARGE)])
    latitude = DecimalField(_l("Latitude (°N)"), places=6, validators=[
        Optional(), NumberRange(min=-90, max=90, message=_l("The latitude must be between -90 and 90 degrees."))])
    longitude = DecimalField(_l("Longitude (°E)"), places=6, validators=[
        Optional(), NumberRange(min=-180, max=180, message=_l("The longitude must be between -180 and 180 degrees."))])
    renovation_tier = SelectField(_l("Renovation tier"), choices=_blank_choice(TIER_LABELS), coerce=_text,
                                  default="")
    renovation_status = SelectField(_l("Renovation status"), choices=_blank_choice(STATUS_LABELS), coerce=_text,
                                    default="")
    renovation_completed_on = DateField(_l("Renovation completed on"), validators=[Optional()])

    def set_communities(self, communities: list[tuple[int, str, int]]) -> None:
        self.community_id.choices = [SelectChoice(0, "—")] + [
            SelectChoice(cid, label.split(" · ", 1)[1], optgroup=label.split(" · ", 1)[0])
            for cid, label, _sid in communities
        ]

    def fields_dict(self) -> dict:
        data = {name: self[name].data for name in (
            "name", "community_id", "address", "aliases", "year_built", "buildings", "households",
            "floor_area", "renovation_tier", "renovation_status", "renovation_completed_on", "latitude",
            "longitude")}
        data["buildings"] = data["buildings"] or 0
        for name in ("latitude", "longitude"):  # the column's six places (about 0.1 m)
            if data[name] is not None and data[name].is_finite():
                data[name] = data[name].quantize(Decimal("0.000001"))
        data["renovation_tier"] = data["renovation_tier"] or None
        data["renovation_status"] = data["renovation_status"] or None
        data["aliases"] = "\n".join(line.strip() for line in (data["aliases"] or "").splitlines() if line.strip())
        return data


class NewCompoundForm(CompoundForm):
    management_mode = SelectField(_l("Management mode"),
                                  choices=[SelectChoice(mode, MODE_LABELS[mode]) for mode in INITIAL_MODES])

    def fields_dict(self) -> dict:
        return super().fields_dict() | {"management_mode": self.management_mode.data}


class ImportForm(FlaskForm):
    file = FileField(_l("File (.csv, .xlsx or .xls)"), validators=[FileRequired(_l("Choose a file to import."))])
