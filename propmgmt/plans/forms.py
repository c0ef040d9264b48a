"""Forms for service plans (with a recurrence builder) and service standards."""
import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ..errors import DomainError
from ..request_args import coerce_id
from .recurrence import build_rule

REPEAT_KINDS = [
    ("daily", _l("Every day")),
    ("twice_daily", _l("Twice a day")),
    ("weekdays", _l("Weekdays (Mon–Fri)")),
    ("chosen_weekdays", _l("Chosen weekdays")),
    ("every_n_days", _l("Every N days")),
    ("custom", _l("Custom RRULE")),
]
WEEKDAY_LABELS = [("MO", _l("Mon")), ("TU", _l("Tue")), ("WE", _l("Wed")), ("TH", _l("Thu")), ("FR", _l("Fri")),
                  ("SA", _l("Sat")), ("SU", _l("Sun"))]
# The fields only one choice of "Repeats" uses; the form shows them for that choice only.
MODE_FIELDS = {"weekdays": "chosen_weekdays", "interval": "every_n_days", "rrule": "custom"}
HHMM = Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message=_l("Use HH:MM, e.g. 07:30."))


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PlanForm(FlaskForm):
    service_type_id = SelectField(_l("Service"), coerce=int)
    crew_id = SelectField(_l("Crew"), coerce=int)
    operator_id = SelectField(_l("Operator (optional)"), coerce=coerce_id, validate_choice=False)
    repeat = SelectField(_l("Repeats"), choices=[SelectChoice(k, v) for k, v in REPEAT_KINDS], default="daily")
    weekdays = CheckboxesField(_l("Weekdays"), choices=[SelectChoice(k, v) for k, v in WEEKDAY_LABELS])
    interval = IntegerField(_l("Every N days"), validators=[Optional(), NumberRange(min=1, max=366)])
    rrule = StringField(_l("RRULE"), validators=[Optional(), Length(max=300)])
    window1_start = StringField(_l("Window 1 from"), default="07:00", validators=[DataRequired(), HHMM])
    window1_end = StringField(_l("Window 1 until"), default="09:00", validators=[DataRequired(), HHMM])
    window2_start = StringField(_l("Window 2 from"), validators=[Optional(), HHMM])
    window2_end = StringField(_l("Window 2 until"), validators=[Optional(), HHMM])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired(_l("The start date is required."))])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    skip_dates = TextAreaField(_l("Skip dates (one YYYY-MM-DD per line)"), validators=[Optional(), Length(max=4000)])

    def validate(self, extra_validators=None) -> bool:
        """A field of another mode (hidden in the browser) is ignored, never a reason to refuse."""
        super().validate(extra_validators)
        for name, mode in MODE_FIELDS.items():
            if self.repeat.data != mode:
                self[name].errors = []
        if self.starts_on.data and self.ends_on.data and self.ends_on.data < self.starts_on.data:
            self.ends_on.errors = [*self.ends_on.errors, _l("The end date must not be before the start date.")]
        return not self.errors

    def rule_text(self) -> str:
        if self.repeat.data == "custom":
            return (self.rrule.data or "").strip()
        return build_rule(self.repeat.data, weekdays=self.weekdays.data, interval=self.interval.data)

    def windows(self) -> list[dict]:
        windows = [{"start": self.window1_start.data, "end": self.window1_end.data}]
        if self.window2_start.data or self.window2_end.data or self.repeat.data == "twice_daily":
            if not (self.window2_start.data and self.window2_end.data):
                raise DomainError(_l("Twice a day needs both times of the second window."), field="window2_start")
            windows.append({"start": self.window2_start.data, "end": self.window2_end.data})
        return windows

    def parsed_skip_dates(self) -> list[date]:
        days = []
        for line in (self.skip_dates.data or "").split():
            try:
                days.append(date.fromisoformat(line.strip()))
            except ValueError:
                raise DomainError(_l("Not a date (use YYYY-MM-DD): %(value)s", value=line), field="skip_dates")
        return days

    def fields_dict(self, compound_id: int) -> dict:
        return {"compound_id": compound_id, "service_type_id": self.service_type_id.data,
                "crew_id": self.crew_id.data, "operator_id": self.operator_id.data or None,
                "rrule": self.rule_text(), "windows": self.windows(), "starts_on": self.starts_on.data,
                "ends_on": self.ends_on.data, "skip_dates": self.parsed_skip_dates()}

    def load_plan(self, plan) -> None:
        """Fills the builder from a stored plan (common rules map back to their choice)."""
        known = {"FREQ=DAILY": "twice_daily" if len(plan.windows) > 1 else "daily",
                 "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR": "weekdays"}
        self.repeat.data = known.get(plan.rrule, "custom")
        self.rrule.data = plan.rrule
        if chosen := re.fullmatch(r"FREQ=WEEKLY;BYDAY=((?:MO|TU|WE|TH|FR|SA|SU)(?:,(?:MO|TU|WE|TH|FR|SA|SU))*)",
                                  plan.rrule):
            if self.repeat.data == "custom":
                self.repeat.data, self.weekdays.data = "chosen_weekdays", chosen.group(1).split(",")
        elif every := re.fullmatch(r"FREQ=DAILY;INTERVAL=(\d+)", plan.rrule):
            self.repeat.data, self.interval.data = "every_n_days", int(every.group(1))
        self.window1_start.data, self.window1_end.data = plan.windows[0]["start"], plan.windows[0]["end"]
        if len(plan.windows) > 1:
            self.window2_start.data, self.window2_end.data = plan.windows[1]["start"], plan.windows[1]["end"]
        self.skip_dates.data = "\n".join(plan.skip_dates or [])


class PauseForm(FlaskForm):
    pass


class StandardForm(FlaskForm):
    checklist = TextAreaField(_l("Checklist (one item per line)"), validators=[
        DataRequired(_l("The checklist needs at least one item.")), Length(max=3000)])
    photo_required = BooleanField(_l("A photo is required to complete"))
    default_rrule = StringField(_l("Default RRULE"), default="FREQ=DAILY", validators=[DataRequired(), Length(max=200)])
    window1_start = StringField(_l("Window 1 from"), validators=[DataRequired(), HHMM])
    window1_end = StringField(_l("Window 1 until"), validators=[DataRequired(), HHMM])
    window2_start = StringField(_l("Window 2 from"), validators=[Optional(), HHMM])
    window2_end = StringField(_l("Window 2 until"), validators=[Optional(), HHMM])

    def fields_dict(self) -> dict:
        windows = [{"start": self.window1_start.data, "end": self.window1_end.data}]
        if self.window2_start.data and self.window2_end.data:
            windows.append({"start": self.window2_start.data, "end": self.window2_end.data})
        return {"checklist": (self.checklist.data or "").splitlines(), "photo_required": self.photo_required.data,
                "default_rrule": self.default_rrule.data, "default_windows": windows}
