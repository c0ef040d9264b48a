"""The demo's life beyond the register: handovers in every stage, residents' cases in every state,
photos on recent work and the demo accounts' notifications.

Made through the domains' own services, each called at the past moment it happened (services take
`now`), so audit entries, modes, assignments, plans and tasks agree as if people had done it.
Deterministic: a fixed random seed and the register's order. Counts stay small (tens of cases, ten
handovers a district) so seeding stays fast; the city repeats the script over more compounds.
"""
import random
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from ..auth.models import User
from ..clock import to_local
from ..complaints.services import (
    HotlineTicket,
    acknowledge,
    close,
    dispatch,
    rate,
    receive_hotline_ticket,
    reopen,
    report_from_field,
    resolve,
    submit_report,
)
from ..compounds.models import Compound
from ..extensions import db
from ..field.workbench import WorkbenchFilter, awaiting_rows
from ..handovers.rules import Vote
from ..handovers.services import (
    abort_handover,
    advance,
    complete_handover,
    mark_fixed,
    record_inspection,
    record_owners_decision,
    select_firm,
    sign_inspection,
    start_handover,
    update_readiness,
)
from ..orgs.models import Organisation
from ..outbox.models import Notification
from ..photos import store_photo
from ..plans.models import Task, TaskPhoto
from ..plans.outcomes import DONE_WORK
from ..plans.transitions import Completion, complete_task, reject_task, start_task, verify_task
from ..reminders.sweeps import enqueue_complaint_reminders

SEED = 20260102
ROUNDS = {"district": 1, "city": 2}
FALLBACK_FIXER = "阳泉市洁诚物业公司"  # how often the scripts below run, each time on other compounds


class Cast:
    """The demo accounts the story is told with, and the operators of each crew."""

    def __init__(self):
        users = {u.username: u for u in db.session.scalars(select(User).where(
            User.username.in_(("official", "dispatcher", "operator", "firm"))))}
        self.official, self.dispatcher = users["official"], users["dispatcher"]
        self.operator, self.firm_user = users["operator"], users["firm"]
        self.firms = db.session.scalars(select(Organisation).where(Organisation.kind == "property_firm",
                                                                   Organisation.active)
                                        .order_by(Organisation.id)).all()

    def signer_of(self, firm: Organisation) -> User:
        """A user of the incoming firm to sign the inspection: the demo account, or its manager (locked)."""
        if firm.id == self.firm_user.organisation_id:
            return self.firm_user
        user = db.session.scalar(select(User).where(User.organisation_id == firm.id, User.role == "firm"))
        if user is None:
            # The synthetic staff's shared hash of a random secret (seed._people): nobody can sign in.
            locked = db.session.scalar(select(User.password_hash).where(User.username.like("op%")).limit(1))
            user = User(username=f"firm{firm.id:03d}", role="firm", display_name=f"{firm.name} 项目经理",
                        organisation_id=firm.id, active=True, phone="", email="",
                        password_hash=locked or generate_password_hash(secrets.token_urlsafe(24)))
            db.session.add(user)
            db.session.flush()
        return user


# --- photos -----------------------------------------------------------------------------------------

_PHOTOS: dict[int, Image.Image] = {}


def demo_photo(rng: random.Random) -> Image.Image:
    """One of eight small made-up "site photos" (drawn once per process: seeding stays fast)."""
    variant = rng.randrange(8)
    if variant not in _PHOTOS:
        _PHOTOS[variant] = _draw_photo(random.Random(variant))
    return _PHOTOS[variant]


