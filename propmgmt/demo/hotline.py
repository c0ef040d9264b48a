"""The 12345 hotline's side of the demo: every ticket with its nature and classification, signed for
once acknowledged, one urged, one extension waiting and one approved, one sent back, the hotline's
follow-up results on the closed ones, and an official's entry in the classification mapping."""
from datetime import datetime, timedelta

from sqlalchemy import select

from ..auth.models import User
from ..complaints import hotline_steps
from ..complaints.mapping import save_mapping
from ..complaints.models import Complaint
from ..complaints.services import HotlineTicket, receive_hotline
from ..extensions import db

VISITS = (("satisfied", True), ("basic", True), ("unsatisfied", True), (None, False))
CLASSIFICATION_AREA = {"sewage_overflow": "城乡建设/排水管网", "blocked_shaft": "城乡建设/排水管网",
                       "garbage_not_collected": "环境卫生/生活垃圾", "cleaning": "环境卫生/楼道保洁",
                       "lighting": "市政设施/路灯照明", "facility_damage": "公共设施", "other": "物业管理/其他"}


def build_hotline(now: datetime) -> dict:
    official = db.session.scalar(select(User).where(User.username == "official"))
    dispatcher = db.session.scalar(select(User).where(User.username == "dispatcher"))
    save_mapping(official, "物业服务收费", "other", now=now - timedelta(days=5))
    cases = db.session.scalars(select(Complaint).where(Complaint.source == "hotline")
                               .order_by(Complaint.received_at)).all()
    counts = {"signed": 0, "visits": 0}
    for number, case in enumerate(cases):
        case.hotline_nature = "complaint" if number % 3 else "help"
        area = CLASSIFICATION_AREA.get(case.category, "物业管理")
        case.hotline_classification = f"{area}/{case.hotline_classification}"[:80]
        case.hotline_channel, case.hotline_lead_unit = ("电话", "12345网站")[number % 2], "城区住建局"
        case.contact_name = ("王女士", "李先生", "张先生", "赵女士")[number % 4]
        case.hotline_title = case.description[:20]
        if case.acknowledged_at:
            hotline_steps.sign(dispatcher, case, now=case.acknowledged_at)
            counts["signed"] += 1
        if case.resolved_at:
            case.handler_name = "李调度"
            case.caller_contacted_at = case.resolved_at + timedelta(minutes=20)
        if case.status == "closed":
            result, reached = VISITS[counts["visits"] % len(VISITS)]
            hotline_steps.record_visit(None, case, result=result, reached=reached,
                                       at=case.closed_at + timedelta(hours=2), now=now)
            counts["visits"] += 1
    waiting = [c for c in cases if c.status in ("acknowledged", "dispatched")]
    if waiting:
        first = waiting[0]
        hotline_steps.request_extension(dispatcher, first, "需协调专业单位开挖维修管道", first.resolve_due_at +
                                        timedelta(days=3), now=now - timedelta(hours=1))
    if len(waiting) > 1:
        second = waiting[1]
        hotline_steps.request_extension(dispatcher, second, "雨天无法施工", second.resolve_due_at + timedelta(days=2),
                                        now=now - timedelta(hours=6))
        hotline_steps.decide_extension(None, second, "approved", now=now - timedelta(hours=4))
    received = [c for c in cases if c.status == "received" and c.compound_id]
    if received:
        hotline_steps.urge(None, received[0], at=now - timedelta(minutes=40), now=now, note="市民再次来电催促")
    # An enquiry about a compound a professional firm serves: sent back to the hotline.
    returned = receive_hotline(dispatcher, HotlineTicket(
        ticket_no="YQ12345-DEMO-RETURN", category_text="物业管理/物业服务收费", nature="consult",
        description="询问小区物业费收费标准（示例）", compound_name="示例小区（专业物业）", contact_name="陈先生",
        received_at=now - timedelta(hours=5)), now=now - timedelta(hours=5)).complaint
    hotline_steps.send_back(dispatcher, returned, "该小区由专业物业公司服务，请转物业公司办理",
                            now=now - timedelta(hours=4))
    db.session.flush()
    return {"hotline_tickets": len(cases) + 1, "hotline_signed": counts["signed"], "hotline_visits": counts["visits"]}
