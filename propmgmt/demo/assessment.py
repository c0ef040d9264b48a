"""The demo's assessment policy: the published scheme's shape (patrol 40, fees and service 40,
residents 20), with the district's sections; amounts in fen."""

DISTRICT_POLICY = {
    "total": 100,
    "items": [
        {"code": "public_areas", "section": "环境卫生", "name": "楼道及公共区域保洁", "kind": "spot_check",
         "points": 25, "deduct": 5, "cap": 25},
        {"code": "sorting_points", "section": "垃圾分类", "name": "分类投放点整洁、桶站规范", "kind": "spot_check",
         "points": 15, "deduct": 5, "cap": 15},
        {"code": "on_time", "section": "服务响应", "name": "任务按时完成率", "kind": "figure", "figure": "on_time_rate",
         "rule": "linear", "zero_at": 60, "full_at": 95, "points": 20},
        {"code": "first_pass", "section": "服务响应", "name": "一次验收通过率", "kind": "figure",
         "figure": "first_pass_rate", "rule": "thresholds", "thresholds": [[95, 10], [85, 7], [70, 4]], "points": 10},
        {"code": "missed", "section": "服务响应", "name": "漏做任务", "kind": "figure", "figure": "missed",
         "rule": "linear", "zero_at": 10, "full_at": 0, "points": 10},
        {"code": "complaints", "section": "居民满意", "name": "诉求按时响应率", "kind": "figure",
         "figure": "complaints_in_time_rate", "rule": "linear", "zero_at": 50, "full_at": 100, "points": 10},
        {"code": "satisfaction", "section": "居民满意", "name": "居民评价", "kind": "figure", "figure": "satisfaction",
         "rule": "linear", "zero_at": 1, "full_at": 5, "points": 5},
        {"code": "survey", "section": "居民满意", "name": "满意度调查", "kind": "figure",
         "figure": "survey_satisfaction", "rule": "linear", "zero_at": 50, "full_at": 90, "points": 5},
    ],
    "fees": {"cleaning": {"basis": "household", "fen": 600}, "garbage_sorting": {"basis": "household", "fen": 200}},
    "bands": [{"from": 0, "to": 60, "percent": 60}, {"from": 60, "to": 70, "percent": 70},
              {"from": 70, "to": 80, "percent": 80}, {"from": 80, "to": 100, "percent": 100}],
    "rectification_deduction_fen": 20000,
    "rectification_days": 3,
    "floor_percent": 50,
    "cap_percent": 100,
}


def build_assessment(now, *, upload_dir: str, months: int = 3, checks_per_month: int = 12) -> dict:
    """The policy, compound locations, spot checks over the last months (passes, defects with photos,
    a check-in far away), rectifications in every state (one not fixed in time), approved statements
    for the past months and this month's draft with a contested line."""
    import random
    from decimal import Decimal

    from PIL import Image
    from sqlalchemy import select, update

    from ..assessment.models import Rectification
    from ..assessment.months import current_month, month_bounds, previous_month
    from ..assessment.services import CheckIn, Finding, record_spot_check, save_policy
    from ..assignments.models import Assignment
    from ..auth.models import User
    from ..compounds.models import Compound
    from ..extensions import db
    from ..settlement.services import approve_statement, contest_line, draft_statement

    rng = random.Random(20261102)
    official = db.session.scalar(select(User).where(User.username == "official"))
    inspector = db.session.scalar(select(User).where(User.username == "inspector"))
    dispatcher = db.session.scalar(select(User).where(User.username == "dispatcher"))
    if official is None or inspector is None:
        return {"checks": 0, "statements": 0}
    this_month = current_month(now)
    history = [this_month]
    for _n in range(months):
        history.append(previous_month(history[-1]))
    first = history[-1]
    save_policy(official, DISTRICT_POLICY, effective_month=first, note="示例：按区考核办法", now=now)
    compounds = list(db.session.scalars(select(Compound).join(Assignment, Assignment.compound_id == Compound.id)
                                        .where(Assignment.status == "active").order_by(Compound.id)))
    # 阳泉市城区, around 37.857 N 113.583 E: every check-in has its distance. One executemany (a province
    # has 22,500 compounds under fallback), not an UPDATE per compound.
    db.session.execute(update(Compound), [
        {"id": compound.id, "latitude": Decimal("37.857") + Decimal(rng.randint(-200, 200)) / 10000,
         "longitude": Decimal("113.583") + Decimal(rng.randint(-300, 300)) / 10000} for compound in compounds])
    db.session.flush()
    photo = Image.new("RGB", (640, 480), (150, 120, 90))
    checks = 0
    for month in reversed(history):
        start, end = month_bounds(month)
        end = min(end, now)
        for n, compound in enumerate(rng.sample(compounds[:60], min(checks_per_month, len(compounds[:60])))):
            at = start + (end - start) * rng.uniform(0.05, 0.9)
            db.session.refresh(compound)
            far = month == this_month and n == 0
            lat = (compound.latitude + (Decimal("0.05") if far else Decimal(0))) if compound.latitude else None
            findings = [Finding(code, defects, "楼道堆放杂物" if defects and code == "public_areas" else
                                "桶站满溢" if defects else "", (photo,) * min(defects, 1))
                        for code, defects in (("public_areas", rng.choice((0, 0, 1, 2))),
                                              ("sorting_points", rng.choice((0, 0, 0, 1))))]
            record_spot_check(inspector, compound, CheckIn(at, lat, compound.longitude, rng.randint(5, 40)),
                              findings, now=at, upload_dir=upload_dir)
            checks += 1
    # Rectifications: most fixed in time and verified, some fixed and waiting, one never fixed; recent open.
    rows = list(db.session.scalars(select(Rectification).order_by(Rectification.deadline)))
    for n, rectification in enumerate(rows):
        if rectification.deadline > now:
            continue  # still open: on the crew's day
        if n % 7 == 3:
            continue  # not fixed by its deadline: deducts
        rectification.status = "verified" if n % 5 else "fixed"
        rectification.fixed_at = rectification.created_at + (rectification.deadline - rectification.created_at) / 2
        rectification.fix_note = "已整改"
        if rectification.status == "verified":
            rectification.verified_at, rectification.verified_by_id = rectification.fixed_at, inspector.id
    db.session.flush()
    statements = 0
    for month in reversed(history[1:]):
        statement, drafted = draft_statement(month, now=now)
        if statement is None:
            continue
        statements += 1
        if month != history[1]:
            approve_statement(official, statement.id, now=now)
        elif statement.lines and dispatcher is not None:
            contest_line(dispatcher, statement.lines[0].id, "本月有3天因道路施工无法进场，请核减天数说明。", now=now)
    return {"checks": checks, "statements": statements}
