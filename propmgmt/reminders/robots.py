"""Group robots: which robot a webhook message goes to (the recipient's crew, the subject's subdistrict
office, the default), what each robot's documents ask of a request (WeCom group robot, DingTalk custom
robot: 加签, keyword, mentions, 2,048 bytes), a burst folded into markdown digests, and the limit of 20
messages a minute per robot, counted in the database so every sender process shares it.

Admins set the robots in the app (/notifications/robots); the URL and secret are never shown again in
full, and never logged. Service functions flush, never commit.
"""
import base64
import hashlib
import hmac
import time
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..audit.services import record
from ..auth.models import User
from ..auth.roles import ADMINS
from ..complaints.models import Complaint
from ..compounds.models import Community, Compound, Subdistrict
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..orgs.models import Crew
from ..outbox.models import ROBOT_PLATFORMS, Robot, RobotSend
from ..plans.models import Task
from .channels import MAX_BYTES, cut

PER_MINUTE = 20  # each robot's limit on messages; DingTalk blocks a robot for 10 minutes past it


# --- the request each robot's documents describe ------------------------------------------------------

def signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """DingTalk 加签: sign = urlencode(base64(HMAC-SHA256(key=secret, "timestamp\\nsecret"))), with the
    timestamp in milliseconds (the robot refuses one more than an hour off its clock)."""
    if not secret:
        return url
    timestamp = str(timestamp_ms if timestamp_ms is not None else round(time.time() * 1000))
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


@dataclass
class Item:
    """One outbox row's message for a robot."""
    row_id: int
    title: str
    text: str
    mobile: str = ""


def _mentions(items: list[Item]) -> list[str]:
    return list(dict.fromkeys(i.mobile for i in items if i.mobile))


def _text_body(robot: Robot, same: list[Item]) -> dict:
    """One message (said to one or more members): a text message with its mentions."""
    prefix, item = (f"【{robot.keyword}】" if robot.keyword else ""), same[0]
    mobiles = _mentions(same)
    if robot.platform == "wecom":
        # WeCom shows the mentioned member itself: writing "@name" too would show the name twice.
        return {"msgtype": "text", "text": {"content": cut(f"{prefix}{item.title}\n{item.text}"),
                                            "mentioned_mobile_list": mobiles}}
    at = "".join(f" @{m}" for m in mobiles)  # DingTalk: the mobile in the text and in at.atMobiles
    content = cut(f"{prefix}{item.title}\n{item.text}", MAX_BYTES - len(at.encode())) + at
    return {"msgtype": "text", "text": {"content": content},
            "at": {"atMobiles": mobiles, "isAtAll": False}}


def _digest_body(robot: Robot, heading: str, lines: list[str], mobiles: list[str]) -> dict:
    prefix = f"【{robot.keyword}】" if robot.keyword else ""
    content = f"### {prefix}{heading}\n" + "\n".join(lines)
    if robot.platform == "wecom":
        # WeCom's markdown cannot mention by mobile; the digest names the tasks, the crew reads the group.
        return {"msgtype": "markdown", "markdown": {"content": content}}
    at = "\n\n" + " ".join(f"@{m}" for m in mobiles) if mobiles else ""
    return {"msgtype": "markdown", "markdown": {"title": f"{prefix}{heading}", "text": content + at},
            "at": {"atMobiles": mobiles, "isAtAll": False}}


def _content_bytes(body: dict) -> int:
    part = body.get("text") or body.get("markdown")
    return len((part.get("content") or part.get("text") or "").encode("utf-8"))


