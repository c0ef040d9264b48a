"""Forms of the registry of organisations. Rules live in orgs.services."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the organisation's name.")), Length(max=120)])
    credit_code = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=30)])
    licence_no = StringField(_l("Qualification / licence"), validators=[Optional(), Length(max=60)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=60)])
    contact_phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=30)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])

    def fields(self) -> dict:
        return {name: getattr(self, name).data or "" for name in
                ("name", "credit_code", "licence_no", "contact_name", "contact_phone", "address")}


class SuspendForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give the reason for the suspension.")),
                                                     Length(max=500)])


class ActionForm(FlaskForm):
    """Reinstate: a button and its CSRF token."""
