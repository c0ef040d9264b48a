"""`make bench` renders the oversight pages; here on a tiny district, so the bench code cannot rot."""
from propmgmt.bench.pages import oversight_pages

from ..factories import CompoundFactory, UserFactory


def test_bench_renders_every_oversight_page(db):
    UserFactory(role="official")
    CompoundFactory()
    db.session.commit()
    results = oversight_pages(1, lambda text: None)
    assert [m.label.split(" (")[0] for m in results] == [
        "/oversight", "/oversight/subdistricts/<largest>", "/oversight/crews", "/oversight/report",
        "raw SQL: 30-day due/completed/on time/missed"]
    assert all(m.timings_ms and not m.unavailable for m in results)
    assert all(m.rows > 1000 for m in results[:4])  # html bytes: the pages really rendered