def messages_for(robot: Robot, items: list[Item], heading: str) -> list[tuple[dict, list[int]]]:
    """(request body, outbox row ids) per message. Rows that say the same thing (one reminder to several
    members of a crew) are one message or line; one such is a text message, more are folded into markdown
    digests, as many lines as fit in 2,048 bytes each (a line too long for one is cut)."""
    same: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        same.setdefault((item.title, item.text), []).append(item)
    groups = list(same.values())
    if len(groups) == 1:
        return [(_text_body(robot, groups[0]), [i.row_id for i in groups[0]])]
    result, lines, members = [], [], []

    def body_of(lines_, members_, part, whole):
        title = heading if part == 1 and whole else f"{heading} ({part})"
        return _digest_body(robot, title, lines_, _mentions(members_))

    for group in groups:
        first = group[0]
        line = cut(f"- {first.title}" + (f"：{first.text}" if first.text and len(groups) <= 5 else ""), 400)
        trial = body_of(lines + [line], members + group, len(result) + 1, False)
        if lines and _content_bytes(trial) > MAX_BYTES:
            result.append((body_of(lines, members, len(result) + 1, False), [i.row_id for i in members]))
            lines, members = [], []
        lines.append(line)
        members += group
    if lines:
        result.append((body_of(lines, members, len(result) + 1, not result), [i.row_id for i in members]))
    return result


# --- the limit, shared by every sender -----------------------------------------------------------------

def take_slot(robot_id: int, now: datetime, rows: int) -> datetime | None:
    """Counts one message against the robot's 20 a minute, or says when the next one may go (nothing is
    counted then). The robot's row is locked first (an UPDATE: PostgreSQL's row lock, SQLite's write
    lock), so two senders cannot both take the twentieth slot. The caller commits."""
    db.session.execute(update(Robot).where(Robot.id == robot_id).values(updated_at=Robot.updated_at)
                       .execution_options(synchronize_session=False))
    since = now - timedelta(seconds=60)
    sent = db.session.execute(select(func.count(RobotSend.id), func.min(RobotSend.at))
                              .where(RobotSend.robot_id == robot_id, RobotSend.at > since)).one()
    if sent[0] >= PER_MINUTE:
        return sent[1] + timedelta(seconds=60)
    db.session.add(RobotSend(robot_id=robot_id, at=now, notifications=rows))
    db.session.flush()
    return None


def forget_old_sends(now: datetime) -> int:
    """The counter needs the last minute only."""
    return db.session.execute(RobotSend.__table__.delete().where(RobotSend.at < now - timedelta(hours=1))).rowcount


# --- which robot -----------------------------------------------------------------------------------

def robots_for(rows, users: dict) -> dict[int, Robot]:
    """outbox row id -> the robot its webhook message goes to: the recipient's crew's, else the office of
    the subdistrict the subject (a task's or case's compound) lies in, else the default. No robot at all:
    the row is left to PROPMGMT_WEBHOOK_URL."""
    robots = {r.target: r for r in db.session.scalars(select(Robot))}
    if not robots or not rows:
        return {}
    subdistricts = {}
    for subject_type, model in (("task", Task), ("complaint", Complaint)):
        ids = {r.subject_id for r in rows if r.subject_type == subject_type}
        if ids:
            subdistricts |= {(subject_type, sid): sub for sid, sub in db.session.execute(
                select(model.id, Community.subdistrict_id).join(Compound, Compound.id == model.compound_id)
                .join(Community, Community.id == Compound.community_id).where(model.id.in_(ids)))}
    crews = {u.id: u.crew_id for u in db.session.execute(select(User.id, User.crew_id).where(
        User.id.in_({r.recipient_id for r in rows if r.recipient_id})))}
    chosen = {}
    for row in rows:
        crew, sub = crews.get(row.recipient_id), subdistricts.get((row.subject_type, row.subject_id))
        robot = (robots.get(f"crew:{crew}") if crew else None) or (robots.get(f"subdistrict:{sub}") if sub else None) \
            or robots.get("default")
        if robot is not None:
            chosen[row.id] = robot
    return chosen


def any_robot() -> bool:
    return db.session.scalar(select(Robot.id).limit(1)) is not None


# --- admins set them --------------------------------------------------------------------------------

