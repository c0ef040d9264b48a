"""The demo district (Chengqu, from the seed article) and a city-sized variant, inserted in bulk.

Deterministic: a fixed random seed, so every run builds the same register. Real names are
those the article gives; every other name says 示例 (example) so nobody mistakes it for data.
"""
import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, insert, select, text, update
from werkzeug.security import generate_password_hash

from ..audit.models import AuditEntry
from ..extensions import db
from ..models import (
    Assignment,
    Community,
    Compound,
    Crew,
    District,
    Organisation,
    ServicePlan,
    ServiceStandard,
    ServiceType,
    Subdistrict,
    User,
    assignment_service_type,
    crew_compound,
)
from .people import people_in_every_state, registry_details

SEED = 20260101
DEMO_PASSWORD = "demo1234"
FALLBACK_OPERATOR = "阳泉市洁诚物业公司"
DEMO_SUBDISTRICT = "南山路街道"
# The article's compounds: (name, subdistrict index, households, year built, mode).
REAL_COMPOUNDS = [
    ("育英小区", 0, 420, 1992, "fallback"),
    ("新华西街二区", 0, 360, 1988, "fallback"),
    ("印刷厂小区", 0, 240, 1985, "unmanaged"),
    ("南庄村众康北区", 1, 1200, 2020, "fallback"),
    ("义东沟村南苑东西区", 2, 980, 2021, "professional"),
    ("大阳泉村安置住房", 3, 1350, 2022, "fallback"),
]
MODE_WEIGHTS = {"unmanaged": 30, "fallback": 45, "professional": 15, "self_managed": 10}
DIGITS = "零一二三四五六七八九"


def numeral(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五: names of the demo's areas at any scale."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return DIGITS[n // 10] + "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if not rest else ("零" + DIGITS[rest] if rest < 10 else
                                     (DIGITS[1] if rest < 20 else "") + numeral(rest))
        return DIGITS[n // 100] + "百" + tail
    return str(n)


@dataclass(frozen=True)
class Scale:
    districts: int
    subdistricts_per_district: int
    communities_per_subdistrict: int
    compounds: int
    households: int
    operators: int
    crew_size: int
    firms: int


SCALES = {
    "district": Scale(1, 6, 5, 334, 64_000, 150, 10, 5),
    "city": Scale(6, 6, 6, 2_000, 400_000, 900, 10, 20),
    # The benchmark's ten cities: about 9,000 compounds under fallback, 27,000 tasks a day.
    "10x": Scale(60, 6, 6, 20_000, 4_000_000, 9_000, 10, 200),
    # A province: 1,000 subdistricts in 100 districts, 5,000 communities, about 22,500 compounds under fallback.
    "province": Scale(100, 10, 5, 50_000, 10_000_000, 22_500, 10, 500),
}

SERVICE_TYPES = [
    {
        "code": "cleaning", "name_zh": "保洁", "name_en": "Cleaning",
        "checklist": ["道路及公共区域清扫", "楼道清扫", "垃圾桶周边清理", "绿化带捡拾垃圾"],
        "photo_required": True, "default_rrule": "FREQ=DAILY",
        "default_windows": [{"start": "07:00", "end": "09:00"}],
    },
    {
        "code": "garbage_sorting", "name_zh": "垃圾分类督导", "name_en": "Garbage sorting supervision",
        "checklist": ["桶站开放并值守", "分类指导与劝导", "混投二次分拣", "桶站清洁"],
        "photo_required": True, "default_rrule": "FREQ=DAILY",
        "default_windows": [{"start": "07:00", "end": "08:30"}, {"start": "18:00", "end": "19:30"}],
    },
    {"code": "repair", "name_zh": "疏通维修", "name_en": "Repairs and pipe dredging", "on_demand": True},  # cases only
]


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count(Compound.id))) == 0 and \
        db.session.scalar(select(func.count(User.id))) == 0


