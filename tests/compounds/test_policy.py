"""What the register page offers for a compound, by role and management mode."""
import pytest

from propmgmt.compounds.policy import available_actions

from ..factories import CompoundFactory, UserFactory


@pytest.mark.parametrize("role, mode, open_assignment, expected", [
    ("official", "unmanaged", False, ["propose_fallback", "edit"]),
    ("official", "unmanaged", True, ["edit"]),
    ("dispatcher", "unmanaged", False, ["propose_fallback"]),
    ("official", "professional", False, ["mark_unmanaged", "edit"]),
    ("dispatcher", "fallback", True, ["service_plans"]),
    ("operator", "fallback", True, []),
    ("firm", "professional", False, []),
])
def test_actions_follow_role_and_mode(db, role, mode, open_assignment, expected):
    compound = CompoundFactory(management_mode=mode)
    assert available_actions(compound, UserFactory(role=role), open_assignment=open_assignment) == expected


def test_the_page_shows_the_actions(client, login_as):
    login_as("official")
    compound = CompoundFactory(management_mode="professional")
    html = client.get(f"/compounds/{compound.id}").get_data(as_text=True)
    assert f"/assignments/release/{compound.id}" in html
    assert f"/compounds/{compound.id}/edit" in html and "/assignments/propose" not in html
