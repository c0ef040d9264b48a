"""The main pages run a fixed number of SQL statements, however many rows they show (no N+1).

Each page is read twice, with one row and with many; the counts must be equal, and equal to the
number pinned here. A change that adds a statement to a page changes its pin, on purpose."""
import pytest

from .factories import AssignmentFactory, ComplaintFactory, CompoundFactory, TaskFactory

# Statements per page view after the first (the signed-in user and their session are one joined query).
# /field: 4, the user, the day's tasks with its open case tasks (one statement, the case tasks found by
# their own index: tests/field), the crew's open rectifications listed above the day and the header's
# unread count; /oversight: 27 (today counted once for the last week, the 30 days and the subdistricts)
# with the hotline's figures and the latest settlement statement looked up (2 more when there is one)
# and the latest survey round (2 more when a household answered it).
PINNED = {"/compounds": 6, "/assignments": 9, "/complaints": 3, "/oversight": 27, "/field": 4}


def _statements(client, count_queries, url: str) -> int:
    client.get(url)  # warm: the first request of a test loads the session and the user once
    with count_queries() as counted:
        response = client.get(url)
    assert response.status_code == 200, url
    return counted.count


@pytest.mark.parametrize("url, role", [("/compounds", "official"), ("/assignments", "official"),
                                       ("/complaints", "dispatcher"), ("/oversight", "official")])
def test_a_page_runs_as_many_statements_for_many_rows_as_for_one(client, login_as, count_queries, url, role):
    login_as(role)
    ComplaintFactory(compound=AssignmentFactory().compound)
    few = _statements(client, count_queries, url)
    for _ in range(12):  # rows of every list: compounds, assignments, cases, tasks due
        compound = AssignmentFactory().compound
        ComplaintFactory(compound=compound)
        TaskFactory(compound=compound, status="missed")
    assert (few, _statements(client, count_queries, url)) == (PINNED[url], PINNED[url])


def test_the_operators_day_runs_a_fixed_number_of_statements(client, field_day, count_queries):
    operator = field_day["operator"]
    client.post_form("/login", {"username": operator.username, "password": "password123"})
    few = _statements(client, count_queries, "/field")
    for task in field_day["tasks"][:3]:  # more of today's work, in other compounds of the crew
        TaskFactory(compound=CompoundFactory(management_mode="fallback"), service_type_id=task.service_type_id,
                    crew_id=task.crew_id, end=task.window_end, standard_id=task.standard_id)
    assert (few, _statements(client, count_queries, "/field")) == (PINNED["/field"], PINNED["/field"])


def test_the_public_compound_page_runs_a_fixed_number_of_statements(client, count_queries):
    """Anyone's phone reads it: 12 statements (the compound with its community and subdistrict in one,
    its crews, plans, figures, recent work and their photos, the counts it shows in one, the ratings,
    the latest score, whether a renovation project covers it, the survey), however much it shows."""
    from datetime import timedelta

    from propmgmt.clock import utcnow

    compound = AssignmentFactory().compound
    url = f"/r/{compound.public_code}"
    TaskFactory(compound=compound, status="done", end=utcnow() - timedelta(hours=1), completed_at=utcnow())
    few = _statements(client, count_queries, url)
    for hours in range(2, 14):  # more work done in the last days, and more cases
        TaskFactory(compound=compound, status="done", end=utcnow() - timedelta(hours=hours),
                    completed_at=utcnow() - timedelta(hours=hours))
        ComplaintFactory(compound=compound)
    assert (few, _statements(client, count_queries, url)) == (12, 12)
