"""The hand-computed October dataset (tests/settlement/test_hand_computed.py explains every figure)."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from PIL import Image

from propmgmt.assessment.models import Rectification
from propmgmt.assessment.services import CheckIn, Finding, record_spot_check, report_fixed, save_policy
from propmgmt.extensions import db as _db

from ..factories import AssignmentFactory, CompoundFactory, CrewFactory, ServiceTypeFactory, TaskFactory, UserFactory

OCTOBER = date(2026, 10, 1)
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)  # 10:00 on 2 November in Yangquan
POLICY = {
    "total": 100,
    "items": [
        {"code": "clean", "section": "环境卫生", "name": "公共区域保洁", "kind": "spot_check", "points": 60,
         "deduct": 10, "cap": 30},
        {"code": "on_time", "section": "服务响应", "name": "按时完成率", "kind": "figure", "figure": "on_time_rate",
         "rule": "linear", "zero_at": 50, "full_at": 100, "points": 40},
    ],
    "fees": {"cleaning": {"basis": "household", "fen": 600}, "garbage_sorting": {"basis": "area", "fen": 3}},
    "bands": [{"from": 0, "to": 60, "percent": 60}, {"from": 60, "to": 80, "percent": 80},
              {"from": 80, "to": 100, "percent": 100}],
    "rectification_deduction_fen": 5000, "rectification_days": 3, "floor_percent": 50, "cap_percent": 100,
}


def at(day: int, hour: int = 2) -> datetime:
    return datetime(2026, 10, day, hour, 0, tzinfo=timezone.utc)


def tasks(compound, on_time: int, late: int = 0, missed: int = 0) -> None:
    for n in range(on_time):
        TaskFactory(compound=compound, end=at(2 + n), status="done", finished=-10)
    for n in range(late):
        TaskFactory(compound=compound, end=at(12 + n), status="done", finished=30)
    for n in range(missed):
        TaskFactory(compound=compound, end=at(22 + n), status="missed")


@pytest.fixture
def october(app, db):
    official, inspector = UserFactory(role="official"), UserFactory(role="inspector")
    save_policy(official, POLICY, effective_month=date(2026, 1, 1), now=at(1))
    cleaning = ServiceTypeFactory(code="cleaning")
    sorting = ServiceTypeFactory(code="garbage_sorting", name_zh="垃圾分类督导", name_en="Garbage sorting")
    crew = CrewFactory()
    operator = UserFactory(role="operator", crew=crew)
    a = CompoundFactory(name="甲小区", households=120, management_mode="fallback")
    b = CompoundFactory(name="乙小区", households=200, floor_area=Decimal("12345.67"), management_mode="fallback")
    c = CompoundFactory(name="丙小区", households=80, management_mode="fallback")
    lines = {}
    for compound, start, types in ((a, date(2026, 1, 1), [cleaning]), (b, date(2026, 10, 17), [cleaning, sorting]),
                                   (c, date(2026, 1, 1), [cleaning])):
        lines[compound.name] = AssignmentFactory(compound=compound, status="active", start_date=start,
                                                 service_types=types, crew_id=crew.id)
    tasks(a, on_time=9, missed=1)
    tasks(b, on_time=2, late=1, missed=1)
    tasks(c, on_time=4, missed=1)
    upload = app.config["UPLOAD_DIR"]
    photo = (Image.new("RGB", (40, 30), (90, 90, 90)),)  # a defect is recorded with its photo
    record_spot_check(inspector, a, CheckIn(at(10)), [Finding("clean", 1, "3号楼楼道有垃圾", photo)], now=at(10),
                      upload_dir=upload)
    check_b = record_spot_check(inspector, b, CheckIn(at(25)), [Finding("clean", 2, "", photo)], now=at(25),
                                upload_dir=upload)
    fixed = check_b.items[0]
    rectification = _db.session.query(Rectification).filter_by(check_item_id=fixed.id).one()
    report_fixed(operator, rectification.id, now=at(26), note="已清理")
    _db.session.commit()
    return {"a": a, "b": b, "c": c, "official": official, "inspector": inspector, "operator": operator}
