"""`make bench` renders the oversight pages and the tablet's day; here on a tiny district, so the bench
code cannot rot; and an older bench database is upgraded by the migrations rather than built again."""
import re
from datetime import datetime

import pytest

from tools.bench.pages import oversight_pages

from ..factories import CompoundFactory, UserFactory

pytestmark = pytest.mark.slow  # make test-fast leaves it out


def test_bench_renders_every_oversight_page_beside_the_sql_it_ran(db):
    from tools.bench.cli import goal_rows

    UserFactory(role="official")
    CompoundFactory(management_mode="fallback")
    db.session.commit()
    results = oversight_pages(1, lambda text: None)
    cold, cold_sql, *both, fresh, unchanged = results
    assert "first after the refresh" in cold.label and cold.target_ms == 100 and cold_sql.limit_for == cold.label
    pages, raws = both[::2], both[1::2]
    assert [m.label.split(" (")[0] for m in pages] == [
        "/oversight", "/oversight/subdistricts/<largest>", "/oversight/crews", "/oversight/report",
        "/r/<code>, the public page"]
    assert [m.limit_for for m in raws] == [m.label for m in pages]  # each page beside the SQL it ran
    assert all(m.timings_ms and not m.unavailable for m in results)
    assert all(m.rows > 500 for m in pages), [m.rows for m in pages]  # bytes (gzip for /r/): really rendered
    assert all(int(re.search(r"\((\d+) statements\)", m.label).group(1)) > 3 for m in raws)  # what each page ran
    assert pages[3].size_goal == 100_000 and pages[3].ratio_goal == 1.5  # the report's goals, printed beside
    goals = {figure: goal for figure, _app, _limit, _ratio, goal, _held in goal_rows(results)}
    assert goals[f"{pages[0].label} / its SQL"] == "<= 1.5x"
    assert goals[pages[2].label] == "<= 100 ms" and goals[pages[4].label] == "<= 10 ms"
    assert goals[f"{pages[3].label}: size"] == "<= 100 KB"
    assert "rendered afresh" in fresh.label and "unchanged" in unchanged.label
    assert fresh.rows == unchanged.rows > 10_000  # the same PDF's bytes, rendered or stored


def test_bench_requests_the_busiest_operators_day_through_the_whole_pipeline(db):
    """`make bench` times /field as the tablet asks for it (session cookie, view, gzip) and its first load."""
    from tools.bench.build import TODAY, local
    from tools.bench.measure import field_page

    from ..factories import CrewFactory, TaskFactory

    crew = CrewFactory()
    UserFactory(role="operator", crew=crew)
    for hour in (8, 10, 15):
        TaskFactory(crew_id=crew.id, end=local(TODAY, hour))
    db.session.commit()
    page, sql, tablet, revisit, revisit_sql = field_page(1, lambda text: None)
    assert page.label.startswith("/field, busiest operator (whole request, gzip)") and page.target_ms == 10
    assert sql.limit_for == page.label and sql.rows >= 3  # the SQL it ran, its three tasks among the rows
    assert page.timings_ms and tablet.timings_ms and tablet.rows == 5  # the page, 3 static files, /field/pages
    assert tablet.rows_goal == 5 and 0 < tablet.size <= tablet.size_goal
    # The revisit with the copy's ETag is a 304 (asserted inside), held to /field's 10 ms, beside its SQL.
    assert "304" in revisit.label and revisit.target_ms == 10 and revisit.timings_ms
    assert revisit_sql.limit_for == revisit.label and revisit_sql.rows >= 3


def test_an_older_bench_database_is_upgraded_not_rebuilt(tmp_path):
    from sqlalchemy import create_engine, text

    from tools.bench.cache import claim, record_build, state_of

    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        claim(connection)
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0021')"))
    assert state_of(url, "city", "0027")[0] == "incomplete"  # claimed, never finished: built again
    with engine.begin() as connection:
        record_build(connection, "city", 10, 1.0, datetime(2026, 12, 1))
    assert state_of(url, "city", "0027")[0] == "outdated"
    assert state_of(url, "city", "0021")[0] == "complete"
    assert state_of(url, "another recipe", "0021")[0] == "incomplete"
    engine.dispose()


def test_bench_settles_a_month_with_its_spot_checks_and_leaves_nothing_behind(db):
    """`make bench` scores and settles last month with two spot checks per compound, all rolled back."""
    from datetime import date

    from sqlalchemy import func, select

    from propmgmt.assessment.models import Rectification, SpotCheck
    from propmgmt.settlement.models import Statement
    from tools.bench.measure import settle_month

    from ..factories import AssignmentFactory, CrewFactory

    UserFactory(role="official")
    UserFactory(role="inspector")
    crew = CrewFactory()
    for _n in range(6):
        AssignmentFactory(compound=CompoundFactory(management_mode="fallback"), status="active",
                          start_date=date(2026, 1, 1), crew_id=crew.id)
    db.session.commit()
    result = settle_month(1, lambda text: None)
    assert result.label == "score and settle a city month (6 compounds, 12 spot checks)"
    assert result.rows == 6 and result.target_ms == 2000 and result.timings_ms
    assert [db.session.scalar(select(func.count()).select_from(model))
            for model in (Statement, SpotCheck, Rectification)] == [0, 0, 0]
