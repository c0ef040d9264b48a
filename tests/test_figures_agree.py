"""One dataset, every page that shows its figures: the numbers agree with each other and with
plans.outcomes' Python definitions (computed here task by task, not by the SQL the pages use)."""
import re
from datetime import timedelta

import pytest

from propmgmt.clock import local_today, utcnow
from propmgmt.oversight.report import Month
from propmgmt.periods import Period
from propmgmt.plans.outcomes import COUNTED_OUTCOMES, Health, format_rate, has_outcome, is_due

from .factories import CompoundFactory, CrewFactory, ServiceTypeFactory, TaskFactory, UserFactory

# (status, hours before now that the window ended, minutes after the window the work was finished, rejections)
TASKS = [
    ("verified", 26, -20, 0),   # on time, first pass
    ("verified", 50, -5, 1),    # on time, after one redo
    ("done", 20, 45, 0),        # late
    ("done", 30, -10, 0),       # on time, waiting for verification
    ("rejected", 44, -15, 1),   # sent back, waiting for the redo: completed, on time
    ("missed", 70, None, 0),
    ("missed", 96, None, 0),
    ("cancelled", 28, None, 0),  # never counts
    ("verified", 24 * 40, -5, 0),  # before the last 30 days
    ("scheduled", -1, None, 0),   # window still open: not due
]


@pytest.fixture
def served(db):
    now = utcnow()
    crew = CrewFactory(name="东片一组")
    operator = UserFactory(role="operator", display_name="王师傅", crew=crew)
    compound = CompoundFactory(name="甲小区", management_mode="fallback")
    cleaning = ServiceTypeFactory()
    tasks = [TaskFactory(compound=compound, service_type=cleaning, crew_id=crew.id, assignee_id=operator.id,
                         status=status, end=now - timedelta(hours=hours), finished=finished, rejections=rejections)
             for status, hours, finished, rejections in TASKS]
    return {"now": now, "crew": crew, "compound": compound, "tasks": tasks}


def expected(tasks, start, end) -> Health:
    """The figures by the Python definitions, task by task."""
    due = [t for t in tasks if is_due(t, end) and start < t.window_end <= end]
    return Health(0, len(due), *(sum(has_outcome(t, name) for t in due) for name in COUNTED_OUTCOMES))


def shown(h: Health) -> dict:
    """The five figures as health_cells shows them."""
    return {"due": str(h.due), "completed": format_rate(h.completion_rate), "on_time": format_rate(h.on_time_rate),
            "missed": str(h.missed), "first_pass": format_rate(h.first_pass_rate)}


def linked_cells(row: str) -> dict:
    """outcome -> text of a row's figure cells that link to their tasks (the oversight pages)."""
    return {outcome: text for outcome, text in
            re.findall(r'<td class="num"><a href="[^"]*outcome=(\w+)[^"]*">([^<]*)</a></td>',
                       row.replace("&amp;", "&"))}


def plain_cells(row: str) -> dict:
    texts = re.findall(r'<td class="num">([^<]*)</td>', row)
    return dict(zip(("due", "completed", "on_time", "missed", "first_pass"), texts))


def row_of(html: str, name: str) -> str:
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if name in row]
    assert rows, f"no row for {name}"
    return rows[0]


def test_every_page_shows_the_same_figures_for_the_same_tasks(client, login_as, served):
    now, compound, crew = served["now"], served["compound"], served["crew"]
    start, end = Period.last_days(30, now=now).bounds(now)
    month = shown(expected(served["tasks"], start, end))
    assert month == {"due": "7", "completed": "71.4%", "on_time": "57.1%", "missed": "2", "first_pass": "50.0%"}

    login_as("official")
    overview = client.get("/oversight").get_data(as_text=True)
    assert linked_cells(row_of(overview, "近 30 天")) == month
    subdistrict = client.get(f"/oversight/subdistricts/{compound.community.subdistrict_id}").get_data(as_text=True)
    assert linked_cells(row_of(subdistrict, compound.name)) == month
    crews = client.get("/oversight/crews").get_data(as_text=True)
    assert {k: v for k, v in linked_cells(row_of(crews, crew.name)).items() if k != "overdue"} == month
    assert linked_cells(row_of(crews, "王师傅")) == month
    counts = {"due": 7, "completed": 5, "on_time": 4, "not_on_time": 3, "missed": 2, "verified": 2, "first_pass": 1}
    for outcome, n in counts.items():  # the rows behind each figure are as many as it says
        rows = client.get("/oversight/tasks", query_string={**Period.last_days(30, now=now).args(),
                                                            "outcome": outcome}).get_data(as_text=True)
        assert f"{n} 项任务" in rows or f"{n} 个任务" in rows or f"· {n} " in rows, outcome

    the_month = Month.containing(local_today(now - timedelta(hours=50)))
    report = client.get("/oversight/report", query_string={"month": the_month.label}).get_data(as_text=True)
    in_month = shown(expected(served["tasks"], the_month.start, min(the_month.end, now)))
    for label, key in (("到期任务", "due"), ("完成率", "completed"), ("按时率", "on_time"), ("已漏做", "missed"),
                       ("一次通过率", "first_pass")):
        assert re.search(rf"<td>{label}</td>\s*<td[^>]*>{re.escape(in_month[key])}</td>", report), (label, in_month)

    public = client.get(f"/r/{compound.public_code}").get_data(as_text=True)
    figures = re.findall(r'<span class="figure">([^<]*)</span>', public)
    assert figures[:2] == [month["completed"], month["on_time"]]
    assert "7 项中完成 5 项" in public

    client.post_form("/logout", page="/oversight")
    login_as("dispatcher")
    verify = client.get("/field/verify").get_data(as_text=True)
    crew_table = verify.split('class="data crew-rates"')[1].split("</table>")[0]
    assert plain_cells(row_of(crew_table, crew.name)) == month
