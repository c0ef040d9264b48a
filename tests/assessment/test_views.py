"""The inspector's phone form, the rectification it makes on the operator's day, the policy form."""
import io
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from propmgmt.assessment.models import AssessmentPolicy, Rectification, SpotCheck
from propmgmt.assessment.services import save_policy
from propmgmt.clock import utcnow
from propmgmt.demo.assessment import DISTRICT_POLICY

from ..conftest import jpeg
from ..factories import AssignmentFactory, CompoundFactory, CrewFactory, ServiceTypeFactory, UserFactory


def _setup(db):
    save_policy(UserFactory(role="official"), DISTRICT_POLICY, effective_month=date(2026, 1, 1), now=utcnow())
    ServiceTypeFactory(code="cleaning")
    crew = CrewFactory()
    compound = CompoundFactory(name="育英小区", management_mode="fallback", latitude=Decimal("37.857000"),
                               longitude=Decimal("113.583000"))
    AssignmentFactory(compound=compound, status="active", start_date=date(2026, 1, 1), crew_id=crew.id)
    operator = UserFactory(role="operator", crew=crew)
    db.session.commit()
    return compound, operator


def _post_check(client, compound, **fields):
    data = {"compound": str(compound.id), "checked_at": "", "latitude": "37.857100", "longitude": "113.583100",
            "accuracy": "12", "result_public_areas": "pass", "key": "k-1"} | fields
    data["csrf_token"] = client.csrf_token(f"/assessment/checks/new?compound={compound.id}")
    return client.post("/assessment/checks", data=data, content_type="multipart/form-data")


def test_a_check_with_no_item_answered_is_refused_and_keeps_the_entries(client, login_as, db):
    compound, _ = _setup(db)
    login_as("inspector")
    response = _post_check(client, compound, result_public_areas="", note="三号楼")
    assert response.status_code == 400
    assert db.session.scalar(select(SpotCheck)) is None
    assert "三号楼" in response.get_data(as_text=True)


def test_a_defect_becomes_the_crews_rectification_and_the_inspector_verifies_the_fix(client, login_as, db):
    compound, operator = _setup(db)
    inspector = login_as("inspector")
    no_photo = _post_check(client, compound, result_public_areas="defects", defects_public_areas="2")
    assert no_photo.status_code == 400 and db.session.scalar(select(SpotCheck)) is None
    response = _post_check(client, compound, result_public_areas="defects", defects_public_areas="2",
                           photo_public_areas=(io.BytesIO(jpeg()), "defect.jpg"), note_public_areas="楼道堆物")
    assert response.status_code == 302
    again = _post_check(client, compound, result_public_areas="pass")  # the same key sent again
    assert again.status_code == 302
    checks = db.session.scalars(select(SpotCheck)).all()
    assert len(checks) == 1 and checks[0].items[0].points == Decimal(15) and not checks[0].far_away
    rectification = db.session.scalar(select(Rectification))
    assert rectification.status == "open" and rectification.crew_id == operator.crew_id

    client.post("/logout", data={"csrf_token": client.csrf_token("/assessment/checks")})
    client.post_form("/login", {"username": operator.username, "password": "password123"})
    day = client.get("/field").get_data(as_text=True)
    assert "楼道堆物" in day
    assert f'#r-{rectification.id}">去整改</a>' in day  # a button that says what it does, not the status 未办结
    client.post_form(f"/assessment/rectifications/{rectification.id}/fixed", {"note": "已清理"},
                     page="/assessment/rectifications")
    db.session.refresh(rectification)
    assert rectification.status == "fixed"

    client.post("/logout", data={"csrf_token": client.csrf_token("/field")})
    client.post_form("/login", {"username": inspector.username, "password": "password123"})
    client.post_form(f"/assessment/rectifications/{rectification.id}/verify", {"decision": "accept"},
                     page="/assessment/rectifications")
    db.session.refresh(rectification)
    assert rectification.status == "verified"


def test_a_check_in_far_from_the_compound_is_kept_and_flagged(client, login_as, db):
    compound, _ = _setup(db)
    login_as("inspector")
    response = _post_check(client, compound, latitude="37.900000", key="k-far")
    assert response.status_code == 302
    check = db.session.scalar(select(SpotCheck))
    assert check.far_away and check.distance_m > 2000 and check.accuracy_m == 12


