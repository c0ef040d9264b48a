"""The demo's residents' voice on renovation: a consultation open now with opinions on a project in reserve,
a closed one whose plan changed in answer, and supervision notes on the projects under construction, all
answered but one. Told through the services, at past times, so the rate limits and rules hold."""
import random
from datetime import datetime, timedelta

from PIL import Image
from sqlalchemy import select

from ..auth.models import User
from ..clock import to_local
from ..compounds.rooms import Room
from ..errors import Conflict
from ..extensions import db
from ..renovation.consultation import ItemData, give_opinion, open_consultation, record_plan_change
from ..renovation.models import Project
from ..renovation.supervision import answer_note, file_note
from ..renovation.voice_models import Consultation

SEED = 20261203
OPINION_TEXTS = ["希望先修路再做外墙，雨季前完工", "楼道灯一直不亮，一并解决", "口袋公园请多放几张长椅",
                 "停车位太少，别再占用", "施工时间请避开午休", "支持改造，尽快开工", "老人多，请加装扶手",
                 "管线改造前请提前通知停水时间", "", "", "", ""]
NOTES = [("3号楼北侧新埋管线夜间没有覆盖，有人差点绊倒", "已要求施工单位每日收工前覆盖并设警示灯，谢谢监督。"),
         ("外墙保温板堆放在消防通道上", "当天已清理，材料改放到东侧空地。"),
         ("施工扬尘大，没有洒水", "已增加洒水频次，每天上午、下午各两次。"),
         ("单元门口台阶拆了一周还没恢复", None)]


def _rooms(buildings: int) -> list[str]:
    """Two entrances, six floors, two flats a floor per building (3-2-501), as the demo's compounds are built."""
    return [f"{b}-{e}-{floor}0{r}" for b in range(1, max(buildings, 2) + 1) for e in (1, 2)
            for floor in range(1, 7) for r in (1, 2)]


def build_voice(now: datetime, upload_dir: str) -> dict:
    """About twenty opinions, a plan change, and a dozen notes (a fraction of a second)."""
    if db.session.scalar(select(Consultation.id).limit(1)) is not None:
        return {"opinions": 0, "notes": 0}
    official = db.session.scalar(select(User).where(User.username == "official"))
    dispatcher = db.session.scalar(select(User).where(User.username == "dispatcher"))
    reserve = db.session.scalars(select(Project).where(Project.stage == "reserve").order_by(Project.id)).all()
    building = db.session.scalars(select(Project).where(Project.stage == "under_construction")
                                  .order_by(Project.id)).all()
    if official is None or not reserve:
        return {"opinions": 0, "notes": 0}
    rng = random.Random(SEED)
    today = to_local(now).date()
    opinions = 0
    # A closed consultation whose plan changed in answer (the first project in reserve)...
    first = reserve[0]
    closed = open_consultation(official, first, title="改造方案征求意见（第一轮）", ends_on=today - timedelta(days=30),
                               items=[ItemData("整修小区主干道路"), ItemData("拆除南侧违建车棚，改为停车位"),
                                      ItemData("外墙统一粉刷")], now=now - timedelta(days=45), upload_dir=upload_dir)
    opinions += _opinions(closed, first, rng, 9, now - timedelta(days=44))
    record_plan_change(official, closed, "多数住户反对拆除车棚：改为整修车棚并在北侧增设 12 个停车位；"
                                         "道路和外墙按原方案实施。", now=now - timedelta(days=25))
    # ... and one open now on the project of two compounds, whose first compound knows its rooms.
    target = next((p for p in reserve if len(p.compounds) > 1 and p is not first), reserve[-1])
    known = target.compounds[0]
    db.session.add_all(Room(compound_id=known.id, room=r) for r in _rooms(known.buildings))
    db.session.flush()
    consultation = open_consultation(official, target, title="老旧小区改造方案征求意见",
                                     ends_on=today + timedelta(days=12),
                                     items=[ItemData("更换小区供水、排水管线"), ItemData("加装智能门禁和视频监控"),
                                            ItemData("新建口袋公园和休息长椅")],
                                     now=now - timedelta(days=6), upload_dir=upload_dir)
    opinions += _opinions(consultation, target, rng, 20, now - timedelta(days=5))
    notes = 0
    for n, project in enumerate(building):
        compound = project.compounds[0]
        for k, (text, answer) in enumerate(NOTES if n == 0 else NOTES[:3]):
            at = now - timedelta(days=20 - 4 * k, hours=n)
            note = file_note(compound, project, text=text, photos=[_photo(rng)] if k == 0 else [],
                             address=f"10.30.{n}.{k}", now=at, upload_dir=upload_dir)
            notes += 1
            if answer:
                answer_note(dispatcher or official, note, answer, now=at + timedelta(hours=20))
    return {"opinions": opinions, "notes": notes}


def _opinions(consultation, project, rng, count: int, start: datetime) -> int:
    """`count` households' opinions over the days after `start`, from different phones and rooms."""
    given = 0
    for n in range(count):
        compound = project.compounds[n % len(project.compounds)]
        room = rng.choice(_rooms(compound.buildings))
        votes = {item.id: rng.random() < (0.3 if "拆除" in item.text else 0.75) for item in consultation.items}
        at = start + timedelta(hours=5 * n + 1)
        try:
            with db.session.begin_nested():
                give_opinion(compound, consultation, room=room, votes=votes, text=rng.choice(OPINION_TEXTS),
                             device=f"demo-device-{consultation.id:04d}-{n:04d}", address=f"10.20.{n // 200}.{n}",
                             now=at)
            given += 1
        except Conflict:  # the same room drawn twice: that household already spoke
            continue
    return given


def _photo(rng) -> Image.Image:
    return Image.new("RGB", (640, 480), (rng.randrange(80, 200), rng.randrange(80, 200), rng.randrange(80, 200)))
