"""Forms of the notification centre. Rules live in services.update_preferences."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, TimeField
from wtforms.validators import Length, Optional


class PreferencesForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[Optional(), Length(max=120)])
    notify_email = BooleanField(_l("Also send my reminders by email"))
    notify_webhook = BooleanField(_l("Also post my reminders to the work group (group robot)"))
    quiet_start = TimeField(_l("Quiet from"), validators=[Optional()])
    quiet_end = TimeField(_l("Quiet until"), validators=[Optional()])


class ActionForm(FlaskForm):
    """Mark read, mark all read, requeue: a button and its CSRF token."""