def test_the_official_saves_a_new_policy_version_through_the_form(client, login_as, db):
    _setup(db)
    login_as("official")
    page = client.get("/assessment/policy").get_data(as_text=True)
    assert "楼道及公共区域保洁" in page
    form = _policy_form_data(client)
    form["bands-1-low"] = "50"  # overlaps the first band
    refused = client.post("/assessment/policy", data=form)
    assert refused.status_code == 400 and "相互重叠" in refused.get_data(as_text=True)
    form = _policy_form_data(client)
    form["effective_month"] = "2027-01"
    assert client.post("/assessment/policy", data=form).status_code == 302
    newest = db.session.scalar(select(AssessmentPolicy).order_by(AssessmentPolicy.version.desc()))
    assert newest.version == 2 and newest.effective_month == date(2027, 1, 1)
    assert newest.document["bands"] == DISTRICT_POLICY["bands"]
    assert newest.document["fees"]["cleaning"] == {"basis": "household", "fen": 600}


def _policy_form_data(client) -> dict:
    """The form's fields as the page renders them (inputs and selected options)."""
    import re
    html = client.get("/assessment/policy").get_data(as_text=True)
    form = html[html.index('action="/assessment/policy"'):]
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form):
        data[name] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body)
        data[name] = next(g for g in chosen.groups() if g is not None) if chosen else \
            re.search(r'value="([^"]*)"', body).group(1)
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = body.strip()
    return data


def test_a_checks_photos_are_read_within_one_budget(client, login_as, db):
    """Each defect's photos count together: a check cannot make the server decode without bound."""
    from propmgmt.assessment.views import PHOTOS_PER_CHECK

    compound, _ = _setup(db)
    login_as("inspector")
    photos = [(io.BytesIO(jpeg(80, 60)), f"{n}.jpg") for n in range(PHOTOS_PER_CHECK + 1)]
    response = _post_check(client, compound, result_public_areas="defects", defects_public_areas="2",
                           photo_public_areas=photos)
    assert response.status_code == 400 and db.session.scalar(select(SpotCheck)) is None
    assert f"每次最多上传 {PHOTOS_PER_CHECK} 张照片" in response.get_data(as_text=True)


def test_the_phones_queue_gets_json_and_a_resend_gets_the_first_answer(client, login_as, db):
    compound, _ = _setup(db)
    inspector = login_as("inspector")
    token = client.csrf_token(f"/assessment/checks/new?compound={compound.id}")

    def send(queued_by, **fields):
        data = {"compound": str(compound.id), "result_public_areas": "defects", "defects_public_areas": "1",
                "photo_public_areas": (io.BytesIO(jpeg()), "defect.jpg"), "queued_by": queued_by} | fields
        return client.post("/assessment/checks", data=data, content_type="multipart/form-data",
                           headers={"Accept": "application/json", "X-CSRFToken": token,
                                    "X-Idempotency-Key": "queue-key-1"})

    first = send(str(inspector.id))
    assert first.status_code == 201 and first.json["check"]["defects"] == 1 and "整改" in first.json["message"]
    again = send(str(inspector.id))
    assert again.status_code == 200 and again.json["check"]["id"] == first.json["check"]["id"]
    assert again.json["check"]["replayed"] and "已经收到" in again.json["message"]
    someone_elses = send(str(inspector.id + 1000))
    assert someone_elses.status_code == 409 and someone_elses.json["error"]["code"] == "other_user"
    refused = client.post("/assessment/checks", data={"compound": str(compound.id), "result_public_areas": "defects",
                                                      "defects_public_areas": "1"},
                          headers={"Accept": "application/json", "X-CSRFToken": token,
                                   "X-Idempotency-Key": "queue-key-2"})
    assert refused.status_code == 422 and refused.json["error"]["field"] == "defects_public_areas"
    assert db.session.scalar(select(func.count()).select_from(SpotCheck)) == 1
    assert db.session.scalar(select(func.count()).select_from(Rectification)) == 1


def test_the_compounds_to_check_are_listed_for_the_phone_to_keep(client, login_as, db):
    compound, _ = _setup(db)
    checked = CompoundFactory(name="已查小区", management_mode="fallback")
    CompoundFactory(name="物业小区", management_mode="professional")
    inspector = login_as("inspector")
    from propmgmt.assessment.services import CheckIn, Finding, record_spot_check
    record_spot_check(inspector, checked, CheckIn(utcnow()), [Finding("public_areas", 0)], now=utcnow(),
                      upload_dir="/nonexistent")
    db.session.commit()
    html = client.get("/assessment/checks").get_data(as_text=True)
    assert html.index("抽查 育英小区") < html.index("抽查 已查小区")  # not yet checked this month first
    assert "物业小区" not in html and 'class="button offline-link" data-v="1-' in html
    assert 'name="offline-worker" content="/assessment/sw.js"' in html
    worker = client.get("/assessment/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/assessment"
    assert '"/assessment/checks/new"' in worker.get_data(as_text=True)
