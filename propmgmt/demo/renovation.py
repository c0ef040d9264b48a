"""The demo's renovation projects: the pipeline in every stage, some late, told through the services.

The article's resettlement compounds (南庄村众康北区, 义东沟村南苑东西区) are finished projects; the
others are 示例 compounds whose register already says what stage their works are in, so a project
only confirms it. Compounds in a handover are left alone.
"""
import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..auth.models import User
from ..clock import local_to_utc, to_local
from ..compounds.models import Compound
from ..extensions import db
from ..handovers.models import Handover
from ..renovation.models import ContentItem
from ..renovation.rules import DATED_STAGES, NEXT_STAGE
from ..renovation.services import (
    ProblemData,
    ProjectData,
    advance_stage,
    create_project,
    ensure_content_items,
    record_progress,
    solve_problem,
    update_project,
)

SEED = 20261202
WAN = 10_000_00  # 1 万元 in fen
CONTRACTORS = ["阳泉市示例建筑工程有限公司", "山西示例市政工程有限公司", "阳泉示例建设集团有限公司"]
# (project name or None for "<compound>改造", real compounds or the register status to pick by, how many
#  compounds, tier, final stage, days since it was created, late, content)
SCRIPT = [
    ("南庄村众康北区安置住房配套完善", ["南庄村众康北区"], 1, "improvement", "accepted", 640, False,
     ["整修道路", "管线", "外墙", "引入物业"]),
    ("义东沟村南苑东西区安置住房配套完善", ["义东沟村南苑东西区"], 1, "improvement", "completed", 560, False,
     ["整修道路", "口袋公园", "智能门禁", "视频监控"]),
    (None, "completed", 2, "basic", "accepted", 500, False, ["拆除违建", "整修道路", "管线"]),
    (None, "completed", 1, "upgrade", "completed", 420, True, ["立面", "口袋公园", "停车管理"]),
    (None, "under_construction", 1, "basic", "under_construction", 260, False, ["整修道路", "管线", "外墙"]),
    (None, "under_construction", 2, "improvement", "under_construction", 300, True, ["外墙", "智能门禁", "视频监控"]),
    (None, "under_construction", 1, "upgrade", "under_construction", 200, False, ["立面", "停车管理", "引入物业"]),
    (None, "new_start", 1, "basic", "new_start", 90, False, ["拆除违建", "整修道路"]),
    (None, "new_start", 1, "improvement", "new_start", 120, True, ["管线", "外墙"]),
    (None, "reserve", 1, "basic", "reserve", 40, False, ["整修道路", "外墙"]),
    (None, "reserve", 2, "improvement", "reserve", 150, True, ["管线", "智能门禁"]),
    (None, "reserve", 1, "upgrade", "reserve", 20, False, ["立面", "口袋公园", "引入物业"]),
]
PROBLEMS = [("3号楼北侧管线改道，部分居民有异议", "所在社区居委会"), ("外墙保温材料进场延迟", "施工单位"),
            ("施工占用停车位，需临时停车方案", "街道办事处"), ("雨水管网与原图纸不符", "区住建局")]


def _at(day: date) -> datetime:
    return local_to_utc(day, time(10, 0))


def build_renovation(now: datetime) -> dict:
    """Projects of the script on the named and on 示例 compounds not in a handover (about a second)."""
    rng = random.Random(SEED)
    official = db.session.scalar(select(User).where(User.username == "official"))
    dispatcher = db.session.scalar(select(User).where(User.username == "dispatcher"))
    if official is None:
        return {"renovation_projects": 0}
    ensure_content_items()
    items = {i.name: i.id for i in db.session.scalars(select(ContentItem))}
    in_handover = select(Handover.compound_id)
    taken: set[int] = set()
    made = 0
    for name, pick, count, tier, final, days, late, content in SCRIPT:
        if isinstance(pick, list):
            compounds = db.session.scalars(select(Compound).where(Compound.name.in_(pick))).all()
        else:
            compounds = db.session.scalars(select(Compound).where(
                Compound.renovation_status == pick, Compound.name.like("示例%"), Compound.id.not_in(in_handover),
                Compound.id.not_in(taken or {0})).order_by(Compound.id).limit(count)).all()
        if not compounds:
            continue
        taken.update(c.id for c in compounds)
        _run(official, dispatcher, rng, name or f"{compounds[0].name}{'等' if len(compounds) > 1 else ''}改造",
             compounds, tier, final, now - timedelta(days=days), late, [items[c] for c in content if c in items], now)
        made += 1
    return {"renovation_projects": made}


