"""The renovation stages as data: the order, what each step needs, and what it makes of the compounds."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from .models import PROJECT_STAGES

NEXT_STAGE = dict(zip(PROJECT_STAGES, PROJECT_STAGES[1:], strict=False))
DATED_STAGES = PROJECT_STAGES[1:]  # each has a planned and an actual date (the day it was entered)
ACTIVE_STAGES = ("reserve", "new_start", "under_construction")
BUILDING_STAGES = ("new_start", "under_construction")  # monthly progress is reported in these
FINISHED_STAGES = ("completed", "accepted")
# The register's renovation status a project in each stage gives its compounds.
COMPOUND_STATUS = {"reserve": "reserve", "new_start": "new_start", "under_construction": "under_construction",
                   "completed": "completed", "accepted": "completed"}


@dataclass(frozen=True)
class Condition:
    """What must hold before a project may enter a stage, and how to say it is missing."""

    holds: Callable  # (project) -> bool
    missing: object  # a lazy message


def _latest_percent(project) -> int:
    return project.progress[0].percent if project.progress else 0


def _open_problems(project) -> list:
    return [p for entry in project.progress for p in entry.problems if p.solved_on is None]


def unanswered_notes(project) -> list:
    """The residents' supervision notes still waiting for the team's answer (群众建议: acceptance waits for them)."""
    return [n for n in project.notes if n.answered_at is None]


NOTES_UNANSWERED = _l("Every residents' supervision note must be answered first: the acceptance rests on them.")
ENTRY_CONDITIONS = {
    "new_start": [
        Condition(lambda p: p.leader_id is not None, _l("Name the responsible leader.")),
        Condition(lambda p: p.budget_fen > 0, _l("Give the budget by funding source.")),
        Condition(lambda p: p.planned_on("completed") is not None, _l("Give the planned completion date.")),
    ],
    "under_construction": [
        Condition(lambda p: bool(p.contractor.strip()), _l("Name the contractor.")),
    ],
    "completed": [
        Condition(lambda p: _latest_percent(p) == 100, _l("The latest monthly progress must be 100%.")),
        Condition(lambda p: not unanswered_notes(p), NOTES_UNANSWERED),
    ],
    "accepted": [
        Condition(lambda p: not _open_problems(p),
                  _l("Every problem reported in the monthly progress must be solved.")),
        Condition(lambda p: not unanswered_notes(p), NOTES_UNANSWERED),
    ],
}


def missing_for(project, to_stage: str) -> list:
    """The conditions of entering `to_stage` that the project does not meet yet, as messages."""
    return [c.missing for c in ENTRY_CONDITIONS.get(to_stage, []) if not c.holds(project)]


def dates_out_of_order(dates: dict[str, date | None]) -> str | None:
    """The first stage whose date comes before an earlier stage's (planned or actual dates), or None."""
    latest = None
    for stage in DATED_STAGES:
        day = dates.get(stage)
        if day is None:
            continue
        if latest is not None and day < latest:
            return stage
        latest = day
    return None


def compound_status(projects) -> tuple[str, str, date | None] | None:
    """The register's (status, tier, completed on) of a compound from all its projects, or None without any.

    Works under way decide; else the latest completed project; else a project in reserve.
    """
    def pick(stages):
        chosen = [p for p in projects if p.stage in stages]
        return max(chosen, key=lambda p: (PROJECT_STAGES.index(p.stage), p.created_at, p.id)) if chosen else None

    project = pick(BUILDING_STAGES) or pick(FINISHED_STAGES) or pick(("reserve",))
    if project is None:
        return None
    if project.stage in FINISHED_STAGES:
        done = max((p for p in projects if p.stage in FINISHED_STAGES),
                   key=lambda p: p.actual_on("completed") or date.min)
        return "completed", done.tier, done.actual_on("completed")
    return COMPOUND_STATUS[project.stage], project.tier, None


def next_planned_on(project) -> date | None:
    """The planned date of the stage the project is to enter next (None once accepted)."""
    stage = NEXT_STAGE.get(project.stage)
    return project.planned_on(stage) if stage else None


def is_late(project, today: date) -> bool:
    """Late: the planned date of its next stage has passed (queries.late_expression says it in SQL)."""
    planned = next_planned_on(project)
    return planned is not None and planned < today
