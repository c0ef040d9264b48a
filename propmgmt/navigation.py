"""The main menu as data: each entry names its page, the role set that may open it (auth.roles, the
same sets the views enforce) and which pages light it up. Grouped, so an official's sixteen entries fit
one row of a tablet; a role with only a few entries sees them flat."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .auth import roles

FLAT_UP_TO = 6  # entries a role sees without groups (an operator, an inspector, a firm)


@dataclass(frozen=True)
class Entry:
    label: str
    endpoint: str
    role_set: str
    blueprints: tuple[str, ...] = ()  # lights up on every page of these blueprints...
    endpoints: tuple[str, ...] = ()  # ...and on these pages...
    except_endpoints: tuple[str, ...] = ()  # ...but not on these

    def visible_to(self, role: str) -> bool:
        return role in getattr(roles, self.role_set)

    def active_at(self, blueprint: str | None, endpoint: str | None) -> bool:
        if endpoint in self.except_endpoints:
            return False
        return endpoint in self.endpoints or endpoint == self.endpoint or blueprint in self.blueprints


@dataclass(frozen=True)
class Group:
    label: str | None  # None: its entries always stand on their own
    entries: tuple[Entry, ...]


_UNMANAGED = ("assignments.unmanaged", "assignments.propose")
_CHECKS = ("assessment.checks", "assessment.new_check")
_OWN_ACCOUNT = ("users.profile", "users.change_password")

MENU = (
    Group(None, (
        Entry(_l("Overview"), "oversight.overview", "STAFF", blueprints=("oversight",)),
    )),
    Group(_l("Registers"), (
        Entry(_l("Compound register"), "compounds.list_compounds", "REGISTER_READERS", blueprints=("compounds",)),
        Entry(_l("Unmanaged compounds"), "assignments.unmanaged", "STAFF", endpoints=_UNMANAGED),
        Entry(_l("Fallback ledger"), "assignments.ledger", "STAFF", blueprints=("assignments",),
              except_endpoints=_UNMANAGED),
        Entry(_l("Handovers"), "handovers.pipeline_page", "STAFF", blueprints=("handovers",)),
        Entry(_l("Renovation"), "renovation.pipeline", "RENOVATION_READERS", blueprints=("renovation",)),
        Entry(_l("Surveys"), "surveys.rounds", "SURVEY_READERS", blueprints=("surveys",)),
    )),
    Group(_l("Service"), (
        Entry(_l("Service standards"), "plans.standards", "STAFF", blueprints=("plans",),
              except_endpoints=("plans.my_calendar",)),
        Entry(_l("Crews"), "crews.index", "CREW_READERS", blueprints=("crews",)),
        Entry(_l("Verify work"), "field.verify_queue", "TASK_VERIFIERS"),
        Entry(_l("Cases"), "complaints.queue", "CASE_HANDLERS", blueprints=("complaints",)),
        Entry(_l("QR posters"), "residents.posters", "POSTER_PRINTERS"),
    )),
    Group(_l("Assessment and settlement"), (
        Entry(_l("Assessment"), "assessment.policy_page", "ASSESSMENT_READERS", blueprints=("assessment",),
              except_endpoints=_CHECKS),
        Entry(_l("Spot checks"), "assessment.checks", "SPOT_CHECKERS", endpoints=_CHECKS),
        Entry(_l("Settlement"), "settlement.statement_list", "STATEMENT_READERS", blueprints=("settlement",)),
    )),
    Group(None, (
        Entry(_l("My handovers"), "firm.handovers", "FIRMS", blueprints=("firm", "handovers")),
        Entry(_l("My day"), "field.day", "OPERATORS", blueprints=("field",)),
        Entry(_l("My task calendar"), "plans.my_calendar", "OPERATORS"),
    )),
    Group(_l("Management"), (
        Entry(_l("Organisations"), "organisations.list_organisations", "ORGANISATION_KEEPERS",
              blueprints=("organisations",)),
        Entry(_l("Audit log"), "audit.log", "AUDIT_READERS", blueprints=("audit",)),
        Entry(_l("Administration"), "users.admin_home", "USER_ADMINS", blueprints=("users",),
              except_endpoints=_OWN_ACCOUNT),
    )),
)


@dataclass(frozen=True)
class Shown:
    label: str | None  # None: the entries stand in the bar itself
    entries: tuple[tuple[Entry, bool], ...]  # each with whether it is the page being shown

    @property
    def active(self) -> bool:
        return any(on for _, on in self.entries)


def menu_for(role: str, blueprint: str | None, endpoint: str | None) -> list[Shown]:
    """What this role's bar shows on this page: groups of what it may open, empty ones left out, and
    no groups at all when it may open only a few pages. A group of one is shown as its entry."""
    shown = []
    for group in MENU:
        entries = tuple((entry, entry.active_at(blueprint, endpoint)) for entry in group.entries
                        if entry.visible_to(role))
        if entries:
            shown.append(Shown(group.label if len(entries) > 1 else None, entries))
    if sum(len(group.entries) for group in shown) <= FLAT_UP_TO:
        return [Shown(None, tuple(entry for group in shown for entry in group.entries))]
    return shown