def _draw_photo(rng: random.Random) -> Image.Image:
    """Sky, a block of flats, pavement and a bin, in varying colours."""
    image = Image.new("RGB", (480, 360), (rng.randint(150, 200), rng.randint(180, 215), rng.randint(215, 245)))
    draw = ImageDraw.Draw(image)
    ground = rng.randint(220, 270)
    draw.rectangle((0, ground, 480, 360), fill=(rng.randint(120, 160),) * 3)
    left = rng.randint(20, 200)
    draw.rectangle((left, 60, left + 220, ground), fill=(rng.randint(170, 210), rng.randint(140, 170), 120))
    for row in range(80, ground - 30, 38):
        for col in range(left + 15, left + 200, 45):
            draw.rectangle((col, row, col + 25, row + 20), fill=(90, 110, 140))
    bin_x = rng.randint(300, 420)
    draw.rectangle((bin_x, ground + 20, bin_x + 40, ground + 75), fill=(30, 120, 60))
    return image


# --- handovers ----------------------------------------------------------------------------------------

# (final stage, days since it started); each runs the stages before it at spaced past moments.
HANDOVER_SCRIPT = [
    ("assessing", 6), ("assessing", 48), ("owners_decision", 20), ("voted", 34), ("firm_selection", 52),
    ("joint_inspection", 70), ("transition", 95), ("completed", 120), ("completed", 170), ("aborted", 60),
]
FEE = "多层住宅 0.60 元/㎡·月（示例）"


def build_handovers(now: datetime, *, upload_dir: str, scale: str = "district") -> dict:
    """Handovers of compounds long enough under fallback service; completed ones make their compound
    professional with its firm (complete_handover ends the assignment and its plans)."""
    rng, cast = random.Random(SEED), Cast()
    candidates = db.session.scalars(select(Compound).where(
        Compound.management_mode == "fallback", Compound.mode_since < now - timedelta(days=240),
        Compound.name.like("示例%")).order_by(Compound.id)).all()
    rng.shuffle(candidates)
    made = 0
    for round_no in range(ROUNDS.get(scale, 1)):
        for (stage, days), compound in zip(HANDOVER_SCRIPT, candidates[round_no * len(HANDOVER_SCRIPT):]):
            firm = cast.firms[(made + round_no) % len(cast.firms)] if stage != "joint_inspection" else \
                next(f for f in cast.firms if f.id == cast.firm_user.organisation_id)
            _run_handover(cast, rng, compound, firm, stage, now - timedelta(days=days, hours=rng.randint(0, 6)),
                          now, upload_dir)
            made += 1
    # A few more compounds whose owners' facts are known (the readiness page), without a handover yet.
    for compound in candidates[made:made + 6]:
        update_readiness(cast.official, compound, owners_committee=rng.random() < 0.5,
                         fee_willingness=Decimal(rng.randint(35, 80)), evidence="入户调查问卷（示例）",
                         now=now - timedelta(days=rng.randint(5, 90)))
    return {"handovers": made}


