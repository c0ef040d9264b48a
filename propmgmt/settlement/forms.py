"""Forms of the settlement: contest a line (with its reason), approve a statement (CSRF only)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional


class ContestForm(FlaskForm):
    reason = TextAreaField(_l("Why is this line wrong?"), validators=[Optional(), Length(max=500)])


class ApproveForm(FlaskForm):
    pass
