"""Forms of the user pages and the profile. Rules live in users.services."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from ..auth.labels import ROLE_LABELS
from ..auth.models import ROLES
from ..request_args import coerce_id


def _no_id(value):
    return None if value in (None, "", "0", 0) else coerce_id(value)


class AccountForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the person's name.")), Length(max=60)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])
    organisation_id = SelectField(_l("Organisation"), coerce=_no_id, validators=[Optional()])
    phone = StringField(_l("Mobile number"), validators=[Optional(), Length(max=20)])
    work_no = StringField(_l("Work number"), validators=[Optional(), Length(max=20)])
    email = EmailField(_l("Email address"), validators=[Optional(), Length(max=120)])

    def set_organisations(self, organisations) -> None:
        self.organisation_id.choices = [SelectChoice(0, _l("None (district staff)"))] + [
            SelectChoice(o.id, o.name + ("" if o.active else f" ({_l('suspended')})")) for o in organisations]

    def fields(self) -> dict:
        return {"display_name": self.display_name.data, "role": self.role.data,
                "organisation_id": self.organisation_id.data, "phone": self.phone.data or "",
                "work_no": self.work_no.data or "", "email": self.email.data or ""}


class NewAccountForm(AccountForm):
    username = StringField(_l("Username"), validators=[
        DataRequired(_l("Enter a username.")), Length(max=60),
        Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Use letters, digits, dot, dash or underscore only."))])


class DeactivateForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])


class ActionForm(FlaskForm):
    """Reactivate, reset password, end sessions, revoke tokens: a button and its CSRF token."""


class OwnPasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password.")),
                                                                 Length(max=200)])
    new = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a new password.")),
        Length(min=8, max=200, message=_l("The password must have at least 8 characters."))])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(_l("Enter the new password again.")), EqualTo("new", message=_l("The two passwords differ."))])