def _run_handover(cast: Cast, rng, compound: Compound, firm: Organisation, final: str, started: datetime,
                  now: datetime, upload_dir: str) -> None:
    official = cast.official
    step = (now - started) / 9  # the stages' moments, spread evenly up to a little before now
    at = [started + step * i for i in range(9)]

    def due(i: int, days: int = 30) -> date:
        return to_local(at[i]).date() + timedelta(days=days)

    update_readiness(official, compound, owners_committee=True, fee_willingness=Decimal(rng.randint(66, 90)),
                     evidence="业主委员会备案、缴费意愿调查（示例）", now=started - timedelta(days=3))
    handover = start_handover(official, compound, owner_id=official.id, due_on=due(0), now=at[0])
    if final == "assessing":
        return
    advance(official, handover, to_stage="owners_decision", owner_id=official.id, due_on=due(1, 45), now=at[1])
    if final == "owners_decision":
        return
    owners, area = compound.households, Decimal(compound.floor_area)
    share = Decimal("0.55") if final == "aborted" else Decimal(rng.randint(72, 88)) / 100
    taking_part = int(owners * share)
    vote = Vote(owners, area, taking_part, (area * share).quantize(Decimal("0.01")), int(taking_part * 0.7),
                (area * share * Decimal("0.7")).quantize(Decimal("0.01")))
    record_owners_decision(official, handover, vote, decided_on=to_local(at[2]).date(),
                           note="业主大会书面表决，社区居委会见证（示例）", now=at[2])
    if final == "aborted":
        abort_handover(official, handover, "业主参与表决未达到专有部分面积和人数三分之二（民法典第二百七十八条），"
                       "暂缓移交，继续托底服务", now=at[3])
        return
    if final == "voted":
        return
    advance(official, handover, to_stage="firm_selection", owner_id=cast.dispatcher.id, due_on=due(3), now=at[3])
    select_firm(official, handover, firm_id=firm.id, contract_start=due(4, 60), contract_end=due(4, 60 + 3 * 365),
                fee_standard=FEE, now=at[4])
    if final == "firm_selection":
        return
    advance(official, handover, to_stage="joint_inspection", owner_id=official.id, due_on=due(5, 21), now=at[5])
    for facility in ("roads", "lighting", "cameras", "fire_equipment", "greenery"):
        record_inspection(official, handover, facility=facility, result="ok", defect="", blocking=False, fixer="",
                          fix_by=None, now=at[5])
    drains = record_inspection(official, handover, facility="drains", result="defect",
                               defect="3号楼北侧雨污管网混接，雨天返水", blocking=True, fixer=FALLBACK_FIXER,
                               fix_by=due(5, 14), now=at[5], photo=demo_photo(rng), upload_dir=upload_dir)
    record_inspection(official, handover, facility="access_control", result="defect",
                      defect="北门门禁读卡器失灵", blocking=False, fixer="接管物业（示例）", fix_by=due(5, 30),
                      now=at[5])
    if final == "joint_inspection":  # the blocking defect fixed: the firm is told it may sign, and has not yet
        mark_fixed(official, drains, now=at[6])
        return
    mark_fixed(official, drains, now=at[6])
    sign_inspection(cast.signer_of(firm), handover, now=at[6])
    sign_inspection(official, handover, now=at[6])
    end = to_local(now).date() + timedelta(days=9) if final == "transition" else to_local(at[8]).date()
    advance(official, handover, to_stage="transition", owner_id=official.id, due_on=None, now=at[7],
            transition_end=max(end, to_local(at[7]).date()))
    if final == "completed":
        complete_handover(official, handover, now=at[8])



# --- residents' cases ---------------------------------------------------------------------------------

