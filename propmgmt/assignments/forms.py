"""Forms of the assignment workflow."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .labels import END_REASON_LABELS
from .services import Proposal


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProposalForm(FlaskForm):
    decision_no = StringField(_l("Decision number (文号)"), validators=[
        DataRequired(_l("The decision number is required.")), Length(max=60)])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    service_type_ids = CheckboxesField(_l("Service scope"), coerce=int, validators=[
        DataRequired(_l("Choose at least one service in the scope."))])
    leader_id = SelectField(_l("Responsible leader"), coerce=int, validators=[
        DataRequired(_l("Choose the responsible leader: an active official."))])
    crew_id = SelectField(_l("Crew"), coerce=int, validators=[Optional()])
    start_date = DateField(_l("Start date"), validators=[DataRequired(_l("The start date is required."))])
    review_date = DateField(_l("Planned review date"), validators=[Optional()])
    approve_now = BooleanField(_l("Approve at once (officials)"))

    def set_choices(self, service_types, leaders, crews) -> None:
        self.service_type_ids.choices = [SelectChoice(t.id, t.name_zh) for t in service_types]
        self.leader_id.choices = [SelectChoice(0, "—")] + [SelectChoice(u.id, u.label) for u in leaders]
        self.crew_id.choices = [SelectChoice(0, _l("Decide later"))] + [SelectChoice(c.id, c.name) for c in crews]

    def proposal(self) -> Proposal:
        return Proposal(
            decision_no=self.decision_no.data or "",
            reason=self.reason.data or "",
            service_type_ids=list(self.service_type_ids.data or []),
            leader_id=self.leader_id.data or None,
            start_date=self.start_date.data,
            review_date=self.review_date.data,
            crew_id=self.crew_id.data or None,
        )


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class EndForm(FlaskForm):
    # A handover ends the assignment through the handover workflow, so only revocation is offered here.
    end_reason = SelectField(_l("Why it ends"), choices=[SelectChoice("revoked", END_REASON_LABELS["revoked"])])
    end_date = DateField(_l("Last day of service"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[DataRequired(_l("Give the reason for ending the assignment.")),
                                                 Length(max=2000)])


class ReleaseForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(_l("Give the reason why the compound is no longer managed.")), Length(max=2000)])
