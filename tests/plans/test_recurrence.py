"""Recurrence: the fast restart near the requested days gives exactly dateutil's own answer."""
import random
from datetime import date, datetime, time, timedelta

import pytest

from propmgmt.plans.recurrence import build_rule, occurrence_days, parse_rule

RULES = ["FREQ=DAILY", "FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SA",
         "FREQ=MONTHLY;BYMONTHDAY=1,15", "FREQ=DAILY;COUNT=40", "FREQ=WEEKLY;INTERVAL=3", "FREQ=DAILY;UNTIL=20270301"]


@pytest.mark.parametrize("text", RULES)
def test_same_days_as_walking_from_the_start(text):
    rng = random.Random(text)  # fixed per rule: the same 300 cases every run
    for _ in range(300):
        start = date(2025, 1, 1) + timedelta(days=rng.randint(0, 500))
        first = start + timedelta(days=rng.randint(-10, 400))
        last = first + timedelta(days=rng.randint(0, 30))
        rule = parse_rule(text, start)
        tz = rule._dtstart.tzinfo
        expected = [d.date() for d in rule.between(datetime.combine(first, time(), tzinfo=tz),
                                                   datetime.combine(last, time(), tzinfo=tz), inc=True)]
        assert occurrence_days(rule, first, last, set()) == expected, (text, start, first, last)


def test_builder_rules():
    assert build_rule("weekdays") == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert build_rule("chosen_weekdays", weekdays=["SU", "MO"]) == "FREQ=WEEKLY;BYDAY=MO,SU"
    assert build_rule("every_n_days", interval=3) == "FREQ=DAILY;INTERVAL=3"
