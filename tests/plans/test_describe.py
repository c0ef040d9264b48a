"""Every rule reads in Chinese, the same on the plan list, the plan page and the residents' page."""
from datetime import date

import pytest

from propmgmt.plans.describe import describe_plan, describe_rule

CASES = [
    ("FREQ=DAILY", "每天"),
    ("FREQ=DAILY;INTERVAL=2", "每隔2天"),
    ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "每周一、三、五"),
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "工作日"),
    ("FREQ=WEEKLY;BYDAY=SA,SU", "每周六、日"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", "每2周的周二、四"),
    ("FREQ=MONTHLY;BYDAY=1FR", "每月第一个周五"),
    ("FREQ=MONTHLY;BYDAY=-1SU", "每月最后一个周日"),
    ("FREQ=MONTHLY;COUNT=6;BYDAY=-2MO", "每月倒数第二个周一，共6次"),
    ("FREQ=MONTHLY;BYMONTHDAY=2,15", "每月2日、15日"),
    ("FREQ=MONTHLY;BYMONTHDAY=1,-1", "每月1日、最后一天"),
    ("FREQ=YEARLY;BYMONTH=6,7", "每年6月、7月"),
    ("FREQ=DAILY;COUNT=10", "每天，共10次"),
    ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", "每月周一、周二、周三、周四、周五中的倒数第二个"),
    ("RRULE:freq=weekly;byday=mo,we,fr", "每周一、三、五"),
]


@pytest.mark.parametrize(("rule", "words"), CASES)
def test_rules_in_chinese(app, rule, words):
    with app.test_request_context():
        assert describe_rule(rule) == words


def test_until_and_windows(app):
    with app.test_request_context():
        assert describe_rule("FREQ=DAILY;UNTIL=20261231T160000Z").startswith("每天，至2026年12月31日")
        assert describe_plan("FREQ=WEEKLY;BYDAY=MO,WE,FR", [{"start": "07:00", "end": "09:00"},
                                                            {"start": "18:00", "end": "19:30"}]) == \
            "每周一、三、五 07:00–09:00、18:00–19:30"
        assert describe_rule("FREQ=MONTHLY", date(2026, 3, 15)) == "每月15日"
        assert describe_rule("not a rule") == "not a rule"  # stored rules are valid; never a 500 if one is not