# (compound or None for any compound under fallback, source, category, text, hours ago, path). Paths:
# received, acknowledged, dispatched, started, resolved (by the dispatcher), fixed (the operator's task
# resolves it), fixed_verified, closed_<1-5> (rated by the resident), closed (by the dispatcher), reopened.
CASE_SCRIPT = [
    ("新华西街二区", "hotline", "sewage_overflow",
     "新华西街二区5号楼东侧污水井冒水，污水外溢到小区主路，气味很大，老人孩子出行不便，请尽快处理。", 2.5, "received"),
    ("印刷厂小区", "resident", "blocked_shaft",
     "印刷厂小区2号楼3单元井道堵塞，一楼卫生间往上返水，已经两天了。", 20, "acknowledged"),
    ("育英小区", "field", "garbage_not_collected",
     "北门垃圾桶站满溢，清运车今天没有来，已临时归拢，需安排清运。", 5, "dispatched"),
    ("育英小区", "resident", "cleaning", "7号楼楼道里堆放杂物和烟头，好几天没有人清扫了。", 30, "closed_5"),
    ("新华西街二区", "resident", "sewage_overflow", "化粪池满溢，污水流到3号楼前空地上。", 26, "reopened"),
    ("大阳泉村安置住房", "hotline", "garbage_not_collected",
     "垃圾分类桶站没人值守，混投严重，周边有异味。", 1.2, "received"),
    (None, "resident", "lighting", "小区西侧路灯坏了一个多星期，晚上回家很黑，存在安全隐患。", 0.5, "received"),
    (None, "hotline", "blocked_shaft", "下水道堵塞，雨后院内大面积积水，车辆无法通行。", 30, "dispatched"),
    (None, "field", "facility_damage", "3号楼前井盖松动破损，已放置临时警示标志，需尽快更换。", 50, "acknowledged"),
    (None, "resident", "cleaning", "绿化带里塑料袋、饮料瓶很多，很久没有人捡了。", 9, "started"),
    (None, "resident", "garbage_not_collected", "东门垃圾桶两天没清运，周边堆满垃圾袋。", 14, "fixed"),
    (None, "hotline", "cleaning", "单元门口有大量落叶和积水，老人进出容易滑倒。", 40, "fixed_verified"),
    (None, "field", "blocked_shaft", "4号楼化粪池井道堵塞，已初步疏通，需专业清掏。", 60, "resolved"),
    (None, "hotline", "other", "小区内有人私搭乱建，占用消防通道，物业不管。", 28, "resolved"),
    (None, "resident", "garbage_not_collected", "垃圾清运不及时，夏天味道很大。", 200, "closed_4"),
    (None, "hotline", "sewage_overflow", "下水管道破裂，污水外溢到人行道。", 330, "closed_3"),
    (None, "resident", "blocked_shaft", "楼道排水井堵塞，上次疏通后又堵了。", 420, "closed_2"),
    (None, "hotline", "cleaning", "小区卫生一直没人打扫，打了好几次电话。", 520, "closed_1"),
    (None, "field", "lighting", "2号楼与3号楼之间的路灯不亮，已报修。", 260, "closed"),
    (None, "resident", "cleaning", "楼前小广场每天都有人清扫，很干净，点个赞。", 150, "closed_5"),
    (None, "hotline", "garbage_not_collected", "大件垃圾堆在楼下一周了，没人清运。", 600, "closed_4"),
    (None, "resident", "other", "小区健身器材损坏，希望维修。", 700, "closed"),
]
RATING_COMMENTS = {5: "处理很及时，师傅很负责，谢谢！", 4: "问题解决了，就是等的时间有点长。",
                   3: "基本解决，希望以后能定期清理。", 2: "只是临时处理，过两天又出现了。",
                   1: "打了好几次电话才来人，很不满意。"}
FIXES = {"sewage_overflow": "已抽排污水，冲洗消毒路面", "blocked_shaft": "已疏通井道，清掏淤积物",
         "garbage_not_collected": "已联系清运车清运完毕，桶站已清洗", "cleaning": "已安排保洁员清扫完毕",
         "lighting": "已更换灯泡，照明恢复", "facility_damage": "已更换井盖", "other": "已联系社区和街道协调处理"}


def build_cases(now: datetime, *, upload_dir: str, scale: str = "district") -> dict:
    """Cases from residents, the 12345 hotline and the field in every state, some past their deadlines."""
    rng, cast = random.Random(SEED + 1), Cast()
    named = {c.name: c for c in db.session.scalars(select(Compound).where(~Compound.name.like("示例%")))}
    served = db.session.scalars(select(Compound).where(Compound.management_mode == "fallback")
                                .order_by(Compound.id)).all()
    made = 0
    for round_no in range(ROUNDS.get(scale, 1)):
        for name, source, category, text, hours, path in CASE_SCRIPT:
            compound = named.get(name) if (name and round_no == 0) else rng.choice(served)
            received = now - timedelta(hours=hours * (1 + round_no * 0.3), minutes=rng.randint(0, 50))
            _run_case(cast, rng, compound, source, category, text, received, path, now, upload_dir, made)
            made += 1
    # A hotline ticket whose compound the register does not know: matched by hand.
    _ticket(cast, "新华西街附近小区（来电人未说明具体小区）", "垃圾清运", "路边垃圾堆积三天无人清运，请相关部门处理。",
            now - timedelta(hours=3), made)
    return {"cases": made + 1}


