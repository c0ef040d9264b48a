"""The demo's group robots: a default WeCom robot, a DingTalk robot (加签 and a keyword) for the first
crew and one for the first subdistrict office. Their addresses point at a closed local port: nobody in
the demo opts in to group messages, and one who does sees them fail and park, never leave the machine."""
from datetime import datetime

from sqlalchemy import select

from ..auth.models import User
from ..compounds.models import Subdistrict
from ..extensions import db
from ..orgs.models import Crew
from ..reminders.robots import save_robot

NOWHERE = "http://127.0.0.1:9"


def build_robots(now: datetime) -> dict:
    real_admin = db.session.scalar(select(User).where(User.username == "admin"))
    first_crew = db.session.scalar(select(Crew).order_by(Crew.id).limit(1))
    first_office = db.session.scalar(select(Subdistrict).order_by(Subdistrict.id).limit(1))
    save_robot(real_admin, scope="default", crew_id=None, subdistrict_id=None, platform="wecom",
               url=f"{NOWHERE}/cgi-bin/webhook/send?key=demo-default-0000", secret="", keyword="", now=now)
    made = 1
    if first_crew is not None:
        save_robot(real_admin, scope="crew", crew_id=first_crew.id, subdistrict_id=None, platform="dingtalk",
                   url=f"{NOWHERE}/robot/send?access_token=demo-crew-1111", secret="SECdemo0000000000000000",
                   keyword="兜底物业", now=now)
        made += 1
    if first_office is not None:
        save_robot(real_admin, scope="subdistrict", crew_id=None, subdistrict_id=first_office.id, platform="wecom",
                   url=f"{NOWHERE}/cgi-bin/webhook/send?key=demo-office-2222", secret="", keyword="", now=now)
        made += 1
    return {"robots": made}
