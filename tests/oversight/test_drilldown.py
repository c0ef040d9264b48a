"""Drill-down by subdistrict, and crews and operators: figures of a known dataset, filters, bad periods."""
from datetime import date

import pytest

from propmgmt.errors import DomainError
from propmgmt.oversight import views
from propmgmt.oversight.drilldown import (
    TaskFilter,
    crew_figures,
    operator_figures,
    persistently_late,
    subdistrict_compounds,
)
from propmgmt.periods import MAX_DAYS, Period

from ..factories import CommunityFactory
from .conftest import LAST_30, NOW


def test_compounds_of_a_subdistrict(dataset):
    rows = subdistrict_compounds(dataset["a"].community.subdistrict_id, LAST_30, TaskFilter(), now=NOW)
    assert [r["compound"].name for r in rows] == ["乙小区", "甲小区"]
    a = rows[1]["health"]
    assert (a.due, a.completed, a.on_time, a.missed, a.verified, a.first_pass) == (5, 4, 3, 1, 2, 1)
    assert rows[0]["health"].due == 0 and rows[0]["health"].completion_rate is None


def test_filters_narrow_the_tasks_and_the_compounds(dataset):
    sid = dataset["a"].community.subdistrict_id
    by_type = subdistrict_compounds(sid, LAST_30, TaskFilter(service_type_id=dataset["sorting"].id), now=NOW)
    assert [(r["compound"].name, r["health"].due, r["health"].missed) for r in by_type] == [("甲小区", 2, 1)]
    by_crew = subdistrict_compounds(sid, LAST_30, TaskFilter(crew_id=dataset["east"].id), now=NOW)
    assert [(r["compound"].name, r["health"].due, r["health"].on_time) for r in by_crew] == [("甲小区", 3, 2)]
    longer = subdistrict_compounds(sid, Period(date(2026, 10, 1), date(2026, 11, 25)), TaskFilter(), now=NOW)
    assert longer[1]["health"].due == 6


def test_crews_operators_and_late_compounds(dataset):
    crews = {r["crew"]: r for r in crew_figures(LAST_30, TaskFilter(), now=NOW)}
    east = crews["东片一组"]
    assert (east["health"].due, east["health"].on_time, east["overdue"]) == (3, 2, 1)
    assert (crews["西片二组"]["health"].due, crews["西片二组"]["health"].first_pass, crews["西片二组"]["overdue"]) == \
        (2, 0, 0)
    assert crews[None]["health"].due == 10
    rows = operator_figures(LAST_30, TaskFilter(), now=NOW)
    assert "王师傅（东片一组）" in {r.name for r in rows}  # the name with what tells two 王师傅 apart
    operators = {r.name.split("（")[0]: r.health for r in rows}
    assert (operators["王师傅"].due, operators["王师傅"].on_time) == (3, 2)
    assert (operators["李师傅"].due, operators["李师傅"].missed) == (2, 1)
    late = persistently_late(LAST_30, TaskFilter(), now=NOW)
    assert [(r["compound"], r["health"].due, r["health"].on_time) for r in late] == [("别处小区", 10, 6)]


def test_the_pages_show_the_figures(client, login_as, dataset, monkeypatch):
    monkeypatch.setattr(views, "utcnow", lambda: NOW)
    login_as("official", locale="en")
    sid = dataset["a"].community.subdistrict_id
    html = client.get(f"/oversight/subdistricts/{sid}").get_data(as_text=True)
    assert "甲小区" in html and "80.0%" in html and "60.0%" in html and f"/compounds/{dataset['a'].id}" in html
    assert "别处小区" not in html
    html = client.get("/oversight/crews").get_data(as_text=True)
    for text in ("东片一组", "王师傅", "李师傅", "别处小区", "66.7%"):
        assert text in html, text
    overview = client.get("/oversight").get_data(as_text=True)
    assert f"/oversight/subdistricts/{sid}" in overview and "/oversight/report" in overview


def test_the_crews_page_shows_the_operators_a_page_at_a_time(client, login_as, dataset, monkeypatch, app):
    """A city has 900 operators: the page lists them in pages, as the other long lists are."""
    monkeypatch.setattr(views, "utcnow", lambda: NOW)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    login_as("official", locale="en")
    first = client.get("/oversight/crews").get_data(as_text=True)
    second = client.get("/oversight/crews?page=2").get_data(as_text=True)
    assert "2 operators with tasks due in the period" in first and "Page 1 of 2" in first
    assert ("王师傅" in first) != ("王师傅" in second) and ("李师傅" in first) != ("李师傅" in second)
    assert "东片一组" in second and "别处小区" in second  # the crews and the late compounds on every page


@pytest.mark.parametrize("query, message", [
    ("from=2024-01-01&to=2026-11-01", f"at most {MAX_DAYS} days"),
    ("from=2026-11-10&to=2026-11-01", "ends before it begins"),
    ("from=yesterday", "YYYY-MM-DD"),
    ("from=2027-01-01&to=2027-01-05", "in the future"),
])
@pytest.mark.parametrize("page", ["crews", "subdistrict"])
def test_bad_periods_are_explained(client, login_as, dataset, monkeypatch, query, message, page):
    monkeypatch.setattr(views, "utcnow", lambda: NOW)
    login_as("official", locale="en")
    url = f"/oversight/subdistricts/{dataset['a'].community.subdistrict_id}" if page == "subdistrict" \
        else "/oversight/crews"
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Showing the last 30 days instead" in html


def test_unknown_subdistrict_and_empty_ones(client, login_as, db, monkeypatch):
    monkeypatch.setattr(views, "utcnow", lambda: NOW)
    login_as("official", locale="en")
    assert client.get("/oversight/subdistricts/987654").status_code == 404
    empty = CommunityFactory().subdistrict
    db.session.commit()
    assert "has no compounds yet" in client.get(f"/oversight/subdistricts/{empty.id}").get_data(as_text=True)
    assert "no rates to show" in client.get("/oversight/crews").get_data(as_text=True)


def test_period_parsing():
    assert Period.parse("", "", now=NOW) == LAST_30 and LAST_30.days == 30
    assert Period.parse("2025-11-25", "2026-11-25", now=NOW).days == 366
    with pytest.raises(DomainError):
        Period.parse("2025-11-24", "2026-11-25", now=NOW)