def _ticket(cast: Cast, compound_name: str, category_text: str, text: str, at: datetime, number: int):
    ticket = HotlineTicket(ticket_no=f"YQ{to_local(at):%Y%m%d}{number + 101:04d}", category_text=category_text,
                           description=text, compound_name=compound_name, subdistrict="南山路街道",
                           contact_phone=f"1380353{number:04d}", received_at=at)
    return receive_hotline_ticket(cast.dispatcher, ticket, now=at)[0]


HOTLINE_WORDS = {"sewage_overflow": "污水外溢", "blocked_shaft": "井道堵塞", "garbage_not_collected": "垃圾清运",
                 "cleaning": "保洁", "lighting": "照明", "facility_damage": "设施损坏", "other": "其他"}


def _run_case(cast: Cast, rng, compound: Compound, source: str, category: str, text: str, at: datetime, path: str,
              now: datetime, upload_dir: str, number: int) -> None:
    dispatcher = cast.dispatcher
    if source == "hotline":
        case = _ticket(cast, compound.name, HOTLINE_WORDS[category], text, at, number)
    elif source == "field":
        case = report_from_field(_operator_of(cast, compound), compound.id, category, text, [], now=at,
                                 upload_dir=upload_dir)
    else:
        case = submit_report(compound, category=category, description=text, contact_phone=f"1390353{number:04d}",
                             photos=[demo_photo(rng)] if number % 3 == 0 else [], address=f"demo-{number}",
                             now=at, upload_dir=upload_dir)
    if path == "received":
        return
    # The moments that follow: within the deadlines, except the cases rated 1 or 2 (the slow ones).
    late = path in ("closed_1", "closed_2")
    span = now - at
    acknowledged = at + (span * 0.1 if late else min(span * 0.1, (case.acknowledge_due_at - at) * 0.6))
    acknowledge(dispatcher, case, now=acknowledged)
    if path == "acknowledged":
        return
    fixed = at + (span * 0.5 if late else min(span * 0.5, (case.resolve_due_at - at) * 0.7))
    if path in ("dispatched", "started", "fixed", "fixed_verified", "reopened") or path.startswith("closed_"):
        task = dispatch(dispatcher, case, now=acknowledged + (fixed - acknowledged) * 0.2,
                        assignee_id=None if _has_crew(compound) else cast.operator.id)
        if path == "dispatched":
            return
        worker = _operator_of(cast, compound, task)
        start_task(worker, task, now=acknowledged + (fixed - acknowledged) * 0.5)
        if path == "started":
            return
        photos = [demo_photo(rng)]  # a case's work needs its photo (the resident sees it)
        complete_task(worker, task, Completion(note=f"{FIXES[category]}（示例）", photos=photos), now=fixed,
                      upload_dir=upload_dir)
        if path != "fixed":
            verify_task(dispatcher, task, now=fixed + (now - fixed) * 0.2)
    else:
        resolve(dispatcher, case, now=fixed, note=f"{FIXES[category]}（示例）")
    after = fixed + (now - fixed) * 0.6
    if path == "reopened":
        reopen(case, "污水又冒出来了，问题没有彻底解决。", now=after)
    elif path == "closed":
        close(dispatcher, case, now=after)
    elif path.startswith("closed_"):
        stars = int(path.removeprefix("closed_"))
        rate(case, stars, RATING_COMMENTS[stars], now=after)


def _has_crew(compound: Compound) -> bool:
    return compound.management_mode == "fallback"


def _operator_of(cast: Cast, compound: Compound, task: Task | None = None) -> User:
    """Who goes: the task's operator, else an operator of the crew serving the compound, else 赵师傅."""
    if task is not None and task.assignee_id:
        return db.session.get(User, task.assignee_id)
    crew = task.crew_id if task is not None else db.session.scalar(
        select(Task.crew_id).where(Task.compound_id == compound.id, Task.crew_id.is_not(None)).limit(1))
    user = db.session.scalar(select(User).where(User.crew_id == crew, User.role == "operator")
                             .order_by(User.id).limit(1)) if crew else None
    return user or cast.operator


