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
         "rule": "linear", "zero_at": 1, "full_at": 5, "points": 10},
    ],
    "fees": {"cleaning": {"basis": "household", "fen": 600}, "garbage_sorting": {"basis": "household", "fen": 200}},
    "bands": [{"from": 0, "to": 60, "percent": 60}, {"from": 60, "to": 70, "percent": 70},
              {"from": 70, "to": 80, "percent": 80}, {"from": 80, "to": 100, "percent": 100}],
    "rectification_deduction_fen": 20000,
    "rectification_days": 3,
    "floor_percent": 50,
    "cap_percent": 100,
}
