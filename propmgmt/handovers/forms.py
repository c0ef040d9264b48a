"""Forms of the handover workflow."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..database import MAX_AREA, MAX_INTEGER
from ..request_args import coerce_id
from .labels import FACILITY_LABELS

NON_NEGATIVE = NumberRange(min=0, message=_l("Must be 0 or more."))
REQUIRED = InputRequired(_l("Required."))
TOO_LARGE = _l("The number is too large.")
COUNT = [REQUIRED, NON_NEGATIVE, NumberRange(max=MAX_INTEGER, message=TOO_LARGE)]  # what the columns hold
AREA = [REQUIRED, NON_NEGATIVE, NumberRange(max=MAX_AREA, message=TOO_LARGE)]


class StageForm(FlaskForm):
    to_stage = StringField()
    owner_id = SelectField(_l("Owner of the next stage"), coerce=coerce_id, validate_choice=False)
    due_on = DateField(_l("Due on"), validators=[Optional()])
    transition_end = DateField(_l("Transition ends on"), validators=[Optional()])


class DecisionForm(FlaskForm):
    total_owners = IntegerField(_l("Owners in total"), validators=COUNT)
    total_area = DecimalField(_l("Exclusive area in total (m²)"), places=2, validators=AREA)
    participating_owners = IntegerField(_l("Owners taking part"), validators=COUNT)
    participating_area = DecimalField(_l("Area taking part (m²)"), places=2, validators=AREA)
    favour_owners = IntegerField(_l("Owners in favour"), validators=COUNT)
    favour_area = DecimalField(_l("Area in favour (m²)"), places=2, validators=AREA)
    decided_on = DateField(_l("Date of the vote"), validators=[REQUIRED])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class FirmForm(FlaskForm):
    firm_id = SelectField(_l("Professional firm"), coerce=coerce_id, validate_choice=False)
    contract_start = DateField(_l("Contract starts"), validators=[Optional()])
    contract_end = DateField(_l("Contract ends"), validators=[Optional()])
    fee_standard = StringField(_l("Fee standard"), validators=[Optional(), Length(max=120)])


class InspectionForm(FlaskForm):
    facility = SelectField(_l("Facility"), choices=[SelectChoice(k, v) for k, v in FACILITY_LABELS.items()])
    result = SelectField(_l("Result"), choices=[SelectChoice("ok", _l("In order")),
                                                SelectChoice("defect", _l("Defect"))])
    defect = TextAreaField(_l("Defect"), validators=[Optional(), Length(max=2000)])
    blocking = BooleanField(_l("Blocks the handover"))
    fixer = StringField(_l("Who fixes it"), validators=[Optional(), Length(max=80)])
    fix_by = DateField(_l("Fixed by"), validators=[Optional()])
    photo = FileField(_l("Photo"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class ReadinessForm(FlaskForm):
    owners_committee = SelectField(_l("Owners' committee or representatives"), choices=[
        SelectChoice("", _l("Unknown")), SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))])
    fee_willingness = DecimalField(_l("Fee-collection willingness (%)"), places=1, validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("Fee willingness is a percentage from 0 to 100."))])
    evidence = TextAreaField(_l("Evidence"), validators=[Optional(), Length(max=2000)])


class PolicyForm(FlaskForm):
    fee_willingness_min = DecimalField(_l("Minimum fee-collection willingness (%)"), places=1, validators=[
        REQUIRED, NumberRange(min=0, max=100, message=_l("Fee willingness is a percentage from 0 to 100."))])
    months_in_fallback_min = IntegerField(_l("Minimum months in fallback service"), validators=[
        REQUIRED, NumberRange(min=0, max=120, message=_l("Between 0 and 120 months."))])
    stuck_after_days = IntegerField(_l("A stage counts as stuck after (days)"), validators=[
        REQUIRED, NumberRange(min=1, max=365, message=_l("Between 1 and 365 days."))])
    survey_satisfaction_min = IntegerField(_l("Minimum survey satisfaction (%)"), validators=[
        REQUIRED, NumberRange(min=0, max=100, message=_l("Satisfaction is a percentage from 0 to 100."))])
