"""The case's transitions as data: what each role may do from each state, and the case page
offering exactly that."""
import pytest

from propmgmt.complaints.policy import TRANSITIONS, available_actions

from ..factories import ComplaintFactory, UserFactory


@pytest.mark.parametrize("status, expected", [
    ("received", ["acknowledge", "dispatch"]),
    ("acknowledged", ["dispatch", "resolve"]),
    ("dispatched", ["resolve"]),
    ("reopened", ["dispatch", "resolve"]),
    ("resolved", ["close"]),
    ("closed", []),
])
def test_a_dispatcher_is_offered_the_transitions_from_the_state(db, status, expected):
    case = ComplaintFactory(status=status)
    assert available_actions(case, UserFactory(role="dispatcher")) == expected
    assert available_actions(case, UserFactory(role="operator")) == []
    assert available_actions(case, None) == (["rate", "reopen"] if status == "resolved" else [])


def test_an_unmatched_case_is_matched_before_it_can_be_dispatched(db):
    case = ComplaintFactory(compound=None, status="received", source="hotline")
    assert available_actions(case, UserFactory(role="dispatcher")) == ["match", "acknowledge"]


def test_the_case_page_offers_exactly_the_available_actions(client, login_as):
    login_as("dispatcher")
    for status in ("received", "resolved", "closed"):
        case = ComplaintFactory(status=status)
        html = client.get(f"/complaints/{case.id}").get_data(as_text=True)
        offered = [name for name in TRANSITIONS if f"/complaints/{case.id}/{name}" in html]
        assert offered == [a for a in available_actions(case, UserFactory(role="dispatcher"))], status