def url_hint(url: str) -> str:
    """What a page shows of a robot URL: its host and the last four characters of its key."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…{url[-4:]}"[:80]


def _require_admin(actor) -> None:
    if actor is None or actor.role not in ADMINS:
        raise Forbidden(_l("Only admins set the group robots."))


def save_robot(actor, *, scope: str, crew_id: int | None, subdistrict_id: int | None, platform: str, url: str,
               secret: str, keyword: str, now: datetime) -> Robot:
    """Sets the robot of a crew, a subdistrict office or the default (replacing one set before). An empty
    secret on a replacement keeps the secret stored."""
    _require_admin(actor)
    if platform not in ROBOT_PLATFORMS:
        raise DomainError(_l("Choose WeCom or DingTalk."), field="platform")
    if scope == "crew":
        if not crew_id or db.session.get(Crew, crew_id) is None:
            raise DomainError(_l("Choose the crew."), field="crew_id")
        target, subdistrict_id = f"crew:{crew_id}", None
    elif scope == "subdistrict":
        if not subdistrict_id or db.session.get(Subdistrict, subdistrict_id) is None:
            raise DomainError(_l("Choose the subdistrict."), field="subdistrict_id")
        target, crew_id = f"subdistrict:{subdistrict_id}", None
    elif scope == "default":
        target, crew_id, subdistrict_id = "default", None, None
    else:
        raise DomainError(_l("Choose whose robot it is."), field="scope")
    url, secret, keyword = (url or "").strip(), (secret or "").strip(), " ".join((keyword or "").split())
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(url) > 1000 or any(c.isspace() for c in url):
        raise DomainError(_l("Paste the robot's webhook address as the group shows it (https://…)."), field="url")
    if len(secret) > 200 or any(c.isspace() for c in secret):
        raise DomainError(_l("The secret is the SEC… text of the robot's security settings, without spaces."),
                          field="secret")
    if len(keyword) > 40:
        raise DomainError(_l("The keyword is at most 40 characters."), field="keyword")
    robot = db.session.scalar(select(Robot).where(Robot.target == target))
    created = robot is None
    if created:
        robot = Robot(target=target, created_at=now, secret="")
        db.session.add(robot)
    robot.scope, robot.crew_id, robot.subdistrict_id, robot.platform = scope, crew_id, subdistrict_id, platform
    robot.url, robot.url_hint, robot.keyword, robot.updated_at = url, url_hint(url), keyword, now
    if secret or created:
        robot.secret = secret
    if platform == "wecom":
        robot.secret, robot.keyword = "", ""  # WeCom robots have neither
    db.session.flush()
    record(actor, "robot", robot.id, "robot_saved", now=now, changes={"target": [None, target],
                                                                   "platform": [None, platform]})
    return robot


def delete_robot(actor, robot_id: int, *, now: datetime) -> None:
    _require_admin(actor)
    robot = db.session.get(Robot, robot_id)
    if robot is None:
        raise NotFound(_l("This robot is no longer set."))
    record(actor, "robot", robot.id, "robot_removed", now=now, changes={"target": [robot.target, None]})
    db.session.delete(robot)
    db.session.flush()


def robot_list() -> list[tuple[Robot, str]]:
    """(robot, whose) for the admins' page: the default first, then offices and crews by name."""
    crews = dict(db.session.execute(select(Crew.id, Crew.name)).all())
    subdistricts = dict(db.session.execute(select(Subdistrict.id, Subdistrict.name)).all())
    rows = []
    for robot in db.session.scalars(select(Robot).order_by(Robot.scope, Robot.id)):
        whose = (crews.get(robot.crew_id, "") if robot.scope == "crew" else
                 subdistricts.get(robot.subdistrict_id, "") if robot.scope == "subdistrict" else "")
        rows.append((robot, whose))
    order = {"default": 0, "subdistrict": 1, "crew": 2}
    return sorted(rows, key=lambda r: (order[r[0].scope], r[1]))