def wipe_database() -> None:
    """Empties every table (the schema stays). TRUNCATE on PostgreSQL: instant at any size."""
    tables = [table for table in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        db.session.execute(update(Crew).values(leader_id=None))  # crew and user refer to each other
        for table in reversed(tables):
            db.session.execute(delete(table))


def _split_total(rng: random.Random, total: int, count: int, low: int, high: int) -> list[int]:
    """`count` random sizes in roughly [low, high] that add up to exactly `total`."""
    weights = [rng.uniform(low, high) for _ in range(count)]
    scale = total / sum(weights)
    sizes = [int(w * scale) for w in weights]
    for i in range(total - sum(sizes)):
        sizes[i % count] += 1
    return sizes


def _bulk(model_or_table, rows: list[dict], returning=None) -> list[int]:
    """Core executemany on the table (a multi-row INSERT per 1,000 rows), ids in the rows' order. Through
    the ORM the compounds went in one by one with their ids spliced together: a minute for 10,000."""
    if not rows:
        return []
    table = getattr(model_or_table, "__table__", model_or_table)
    if returning is None:
        db.session.execute(insert(table), rows)
        return []
    return list(db.session.scalars(insert(table).returning(table.c[returning.key], sort_by_parameter_order=True),
                                   rows))


def area_names(scale: Scale) -> tuple[list[str], list[tuple[int, str]], list[tuple[int, str]]]:
    """District names; (district index, name) of each subdistrict; (subdistrict index, name) of each community.

    A subdistrict is named after its district's numeral and its own: both are one character up to ten, so
    the names stay distinct across a province (示例十二区's first is 示例十二一街道)."""
    districts = ["城区"] + [f"示例{numeral(i + 1)}区" for i in range(scale.districts - 1)]
    subs = []
    for d_index, district in enumerate(districts):
        for s in range(scale.subdistricts_per_district):
            if d_index == 0 and s == 0:
                name = DEMO_SUBDISTRICT
            else:
                prefix = district[:-1] if d_index else ""
                name = f"示例{prefix}{numeral(s + 1)}街道".replace("示例示例", "示例")
            subs.append((d_index, name))
    communities = [(s_index, f"{name.removesuffix('街道')}示例第{numeral(c + 1)}社区")
                   for s_index, (_d, name) in enumerate(subs) for c in range(scale.communities_per_subdistrict)]
    return districts, subs, communities


def seed_demo(scale_name: str | Scale, *, now: datetime, progress=lambda label: None) -> dict:
    """Builds the demo register (a named scale, or any Scale) and returns the demo accounts and counts.
    Caller commits."""
    scale = SCALES[scale_name] if isinstance(scale_name, str) else scale_name
    rng = random.Random(SEED)

    progress("service types")
    # The migrations add the repair type to every database; the seed writes its own (an empty database).
    db.session.execute(delete(ServiceType).where(ServiceType.code.in_([t["code"] for t in SERVICE_TYPES])))
    type_ids = _bulk(ServiceType, [{k: t[k] for k in ("code", "name_zh", "name_en")} for t in SERVICE_TYPES],
                     ServiceType.id)
    _bulk(ServiceStandard, [
        {"service_type_id": tid, "version": 1, "checklist": t["checklist"], "photo_required": t["photo_required"],
         "default_rrule": t["default_rrule"], "default_windows": t["default_windows"], "effective_from": now}
        for tid, t in zip(type_ids, SERVICE_TYPES) if not t.get("on_demand")
    ])

    progress("areas")
    district_names, sub_names, comm_names = area_names(scale)
    district_ids = _bulk(District, [{"name": n, "city": "阳泉市"} for n in district_names], District.id)
    sub_rows = [{"district_id": district_ids[d], "name": name} for d, name in sub_names]
    sub_ids = _bulk(Subdistrict, sub_rows, Subdistrict.id)
    comm_rows = [{"subdistrict_id": sub_ids[s], "name": name} for s, name in comm_names]
    comm_ids = _bulk(Community, comm_rows, Community.id)
    communities_of_sub = {}
    for cid, row in zip(comm_ids, comm_rows):
        communities_of_sub.setdefault(row["subdistrict_id"], []).append(cid)

    progress("organisations")
    org_ids = _bulk(Organisation, [
        {"kind": "fallback_operator", "name": FALLBACK_OPERATOR, "licence_no": "示例-国有-0001",
         "contact_name": "调度中心", "contact_phone": "0353-0000000", "address": "阳泉市城区（示例地址）",
         **registry_details(0)},
    ] + [
        {"kind": "property_firm", "name": f"示例物业服务有限公司{i + 1:02d}", "licence_no": f"示例-{i + 1:04d}",
         "contact_name": "示例联系人", "contact_phone": f"0353-10{i:05d}", "address": "阳泉市（示例地址）",
         **registry_details(i + 1)}
        for i in range(scale.firms)
    ], Organisation.id)
    operator_org = org_ids[0]

    progress("compounds")
    compound_rows = _compound_rows(rng, scale, sub_ids, communities_of_sub, now)
    compound_ids = _bulk(Compound, compound_rows, Compound.id)
    _bulk(AuditEntry, [
        {"at": row["mode_since"], "actor_id": None, "entity_type": "compound", "entity_id": cid,
         "compound_id": cid, "action": "created", "to_state": row["management_mode"], "reason": "", "changes": None}
        for cid, row in zip(compound_ids, compound_rows)
    ])

    progress("crews and users")
    accounts, leader_id, operator_crew_ids = _people(rng, scale, operator_org, org_ids[1:])
    fallback = [(cid, row) for cid, row in zip(compound_ids, compound_rows) if row["management_mode"] == "fallback"]
    # Crews serve neighbouring compounds: deal them out in register order.
    crew_of = {cid: operator_crew_ids[i * len(operator_crew_ids) // max(len(fallback), 1)]
               for i, (cid, _row) in enumerate(fallback)}
    since = {cid: row["mode_since"].date() for cid, row in fallback}
    _bulk(crew_compound, [{"crew_id": crew, "compound_id": cid, "starts_on": since[cid]}
                          for cid, crew in crew_of.items()])

    progress("assignments")
    assignment_ids = _bulk(Assignment, [
        {"compound_id": cid, "operator_org_id": operator_org,
         "decision_no": f"城住建物管〔{row['mode_since'].year}〕{n + 1}号",
         "reason": "暂不具备专业化物业管理条件，由国有物业托底提供基础服务（示例）", "status": "active",
         "responsible_leader_id": leader_id, "crew_id": crew_of[cid], "proposed_by_id": leader_id,
         "proposed_at": row["mode_since"],
         "decided_by_id": leader_id, "decided_at": row["mode_since"], "rejection_reason": "",
         "start_date": row["mode_since"].date(), "review_date": row["mode_since"].date() + timedelta(days=365),
         "end_note": ""}
        for n, (cid, row) in enumerate(fallback)
    ], Assignment.id)
    _bulk(assignment_service_type, [
        {"assignment_id": aid, "service_type_id": tid} for aid in assignment_ids for tid in type_ids
    ])
    # The same default plans that approving an assignment creates (plans.services.create_default_plans).
    _bulk(ServicePlan, [
        {"compound_id": cid, "service_type_id": tid, "assignment_id": aid, "crew_id": crew_of[cid],
         "rrule": t["default_rrule"], "windows": t["default_windows"], "timezone": "Asia/Shanghai",
         "starts_on": row["mode_since"].date(), "skip_dates": [], "status": "active", "created_at": now}
        for aid, (cid, row) in zip(assignment_ids, fallback) for tid, t in zip(type_ids, SERVICE_TYPES)
        if not t.get("on_demand")
    ])
    _bulk(AuditEntry, [
        {"at": row["mode_since"], "actor_id": leader_id, "entity_type": "assignment", "entity_id": aid,
         "compound_id": cid, "action": "assignment_approved", "from_state": "unmanaged", "to_state": "fallback",
         "reason": "", "changes": None}
        for aid, (cid, row) in zip(assignment_ids, fallback)
    ])
    people_in_every_state(now=now, locked_hash=db.session.scalar(
        select(User.password_hash).where(User.username.like("op%")).limit(1)))
    db.session.flush()
    return {
        "accounts": accounts,
        "compounds": len(compound_rows),
        "households": sum(row["households"] for row in compound_rows),
        "fallback": len(fallback),
        "operators": scale.operators,
    }


def _compound_rows(rng, scale, sub_ids, communities_of_sub, now) -> list[dict]:
    real = REAL_COMPOUNDS
    synthetic_count = scale.compounds - len(real)
    sizes = _split_total(rng, scale.households - sum(r[2] for r in real), synthetic_count, 60, 330)
    modes = list(MODE_WEIGHTS)
    rows = []
    for name, sub_index, households, year, mode in real:
        sub_id = sub_ids[sub_index]
        rows.append(_compound(rng, name, rng.choice(communities_of_sub[sub_id]), households, year, mode, now))
    for n in range(synthetic_count):
        sub_id = sub_ids[n % len(sub_ids)]
        mode = rng.choices(modes, weights=list(MODE_WEIGHTS.values()))[0]
        year = rng.randint(1975, 1999) if rng.random() < 0.85 else rng.randint(2000, 2010)
        rows.append(_compound(rng, f"示例小区{n + 1:04d}", rng.choice(communities_of_sub[sub_id]),
                              sizes[n], year, mode, now))
    return rows


def _compound(rng, name, community_id, households, year, mode, now) -> dict:
    status = rng.choices(["completed", "under_construction", "new_start", "reserve"], weights=[70, 12, 8, 10])[0]
    completed_on = (date(rng.randint(2019, 2025), rng.randint(1, 12), rng.randint(1, 28))
                    if status == "completed" else None)
    return {
        "community_id": community_id,
        "name": name,
        "aliases": "",
        "address": f"阳泉市城区{name}（示例地址）",
        "year_built": year,
        "buildings": max(1, households // 40),
        "households": households,
        "floor_area": Decimal(households * rng.randint(55, 90)),
        "renovation_tier": rng.choices(["basic", "improvement", "upgrade"], weights=[50, 35, 15])[0],
        "renovation_status": status,
        "renovation_completed_on": completed_on,
        "management_mode": mode,
        "mode_since": now - timedelta(days=rng.randint(5, 700), hours=rng.randint(0, 23)),
        "public_code": secrets.token_urlsafe(9),
        "created_at": now,
        "updated_at": now,
    }


def _people(rng, scale, operator_org, firm_ids):
    """Crews, the ~150 operators and one account per role. Returns (accounts, leader, crews)."""
    crew_count = scale.operators // scale.crew_size
    crew_ids = _bulk(Crew, [
        {"organisation_id": operator_org, "name": f"保洁{n + 1:02d}组", "work_phone": f"0353-20{n:05d}"}
        for n in range(crew_count)
    ], Crew.id)
    demo_hash = generate_password_hash(DEMO_PASSWORD)
    # Synthetic staff share one hash of a random secret: nobody can sign in as them.
    locked_hash = generate_password_hash(secrets.token_urlsafe(24))
    demo = [
        ("admin", "admin", "系统管理员", None, None),
        ("official", "official", "区住建局 王科长", None, None),
        ("dispatcher", "dispatcher", "洁诚物业调度 李调度", operator_org, None),
        ("operator", "operator", "保洁员 赵师傅", operator_org, crew_ids[0]),
        ("firm", "firm", "示例物业 陈经理", firm_ids[0] if firm_ids else None, None),
        ("inspector", "inspector", "南山路街道 刘检查员", None, None),
    ]
    rows = [
        {"username": u, "role": r, "display_name": n, "organisation_id": o, "crew_id": c,
         "password_hash": demo_hash, "active": True, "phone": f"1390353{i:04d}", "email": f"{u}@example.invalid"}
        for i, (u, r, n, o, c) in enumerate(demo)
    ]
    surnames = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗"
    for n in range(scale.operators - 1):
        rows.append({
            "username": f"op{n + 2:04d}", "role": "operator", "display_name": f"保洁员 {rng.choice(surnames)}师傅",
            "organisation_id": operator_org, "crew_id": crew_ids[(n + 1) // scale.crew_size % crew_count],
            "password_hash": locked_hash, "active": True, "phone": f"139{rng.randint(0, 99_999_999):08d}",
            "email": "",
        })
    numbers = iter(range(1, len(rows) + 1))  # work numbers (工号) JC0001, ... tell the operators apart
    for row in rows:
        row["work_no"] = f"JC{next(numbers):04d}" if row["role"] == "operator" else None
    user_ids = _bulk(User, rows, User.id)
    # Each crew's leader: its first operator (the demo account leads the first crew).
    first = (select(func.min(User.id)).where(User.crew_id == Crew.id, User.role == "operator")
             .correlate(Crew).scalar_subquery())
    db.session.execute(update(Crew).where(Crew.id.in_(crew_ids)).values(leader_id=first)
                       .execution_options(synchronize_session=False))
    accounts = [(u, r, n) for u, r, n, _o, _c in demo]
    return accounts, user_ids[1], crew_ids
