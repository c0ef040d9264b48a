"""Forms of the officials' survey pages: a new round and a question."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..request_args import coerce_id
from .labels import SCOPE_LABELS
from .services import OFFICIAL_SCOPES, RoundData

REQUIRED = InputRequired(_l("Required."))


class RoundForm(FlaskForm):
    title = StringField(_l("Title"), validators=[REQUIRED, Length(max=120)])
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    scope = SelectField(_l("Who is asked"), choices=[SelectChoice(s, SCOPE_LABELS[s]) for s in OFFICIAL_SCOPES])
    subdistrict_id = SelectField(_l("Subdistrict"), coerce=coerce_id, validate_choice=False, default=0)
    compound_id = SelectField(_l("Compound"), coerce=coerce_id, validate_choice=False, default=0)

    def round_data(self) -> RoundData:
        return RoundData(title=self.title.data or "", starts_on=self.starts_on.data, ends_on=self.ends_on.data,
                         scope=self.scope.data, subdistrict_id=self.subdistrict_id.data or None,
                         compound_id=self.compound_id.data or None)


class QuestionForm(FlaskForm):
    text = StringField(_l("Question"), validators=[REQUIRED, Length(max=200)])


class ActionForm(FlaskForm):
    """A button's post (close a round, retire a question): only the CSRF token."""
