"""Forms of renovation projects: the plan, a stage step, the month's progress, the content list, and the
residents' voice (a consultation, how the plan changed, the answer to a supervision note)."""
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    MonthField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..request_args import coerce_id
from .labels import FUNDING_LABELS, PROJECT_TIER_LABELS, STAGE_DATE_LABELS
from .models import FUNDING_SOURCES
from .rules import DATED_STAGES
from .services import MAX_FEN, ProblemData, ProjectData

REQUIRED = InputRequired(_l("Required."))
MONEY = [Optional(), NumberRange(min=0, message=_l("A budget amount cannot be negative.")),
         NumberRange(max=MAX_FEN / 100, message=_l("The amount is too large."))]


class TeamMemberForm(Form):
    user_id = SelectField(_l("Member"), coerce=coerce_id, validate_choice=False, default=0)
    duty = StringField(_l("Duty"), validators=[Optional(), Length(max=80)])


class ProblemForm(Form):
    problem = StringField(_l("Problem"), validators=[Optional(), Length(max=500)])
    solver = StringField(_l("Who solves it"), validators=[Optional(), Length(max=80)])
    solve_by = DateField(_l("By when"), validators=[Optional()])


def _fen(amount: Decimal | None) -> int:
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)) if amount is not None else 0


class ProjectForm(FlaskForm):
    name = StringField(_l("Project name"), validators=[REQUIRED, Length(max=120)])
    compound_ids = SelectMultipleField(_l("Compounds covered"), coerce=coerce_id, render_kw={"size": 10})
    tier = SelectField(_l("Tier"), choices=[SelectChoice(k, v) for k, v in PROJECT_TIER_LABELS.items()])
    item_ids = SelectMultipleField(_l("Content"), coerce=coerce_id, widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput())
    leader_id = SelectField(_l("Responsible leader"), coerce=coerce_id, validate_choice=False)
    team = FieldList(FormField(TeamMemberForm), min_entries=4, max_entries=12)
    contractor = StringField(_l("Contractor"), validators=[Optional(), Length(max=120)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])

    def project_data(self) -> ProjectData:
        return ProjectData(
            name=self.name.data or "", tier=self.tier.data, compound_ids=list(self.compound_ids.data or []),
            item_ids=list(self.item_ids.data or []),
            funding={s: _fen(self[f"fund_{s}"].data) for s in FUNDING_SOURCES},
            leader_id=self.leader_id.data or None,
            team=[(m.user_id.data, m.duty.data or "") for m in self.team if m.user_id.data],
            contractor=self.contractor.data or "", note=self.note.data or "",
            planned={s: self[f"planned_{s}"].data for s in DATED_STAGES})

    def fill_from(self, project) -> None:
        """A GET of the edit page: the form shows the project as it is."""
        self.name.data, self.tier.data, self.contractor.data = project.name, project.tier, project.contractor
        self.note.data, self.leader_id.data = project.note, project.leader_id or 0
        self.compound_ids.data = [c.id for c in project.compounds]
        self.item_ids.data = [i.id for i in project.items]
        amounts = {f.source: f.amount_fen for f in project.funding}
        for source in FUNDING_SOURCES:
            fen = amounts.get(source)
            self[f"fund_{source}"].data = Decimal(fen) / 100 if fen else None
        for stage in DATED_STAGES:
            self[f"planned_{stage}"].data = project.planned_on(stage)
        while len(self.team) < len(project.team) + 1:
            self.team.append_entry()
        for entry, member in zip(self.team, project.team, strict=False):
            entry.user_id.data, entry.duty.data = member.user_id, member.duty


for _source in FUNDING_SOURCES:
    setattr(ProjectForm, f"fund_{_source}", DecimalField(FUNDING_LABELS[_source], places=2, validators=MONEY))
for _stage in DATED_STAGES:
    setattr(ProjectForm, f"planned_{_stage}", DateField(STAGE_DATE_LABELS[_stage], validators=[Optional()]))


class StageForm(FlaskForm):
    to_stage = HiddenField()
    on = DateField(_l("On"), validators=[REQUIRED])


class ProgressForm(FlaskForm):
    month = MonthField(_l("Month"), validators=[REQUIRED])
    percent = IntegerField(_l("Progress (%)"), validators=[
        REQUIRED, NumberRange(min=0, max=100, message=_l("The progress is a percentage from 0 to 100."))])
    done = TextAreaField(_l("Work done in the month"), validators=[Optional(), Length(max=2000)])
    problems = FieldList(FormField(ProblemForm), min_entries=2, max_entries=5)

    def problem_data(self) -> list[ProblemData]:
        return [ProblemData(p.problem.data or "", p.solver.data or "", p.solve_by.data) for p in self.problems]


class SolveForm(FlaskForm):
    on = DateField(_l("Solved on"), validators=[Optional()])


class ContentItemForm(FlaskForm):
    name = StringField(_l("New item"), validators=[REQUIRED, Length(max=40)])


class ConsultationItemForm(Form):
    text = TextAreaField(_l("Item of the plan"), validators=[Optional(), Length(max=500)], render_kw={"rows": 2})
    image = FileField(_l("Drawing or photo (optional)"), render_kw={"accept": "image/*"})


class ConsultationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[REQUIRED, Length(max=120)])
    ends_on = DateField(_l("Last day for opinions"), validators=[REQUIRED])
    items = FieldList(FormField(ConsultationItemForm), min_entries=4, max_entries=8)


class PlanChangeForm(FlaskForm):
    plan_change = TextAreaField(_l("How the plan changed in answer"), validators=[REQUIRED, Length(max=2000)])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer to the resident"), validators=[REQUIRED, Length(max=2000)],
                           render_kw={"rows": 2})
