"""The load's tablet (tools/bench/loadgen.py) asks for what field.js warmCache() asks for, read off the
real day page: every task page and the report page on a first visit, nothing on a revisit when
nothing changed, and only the completed task's page after a completion."""
import io

from tools.bench.loadgen import Session, stale_pages, warm_cache

from ..conftest import jpeg


def _sign_in(client, user):
    client.post_form("/login", {"username": user.username, "password": "password123"})


def _visit(client, tablet: Session) -> list[str]:
    """GET /field and its follow-up as the load sends them; the follow-up addresses asked."""
    asked = []

    def fetch(address):
        asked.append(address)
        response = client.get(address)
        assert response.status_code == 200
        return response.data

    warm_cache(fetch, tablet, client.get("/field").data)
    return asked


def test_the_load_asks_for_the_pages_the_tablet_asks_for(client, field_day):
    tasks = field_day["tasks"]
    _sign_in(client, field_day["operator"])
    tablet = Session(field_day["operator"].username)

    first = _visit(client, tablet)
    assert first == ["/field/pages?ids=" + ",".join(str(t.id) for t in tasks) + "&report=1"]
    assert set(tablet.versions) == {f"/field/tasks/{t.id}" for t in tasks} | {"/field/report"}
    assert _visit(client, tablet) == []  # nothing changed: no request at all

    done = tasks[1]
    token = client.csrf_token(f"/field/tasks/{done.id}")
    form = {"check": ["道路清扫", "楼道清扫"], "note": "", "photos": (io.BytesIO(jpeg()), "p.jpg")}
    response = client.post(f"/field/tasks/{done.id}/complete", content_type="multipart/form-data", data=form,
                           headers={"Accept": "application/json", "X-CSRFToken": token, "X-Idempotency-Key": "k1"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _visit(client, tablet) == [f"/field/pages?ids={done.id}"]


def test_a_page_without_task_links_asks_for_the_report_page_only():
    address, kept, stale = stale_pages(b'<section class="field-day" data-day="12-03"></section>', {})
    assert address == "/field/pages?ids=&report=1" and kept == {} and stale == {"/field/report": "12-03"}