# --- recent work: photos, send-backs ------------------------------------------------------------------

PHOTO_COMPOUNDS = ("育英小区", "新华西街二区", "大阳泉村安置住房")


def build_recent_work(now: datetime, *, upload_dir: str) -> dict:
    """A photo on the work waiting for verification and on the last two days of three compounds'
    (what the verify page and the public pages show), and two of 赵师傅's jobs sent back."""
    rng, cast = random.Random(SEED + 2), Cast()
    queue = db.session.scalars(awaiting_rows(WorkbenchFilter()).limit(12)).unique().all()  # the workbench's top
    public = db.session.scalars(select(Task).join(Compound, Compound.id == Task.compound_id).where(
        Compound.name.in_(PHOTO_COMPOUNDS), Task.status.in_(DONE_WORK), Task.window_end > now - timedelta(days=2),
        Task.window_end <= now).order_by(Task.window_end.desc()).limit(18)).all()
    photos = 0
    for task in {t.id: t for t in [*queue, *public]}.values():
        if db.session.scalar(select(TaskPhoto.id).where(TaskPhoto.task_id == task.id).limit(1)):
            continue
        stored = store_photo(demo_photo(rng), upload_dir, task.id)
        db.session.add(TaskPhoto(task_id=task.id, path=stored.path, thumb_path=stored.thumb_path,
                                 created_at=task.completed_at or now))
        photos += 1
    # His last two jobs were still waiting for the dispatcher (as the history's last days' done work does).
    mine = db.session.scalars(select(Task).where(Task.assignee_id == cast.operator.id, Task.status.in_(DONE_WORK),
                                                 Task.window_end <= now - timedelta(hours=3))
                              .order_by(Task.window_end.desc()).limit(2)).all()
    if mine:
        db.session.execute(update(Task).where(Task.id.in_([t.id for t in mine]))
                           .values(status="done", verified_by_id=None, verified_at=None))
    for task, reason in zip(mine, ("楼道转角处仍有垃圾，请补扫并补拍照片", "桶站周边地面未冲洗")):
        db.session.refresh(task)
        reject_task(cast.dispatcher, task, reason, now=task.window_end + timedelta(hours=3))
    db.session.flush()
    return {"photos": photos, "sent_back": len(mine)}


# --- notifications ------------------------------------------------------------------------------------

def build_notifications(now: datetime) -> dict:
    """The reminders the scheduler would have sent by now (cases past or near their deadlines), and the
    in-app rows already due delivered as its sender delivers them; the older ones read."""
    enqueue_complaint_reminders(now=now)
    sent = db.session.execute(update(Notification).where(
        Notification.channel == "in_app", Notification.status == "pending", Notification.next_attempt_at <= now)
        .values(status="sent", sent_at=Notification.next_attempt_at).execution_options(synchronize_session=False)
    ).rowcount
    older = db.session.execute(select(Notification.id, Notification.sent_at).where(
        Notification.channel == "in_app", Notification.status == "sent", Notification.read_at.is_(None),
        Notification.sent_at < now - timedelta(hours=20), Notification.id % 3 != 0)).all()
    if older:
        db.session.execute(update(Notification), [{"id": row_id, "read_at": sent_at + timedelta(hours=1)}
                                                  for row_id, sent_at in older])
    read = len(older)
    return {"notifications": sent, "read": read}


def build_activity(now: datetime, *, upload_dir: str, scale: str = "district") -> dict:
    """Everything after the history: cases, recent work's photos and send-backs, notifications."""
    from .hotline import build_hotline
    from .robots import build_robots
    result = build_cases(now, upload_dir=upload_dir, scale=scale)
    result |= build_hotline(now)
    result |= build_robots(now)
    result |= build_recent_work(now, upload_dir=upload_dir)
    result |= build_notifications(now)
    db.session.flush()
    return result
