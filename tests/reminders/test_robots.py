"""Group robots against a local receiver that checks each robot's documented request and refuses past
20 messages a minute, as the real robots do: DingTalk's 加签 verified with the secret, its keyword and
@mobile; WeCom's msgtype, mentioned_mobile_list without "@name", the 2,048-byte limit; bursts as digests."""
import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from propmgmt.extensions import db as _db
from propmgmt.outbox.models import Notification, RobotSend
from propmgmt.outbox.services import notify_users
from propmgmt.reminders.channels import cut
from propmgmt.reminders.robots import save_robot, signed_url
from propmgmt.reminders.sender import send_due_notifications

from ..factories import CrewFactory, UserFactory

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
SECRET = "SEC0123456789abcdef"
KEYWORD = "兜底物业"


class Robots:
    """What the receiver accepted per robot path, and what it refused (with the robot's error code)."""

    def __init__(self):
        self.accepted, self.refused, self.lock = {}, [], threading.Lock()
        self.times = {}
        self.clock = time.monotonic  # a test on the sender's simulated clock sets its own


def _check_dingtalk(query: dict, body: dict) -> str:
    timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
    if not timestamp or abs(int(timestamp) - time.time() * 1000) > 3600 * 1000:
        return "310000 timestamp"
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    if sign != expected:  # parse_qs has already undone the URL encoding
        return "310000 sign not match"
    part = body.get(body.get("msgtype"), {})
    content = part.get("content") or part.get("text") or ""
    if KEYWORD not in content + part.get("title", ""):
        return "310000 keywords not in content"
    for mobile in body.get("at", {}).get("atMobiles", []):
        if f"@{mobile}" not in content:
            return "mention not in text"
    return ""


def _check_wecom(body: dict) -> str:
    kind = body.get("msgtype")
    if kind not in ("text", "markdown"):
        return "40008 invalid message type"
    content = body[kind]["content"]
    if len(content.encode()) > 2048:
        return "40058 content exceed max length"
    if kind == "text" and not isinstance(body["text"].get("mentioned_mobile_list", []), list):
        return "mentioned_mobile_list"
    if "@" in content:
        return "the name written into the text as well"
    return ""


@pytest.fixture
def robots(app):
    hub = Robots()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            parts = urllib.parse.urlsplit(self.path)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
            path = parts.path
            error = _check_dingtalk(urllib.parse.parse_qs(parts.query), body) if "dingtalk" in path \
                else _check_wecom(body)
            with hub.lock:
                now = hub.clock()
                recent = [t for t in hub.times.get(path, []) if t > now - 60]
                if not error and len(recent) >= 20:
                    error = "130101 send too fast" if "dingtalk" in path else "45009 api freq out of limit"
                if error:
                    hub.refused.append((path, error))
                else:
                    hub.times[path] = recent + [now]
                    hub.accepted.setdefault(path, []).append(body)
            code = int(error.split()[0]) if error and error.split()[0].isdigit() else (1 if error else 0)
            answer = json.dumps({"errcode": code, "errmsg": error or "ok"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hub.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def admin(db):
    return UserFactory(role="admin")


def _operator(crew, phone):
    return UserFactory(role="operator", crew_id=crew.id, phone=phone, notify_webhook=True, display_name="赵师傅")


def _remind(users, subject_ids, kind="overdue"):
    for subject_id in subject_ids:
        notify_users(users, kind=kind, subject_type="task", subject_id=subject_id, channel="webhook",
                     payload={"compound": f"示例小区{subject_id}号院", "service": "保洁",
                              "window_start": "2026-11-25T01:30:00+00:00", "window_end": "2026-11-25T03:00:00+00:00"},
                     due_at=NOW, now=NOW)
    _db.session.commit()


def test_dingtalk_signs_keys_and_mentions_as_documented(db, robots, admin):
    crew = CrewFactory()
    save_robot(admin, scope="crew", crew_id=crew.id, subdistrict_id=None, platform="dingtalk",
               url=f"{robots.base}/dingtalk/robot/send?access_token=t1", secret=SECRET, keyword=KEYWORD, now=NOW)
    _remind([_operator(crew, "13800000001")], [1])
    assert send_due_notifications(NOW)["sent"] == 1
    [body] = robots.accepted["/dingtalk/robot/send"]
    assert robots.refused == []
    assert body["msgtype"] == "text" and body["at"]["atMobiles"] == ["13800000001"]
    assert body["text"]["content"].startswith(f"【{KEYWORD}】") and "@13800000001" in body["text"]["content"]


def test_wecom_mentions_by_list_only_and_the_default_robot_catches_the_rest(db, robots, admin):
    save_robot(admin, scope="default", crew_id=None, subdistrict_id=None, platform="wecom",
               url=f"{robots.base}/wecom/cgi-bin/webhook/send?key=k1", secret="", keyword="", now=NOW)
    _remind([_operator(CrewFactory(), "13800000002")], [2])
    assert send_due_notifications(NOW)["sent"] == 1
    [body] = robots.accepted["/wecom/cgi-bin/webhook/send"]
    assert body["text"]["mentioned_mobile_list"] == ["13800000002"] and "@" not in body["text"]["content"]


def test_a_burst_of_sixty_arrives_as_at_most_three_digests_and_none_is_lost(db, robots, admin):
    crew = CrewFactory()
    save_robot(admin, scope="crew", crew_id=crew.id, subdistrict_id=None, platform="dingtalk",
               url=f"{robots.base}/dingtalk/robot/send?access_token=t2", secret=SECRET, keyword=KEYWORD, now=NOW)
    _remind([_operator(crew, "13800000003")], range(100, 160))
    assert send_due_notifications(NOW)["sent"] == 60
    bodies = robots.accepted["/dingtalk/robot/send"]
    assert 1 <= len(bodies) <= 3 and robots.refused == []
    text = "".join(b["markdown"]["text"] for b in bodies)
    assert all(f"示例小区{n}号院" in text for n in range(100, 160))
    assert all(len(b["markdown"]["text"].encode()) <= 2048 for b in bodies)


def test_past_twenty_a_minute_the_outbox_waits_instead_of_being_refused(db, robots, admin):
    crews = [CrewFactory() for _ in range(25)]
    save_robot(admin, scope="default", crew_id=None, subdistrict_id=None, platform="wecom",
               url=f"{robots.base}/wecom/send?key=k3", secret="", keyword="", now=NOW)
    for n, crew in enumerate(crews):  # one row per recipient and send: 25 messages for one robot
        _remind([_operator(crew, f"1390000{n:04d}")], [500 + n])
    # Each run's rows for one robot fold into digests; rows that arrive over several runs do not.
    for n in range(25):
        _db.session.execute(Notification.__table__.update().where(Notification.subject_id == 500 + n)
                            .values(next_attempt_at=NOW + timedelta(seconds=n)))
    _db.session.commit()
    seconds = [0]
    robots.clock = lambda: seconds[0]  # the receiver's minute is the sender's
    for n in range(25):
        seconds[0] = n
        send_due_notifications(NOW + timedelta(seconds=n))
    assert len(robots.accepted["/wecom/send"]) == 20 and robots.refused == []
    waiting = db.session.scalars(select(Notification).where(Notification.status == "pending")).all()
    assert len(waiting) == 5 and all(r.attempts == 0 for r in waiting)
    assert db.session.scalar(select(func.count(RobotSend.id))) == 20
    seconds[0] = 61
    send_due_notifications(NOW + timedelta(seconds=61))  # the first slots are free again: the rest, folded
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.status == "sent")) == 25


