"""Forms of the notification centre. Rules live in services.update_preferences."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Length, Optional


def _optional_int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class PreferencesForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[Optional(), Length(max=120)])
    notify_email = BooleanField(_l("Also send my reminders by email"))
    notify_webhook = BooleanField(_l("Also post my reminders to the work group (group robot)"))
    quiet_start = TimeField(_l("Quiet from"), validators=[Optional()])
    quiet_end = TimeField(_l("Quiet until"), validators=[Optional()])


class ActionForm(FlaskForm):
    """Mark read, mark all read, requeue: a button and its CSRF token."""


class RobotForm(FlaskForm):
    """A group robot for a crew, a subdistrict office or the default. Rules: robots.save_robot."""
    scope = SelectField(_l("Whose group"), choices=[SelectChoice("default", _l("Default (everyone else)")),
                                                    SelectChoice("subdistrict", _l("A subdistrict office")),
                                                    SelectChoice("crew", _l("A crew"))])
    crew_id = SelectField(_l("Crew"), coerce=_optional_int, validate_choice=False)
    subdistrict_id = SelectField(_l("Subdistrict"), coerce=_optional_int, validate_choice=False)
    platform = SelectField(_l("Robot"), choices=[SelectChoice("wecom", _l("WeCom group robot")),
                                                 SelectChoice("dingtalk", _l("DingTalk custom robot"))])
    url = PasswordField(_l("Webhook address"), validators=[DataRequired(), Length(max=1000)])
    secret = PasswordField(_l("DingTalk secret (加签, SEC…)"), validators=[Optional(), Length(max=200)])
    keyword = StringField(_l("DingTalk keyword"), validators=[Optional(), Length(max=40)])