def _plan(created: date, final: str, late: bool, today: date) -> tuple[dict, dict]:
    """Planned dates from the day the project was created; the actual ones of the stages it went through.
    A late project's next planned date has passed; an on-time one's is still ahead."""
    spans = {"new_start": 30, "under_construction": 30, "completed": 150, "accepted": 45}
    planned, actual, day = {}, {}, created
    reached = DATED_STAGES[:DATED_STAGES.index(final) + 1] if final in DATED_STAGES else ()
    for stage in DATED_STAGES:
        day += timedelta(days=spans[stage])
        planned[stage] = day
        if stage in reached:
            actual[stage] = min(day + timedelta(days=5), today)
    following = NEXT_STAGE.get(final)
    if following:  # shift the plan so the next stage is (late) or is not (on time) overdue
        target = today - timedelta(days=12) if late else today + timedelta(days=25)
        shift = target - planned[following]
        for stage in DATED_STAGES[DATED_STAGES.index(following):]:
            planned[stage] += shift
    return planned, actual


def _run(official, dispatcher, rng, name, compounds, tier, final, created_at, late, item_ids, now) -> None:
    today = to_local(now).date()
    created = to_local(created_at).date()
    planned, actual = _plan(created, final, late, today)
    data = ProjectData(name=name, tier=tier, compound_ids=[c.id for c in compounds], item_ids=item_ids,
                       funding={"central": rng.randint(80, 400) * WAN, "provincial": rng.randint(20, 120) * WAN,
                                "district": rng.randint(30, 150) * WAN,
                                "residents": rng.randint(0, 10) * WAN if tier == "upgrade" else 0},
                       leader_id=official.id, team=[(dispatcher.id, "现场协调")] if dispatcher else [],
                       contractor="", planned=planned, note="")
    project = create_project(official, data, now=created_at)
    if "under_construction" in actual or final == "new_start":
        data.contractor = CONTRACTORS[rng.randrange(len(CONTRACTORS))]
        update_project(official, project, data, now=created_at + timedelta(days=1))
    for stage in DATED_STAGES:
        if stage not in actual:
            break
        if stage == "completed":  # the works reach 100% in the month before completion
            _progress(official, project, rng, actual["under_construction"], actual[stage], final=True, now=now)
        advance_stage(official, project, to_stage=stage, on=actual[stage], now=min(_at(actual[stage]), now))
        if stage == "under_construction" and final == "under_construction":
            _progress(official, project, rng, actual[stage], today, final=False, late=late, now=now)


def _progress(official, project, rng, start: date, end: date, *, final: bool, now: datetime,
              late: bool = False) -> None:
    """One entry a month from the start to the end; problems now and then, the old ones solved."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    for n, month in enumerate(months):
        percent = 100 if final and n == len(months) - 1 else min(95, (n + 1) * (90 // max(len(months), 1)) + 5)
        at = min(_at(month + timedelta(days=24)), _at(end), now - timedelta(hours=1))
        problems = []
        if n % 2 == 1 or (late and n == len(months) - 1):
            text, solver = PROBLEMS[rng.randrange(len(PROBLEMS))]
            day = to_local(at).date()
            problems = [ProblemData(text, solver, day - timedelta(days=3) if late else day + timedelta(days=20))]
        entry = record_progress(official, project, month=month, percent=percent,
                                done="按计划推进：" + "、".join(i.name for i in project.items[:2]), problems=problems,
                                now=at)
        for problem in entry.problems:
            if final or n < len(months) - 1:
                solve_problem(official, problem, on=min(problem.solve_by, to_local(at).date() + timedelta(days=10)),
                              now=min(at + timedelta(days=10), now))