def test_content_is_cut_on_a_character_boundary_and_the_signature_is_the_documented_one():
    text = "污水" * 2000
    assert len(cut(text).encode()) <= 2048 and cut(text).endswith("…") and cut("短") == "短"
    url = signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", "SECabc", 1700000000000)
    sign = base64.b64encode(hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()).decode()
    assert url.endswith(f"&timestamp=1700000000000&sign={urllib.parse.quote_plus(sign)}")


def test_admins_set_a_robot_and_never_see_its_address_or_secret_again(client, db, login_as):
    crew = CrewFactory()
    login_as("admin")
    token = client.csrf_token("/notifications/robots")
    url = "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789wxyz"
    response = client.post("/notifications/robots", data={
        "csrf_token": token, "scope": "crew", "crew_id": crew.id, "subdistrict_id": "", "platform": "dingtalk",
        "url": url, "secret": "SECverysecretvalue", "keyword": KEYWORD}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and crew.name in html and "…wxyz" in html
    assert "abcdef0123456789" not in html and "SECverysecretvalue" not in html
    # Bad input: the message next to the field, the choices kept, no 500.
    bad = client.post("/notifications/robots", data={"csrf_token": token, "scope": "crew", "crew_id": "",
                                                      "platform": "wecom", "url": "not a url"})
    assert bad.status_code == 400 and "has-error" in bad.get_data(as_text=True)


def test_one_reminder_to_three_members_of_a_crew_is_one_message_mentioning_all(db, robots, admin):
    crew = CrewFactory()
    save_robot(admin, scope="crew", crew_id=crew.id, subdistrict_id=None, platform="dingtalk",
               url=f"{robots.base}/dingtalk/one", secret=SECRET, keyword=KEYWORD, now=NOW)
    _remind([_operator(crew, f"1370000000{n}") for n in range(3)], [7])
    assert send_due_notifications(NOW)["sent"] == 3
    [body] = robots.accepted["/dingtalk/one"]
    assert body["msgtype"] == "text" and sorted(body["at"]["atMobiles"]) == [f"1370000000{n}" for n in range(3)]


def test_a_robot_that_cannot_be_reached_fails_without_its_address_or_secret_in_the_error(db, admin, caplog):
    from ..reminders.conftest import free_port
    crew = CrewFactory()
    save_robot(admin, scope="crew", crew_id=crew.id, subdistrict_id=None, platform="dingtalk",
               url=f"http://127.0.0.1:{free_port()}/robot/send?access_token=tok-secret-123", secret=SECRET,
               keyword=KEYWORD, now=NOW)
    _remind([_operator(crew, "13800000009")], [9])
    assert send_due_notifications(NOW)["failed"] == 1
    [row] = db.session.scalars(select(Notification).where(Notification.channel == "webhook")).all()
    for secret in ("tok-secret-123", SECRET):
        assert secret not in row.last_error and secret not in caplog.text
