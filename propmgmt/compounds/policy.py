"""What may be done next with a compound, by whom: the register page offers exactly these."""
from ..auth.roles import ASSIGNMENT_PROPOSERS, DISTRICT, REGISTER_EDITORS, STAFF

# action: (roles, the management modes it applies in)
COMPOUND_ACTIONS = {
    "propose_fallback": (ASSIGNMENT_PROPOSERS, ("unmanaged",)),  # and no assignment open yet
    "mark_unmanaged": (DISTRICT, ("professional", "self_managed")),  # the firm left, or owners gave up
    "service_plans": (STAFF, ("fallback",)),
    "edit": (REGISTER_EDITORS, ("unmanaged", "fallback", "professional", "self_managed")),
}


def available_actions(compound, user, *, open_assignment: bool) -> list[str]:
    """The actions of COMPOUND_ACTIONS open to `user` on `compound` now, in their order."""
    role = getattr(user, "role", None)
    return [name for name, (roles, modes) in COMPOUND_ACTIONS.items()
            if role in roles and compound.management_mode in modes
            and not (name == "propose_fallback" and open_assignment)]
