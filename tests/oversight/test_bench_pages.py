"""`make bench` renders the oversight pages; here on a tiny district, so the bench code cannot rot."""
import pytest

from tools.bench.pages import oversight_pages

from ..factories import CompoundFactory, UserFactory

pytestmark = pytest.mark.slow  # make test-fast leaves it out


def test_bench_renders_every_oversight_page(db):
    UserFactory(role="official")
    CompoundFactory()
    db.session.commit()
    results = oversight_pages(1, lambda text: None)
    *both, fresh, unchanged = results
    pages, raws = both[::2], both[1::2]
    assert [m.label.split(" (")[0] for m in pages] == [
        "/oversight", "/oversight/subdistricts/<largest>", "/oversight/crews", "/oversight/report"]
    assert [m.raw_for for m in raws] == [m.label for m in pages]  # each page beside its raw SQL
    assert all(m.timings_ms and not m.unavailable for m in results)
    assert all(m.rows > 1000 for m in pages)  # html bytes: the pages really rendered
    assert pages[-1].size_goal == 100_000 and pages[-1].ratio_goal == 1.5  # the report's goals, printed beside
    assert "rendered afresh" in fresh.label and "unchanged" in unchanged.label
    assert fresh.rows == unchanged.rows > 10_000  # the same PDF's bytes, rendered or stored
