"""Forms of the crews pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..request_args import coerce_id

REQUIRED = InputRequired(_l("Required."))


class CrewForm(FlaskForm):
    name = StringField(_l("Crew name"), validators=[REQUIRED, Length(max=80)])
    work_phone = StringField(_l("Work phone (residents see it)"), validators=[Optional(), Length(max=30)])
    leader_id = SelectField(_l("Crew leader"), coerce=coerce_id, validate_choice=False)


class MemberForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it asks for the preview, the preview's own form changes things

    operator_id = SelectField(_l("Operator"), coerce=coerce_id, validate_choice=False)


class CompoundForm(FlaskForm):
    class Meta:
        csrf = False  # as MemberForm

    compound_id = SelectField(_l("Compound"), coerce=coerce_id, validate_choice=False)
    starts_on = DateField(_l("Served from"), validators=[Optional()])


class HandToForm(FlaskForm):
    class Meta:
        csrf = False  # as MemberForm

    hand_to_id = SelectField(_l("Hand their future tasks to"), coerce=coerce_id, validate_choice=False)


class ConfirmForm(FlaskForm):
    """The confirmation of a previewed move (its values travel as hidden fields, checked again)."""
