"""Survey pages: an official opens a round, a household answers on the public page (once), and the figure
shows on the public page, the overview, the round's and the compound's pages; texts for officials only."""
from datetime import timedelta

from sqlalchemy import select

from propmgmt.clock import local_today
from propmgmt.surveys.models import Answer, Question, Round

from ..factories import CompoundFactory, UserFactory


def _sign_in(client, role="official"):
    user = UserFactory(role=role)
    client.post_form("/login", {"username": user.username, "password": "password123"})
    return user


def _open(client, compound, **overrides):
    today = local_today()
    data = {"title": "冬季满意度调查", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=20)).isoformat(), "scope": "compound",
            "subdistrict_id": "0", "compound_id": str(compound.id)} | overrides
    return client.post_form("/surveys/new", data, page="/surveys/new")


def _answer_form(survey, overall="5", room="2-1-302", **scores):
    data = {"room": room, "text": "保洁阿姨很负责"}
    for q in survey.questions:
        data[f"q{q.id}"] = overall if q.code == "overall" else scores.get(q.code, "4")
    return data


def test_an_official_opens_a_round_and_a_household_answers_it_once(client, db):
    compound = CompoundFactory(name="义东沟村南苑东西区", households=200)
    _sign_in(client)
    response = _open(client, compound)
    survey = db.session.scalars(select(Round)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/surveys/{survey.id}")
    client.post_form("/logout", page="/surveys")

    page = client.get(f"/r/{compound.public_code}")
    assert "冬季满意度调查" in page.get_data(as_text=True) and "device=" in page.headers.get("Set-Cookie", "")
    answered = client.post_form(f"/r/{compound.public_code}/survey", _answer_form(survey),
                                page=f"/r/{compound.public_code}")
    assert answered.status_code == 302
    public = client.get(f"/r/{compound.public_code}").get_data(as_text=True)
    assert 'id="survey-satisfaction">100.0%' in public and "保洁阿姨很负责" not in public

    assert "已参加本次调查" in public  # this phone is thanked, not asked again
    again = client.post_form(f"/r/{compound.public_code}/survey", _answer_form(survey, overall="1", room="9-9-999"),
                             page=f"/r/{compound.public_code}/survey")
    assert again.status_code == 409 and "已" in again.get_data(as_text=True)
    assert [a.room for a in db.session.scalars(select(Answer))] == ["2-1-302"]

    _sign_in(client)
    overview = client.get("/oversight").get_data(as_text=True)
    assert 'id="survey-satisfaction"' in overview and "100.0%" in overview.split('id="survey-satisfaction"')[1][:200]
    detail = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "义东沟村南苑东西区" in detail and "0.5%" in detail and "保洁阿姨很负责" in detail and "2-1-302" in detail
    assert f"/surveys/compound/{compound.id}" in client.get(f"/compounds/{compound.id}").get_data(as_text=True)
    history = client.get(f"/surveys/compound/{compound.id}").get_data(as_text=True)
    assert "冬季满意度调查" in history and "100.0%" in history


def test_a_dispatcher_sees_the_figures_but_not_the_households_words(client, db):
    compound = CompoundFactory()
    _sign_in(client)
    _open(client, compound)
    survey = db.session.scalars(select(Round)).one()
    client.post_form("/logout", page="/surveys")
    client.get(f"/r/{compound.public_code}")
    client.post_form(f"/r/{compound.public_code}/survey", _answer_form(survey), page=f"/r/{compound.public_code}")
    _sign_in(client, "dispatcher")
    detail = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "100.0%" in detail and "保洁阿姨很负责" not in detail and "2-1-302" not in detail
    assert client.get("/surveys/new").status_code == 403


def test_round_dates_in_the_wrong_order_are_shown_beside_the_field(client, db):
    compound = CompoundFactory()
    _sign_in(client)
    today = local_today()
    response = _open(client, compound, starts_on=(today + timedelta(days=5)).isoformat(), ends_on=today.isoformat())
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "结束日期早于开始日期" in html
    assert db.session.scalar(select(Round.id)) is None


def test_a_bad_score_or_no_cookie_is_refused_with_a_message(client, db):
    compound = CompoundFactory()
    _sign_in(client)
    _open(client, compound)
    survey = db.session.scalars(select(Round)).one()
    client.post_form("/logout", page="/surveys")
    url = f"/r/{compound.public_code}/survey"
    token = client.csrf_token(url)  # the page gives the device its cookie...
    client.delete_cookie("pm_device")  # ...which this phone does not keep
    no_cookie = client.post(url, data=_answer_form(survey) | {"csrf_token": token})
    assert no_cookie.status_code == 422 and "Cookie" in no_cookie.get_data(as_text=True)
    bad = client.post_form(url, _answer_form(survey, cleanliness="7"), page=url)
    assert bad.status_code == 422 and "1 到 5" in bad.get_data(as_text=True)
    assert db.session.scalar(select(Answer.id)) is None


def test_officials_keep_the_questions(client, db):
    _sign_in(client)
    response = client.post_form("/surveys/questions", {"text": "绿化养护满意吗？"}, page="/surveys/questions")
    assert response.status_code == 302
    added = db.session.scalar(select(Question).where(Question.text == "绿化养护满意吗？"))
    client.post_form(f"/surveys/questions/{added.id}/active", {"active": "0"}, page="/surveys/questions")
    assert added.active is False
    overall = db.session.scalar(select(Question).where(Question.code == "overall"))
    refused = client.post_form(f"/surveys/questions/{overall.id}/active", {"active": "0"}, page="/surveys/questions",
                               follow_redirects=True)
    assert "总体" in refused.get_data(as_text=True) and overall.active


def test_the_rounds_list_filters_by_state(client, db):
    compound = CompoundFactory()
    _sign_in(client)
    _open(client, compound, title="正在进行的调查")
    assert "正在进行的调查" in client.get("/surveys?state=open").get_data(as_text=True)
    assert "正在进行的调查" not in client.get("/surveys?state=closed").get_data(as_text=True)


def test_the_comments_page_on_their_own_beside_the_compounds(client, db, app, monkeypatch):
    from propmgmt.surveys.services import submit_answer
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    monkeypatch.setitem(app.config, "REPORTS_PER_ADDRESS_PER_HOUR", 50)
    compound = CompoundFactory(name="印刷厂小区")
    _sign_in(client)
    _open(client, compound)
    survey = db.session.scalars(select(Round)).one()
    for i in range(3):
        submit_answer(compound, survey, room=f"1-1-10{i}", scores={q.id: 4 for q in survey.questions},
                      text=f"第{i}条意见", device=f"{i}" * 32, address="10.0.0.9", now=survey.created_at)
    db.session.commit()
    first = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "第2条意见" in first and "第0条意见" not in first and "texts=2" in first
    second = client.get(f"/surveys/{survey.id}?texts=2").get_data(as_text=True)
    assert "第0条意见" in second and "印刷厂小区" in second
