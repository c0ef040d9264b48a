"""The rows behind the figures: every number on the oversight pages links to a list of exactly the
tasks it counts, and the list refuses bad filters with a message."""
import re
from html import unescape

import pytest

from propmgmt.oversight import views
from propmgmt.oversight.tasklist import TaskList, count_rows

from .conftest import LAST_30, NOW

LINK = re.compile(r'<a href="(/oversight/tasks\?[^"]+)">([^<]+)</a>')


@pytest.fixture
def official(client, login_as, monkeypatch):
    monkeypatch.setattr(views, "utcnow", lambda: NOW)
    return login_as("official", locale="en")


def listed(client, href: str) -> int:
    response = client.get(unescape(href))
    assert response.status_code == 200, href
    return int(re.search(r"<h1>[^<]*· (\d+) tasks</h1>", response.get_data(as_text=True)).group(1))


def test_each_outcome_lists_what_its_figure_counts(dataset):
    a = dataset["a"]
    # Hand-counted from the dataset: 甲 has 5 tasks due in the last 30 days (see conftest).
    expected = {"due": 5, "completed": 4, "on_time": 3, "not_on_time": 2, "missed": 1, "verified": 2,
                "first_pass": 1, "overdue": 1}
    counted = {outcome: count_rows(TaskList(LAST_30, outcome, compound_id=a.id), NOW) for outcome in expected}
    assert counted == expected
    assert count_rows(TaskList(LAST_30, "due", crew_id=dataset["east"].id), NOW) == 3
    assert count_rows(TaskList(LAST_30, "due", subdistrict_id=a.community.subdistrict_id), NOW) == 5
    assert count_rows(TaskList(LAST_30, "due", service_type_id=dataset["sorting"].id), NOW) == 2


@pytest.mark.parametrize("page", ["/oversight", "/oversight/crews", "subdistrict"])
def test_every_number_links_to_its_rows(client, dataset, official, page):
    if page == "subdistrict":
        page = f"/oversight/subdistricts/{dataset['a'].community.subdistrict_id}"
    html = client.get(page).get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    checked = 0
    for row in rows:
        links = LINK.findall(row)
        if not links:
            continue
        due = listed(client, links[0][0]) if "outcome=due" in links[0][0] else None
        for href, text in links:
            if text.strip().endswith("%"):
                outcome = re.search(r"outcome=(\w+)", href).group(1)
                whole = listed(client, href.replace("outcome=first_pass", "outcome=verified")) \
                    if outcome == "first_pass" else due
                assert text.strip() == "%.1f%%" % (100 * listed(client, href) / whole), (page, href)
            elif text.strip() != "—":
                assert int(text) == listed(client, href), (page, href, text)
            checked += 1
    assert checked >= 5, f"{page} has too few figures linked"


def test_overdue_now_links_to_the_open_windows(client, dataset, official):
    html = client.get("/oversight").get_data(as_text=True)
    href = re.search(r'href="(/oversight/tasks\?outcome=overdue)"><strong>(\d+)</strong>', html)
    assert href.group(2) == "1" and listed(client, href.group(1)) == 1


def test_the_list_shows_the_rows_and_pages(client, dataset, official, app):
    app.config["PAGE_SIZE"] = 2
    try:
        first = client.get(f"/oversight/tasks?compound={dataset['a'].id}&from=2026-10-27&to=2026-11-25")
        html = first.get_data(as_text=True)
        assert "Due · 5 tasks" in html and "甲小区" in html and "Page 1 of 3" in html
        assert html.count("<tr>") == 3  # the header row and two tasks
        last = client.get(f"/oversight/tasks?compound={dataset['a'].id}&from=2026-10-27&to=2026-11-25&page=3")
        assert last.get_data(as_text=True).count("<tr>") == 2
    finally:
        app.config["PAGE_SIZE"] = 50


@pytest.mark.parametrize("query, message", [
    ("outcome=everything", "Unknown figure"),
    ("subdistrict=999999", "Nothing with that number exists"),
    ("from=2099-01-01&to=2099-01-31", "lies in the future"),
    ("from=2020-01-01&to=2026-11-25", "at most 366 days"),
    ("from=yesterday", "YYYY-MM-DD"),
])
def test_bad_filters_say_what_is_wrong(client, dataset, official, query, message):
    response = client.get(f"/oversight/tasks?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert "Due · 15 tasks" in html  # the default list instead: all tasks due in the last 30 days


def test_a_task_finished_after_its_window_is_marked_late(client, dataset, official):
    html = client.get(f"/oversight/tasks?compound={dataset['a'].id}&from=2026-10-27&to=2026-11-25"
                      "&outcome=completed").get_data(as_text=True)
    assert "Completed · 4 tasks" in html and html.count("badge-late") == 1


def test_an_empty_period_says_so(client, db, official):
    html = client.get("/oversight/tasks?from=2026-11-01&to=2026-11-02").get_data(as_text=True)
    assert "0 tasks" in html and "No task matches" in html
