"""The demo's registry and staff in every state /users, /organisations and /audit show: valid credit codes,
a suspended firm, people who left, a newcomer who has not signed in yet."""
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from ..audit.models import AuditEntry
from ..auth.models import User
from ..extensions import db
from ..orgs.credit_code import check_character
from ..orgs.models import Organisation

CITY_AREA = "140302"  # 阳泉市城区's administrative division code (GB/T 2260)


def demo_credit_code(n: int) -> str:
    """A well-formed code with a right check digit: 9 (registered by industry and commerce), 1
    (enterprise), the area, an organisation code of "MA" and digits (synthetic), the check."""
    first17 = f"91{CITY_AREA}MA{n:07d}"
    return first17 + check_character(first17)


def registry_details(index: int) -> dict:
    return {"credit_code": demo_credit_code(index + 1)}


def people_in_every_state(*, now: datetime, locked_hash: str) -> None:
    """One firm suspended (the last), two people who left (deactivated, their sessions gone), a newcomer
    with a one-time password not yet changed; each with the administrator's audit entry."""
    admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    firms = db.session.scalars(select(Organisation).where(Organisation.kind == "property_firm")
                               .order_by(Organisation.id)).all()
    operator_org = db.session.scalar(select(Organisation.id).where(Organisation.kind == "fallback_operator"))
    # The one who left has a work number above every current operator's (a province has 22,500 of them).
    staff = db.session.scalar(select(func.count(User.id)).where(User.work_no.is_not(None)))
    former_no = f"JC{max(9001, staff + 1):04d}"
    entries = []
    if len(firms) > 1:
        suspended = firms[-1]
        db.session.execute(update(Organisation).where(Organisation.id == suspended.id).values(active=False))
        entries.append({"at": now - timedelta(days=20), "actor_id": admin_id, "entity_type": "organisation",
                        "entity_id": suspended.id, "action": "organisation_suspended", "from_state": "active",
                        "to_state": "suspended", "reason": "物业服务企业资质年检未通过（示例）", "changes": None})
    people = [
        {"username": "former_op", "role": "operator", "display_name": "保洁员 孙师傅（已离职）",
         "organisation_id": operator_org, "work_no": former_no, "phone": "13903530001", "active": False},
        {"username": "former_firm", "role": "firm", "display_name": "示例物业 原项目经理",
         "organisation_id": firms[0].id if firms else None, "phone": "13903530002", "active": False},
        {"username": "new_dispatcher", "role": "dispatcher", "display_name": "洁诚物业调度 周调度",
         "organisation_id": operator_org, "phone": "13903530003", "active": True, "must_change_password": True},
    ]
    for person in people:
        user = User(password_hash=locked_hash, email="", created_at=now - timedelta(days=60), **person)
        db.session.add(user)
        db.session.flush()
        entries.append({"at": now - timedelta(days=60), "actor_id": admin_id, "entity_type": "user",
                        "entity_id": user.id, "action": "user_created", "to_state": "active", "reason": "",
                        "changes": {"username": [None, user.username], "role": [None, user.role]}})
        if not user.active:
            entries.append({"at": now - timedelta(days=10), "actor_id": admin_id, "entity_type": "user",
                            "entity_id": user.id, "action": "user_deactivated", "from_state": "active",
                            "to_state": "inactive", "reason": "离职（示例）", "changes": None})
    columns = ("from_state", "to_state", "compound_id")
    db.session.execute(AuditEntry.__table__.insert(), [{key: None for key in columns} | e for e in entries])
