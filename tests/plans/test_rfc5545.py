"""The recurrence rules expand as the examples of RFC 5545 §3.8.5.3 say.

Every example there starts at 09:00 America/New_York (DTSTART;TZID=America/New_York:...T090000),
so a plan here starts on that day with a window from 09:00; UNTIL is in UTC as §3.3.10 requires
for a start with a time zone. Rules by the hour or minute are left out on purpose: the hours of
a plan are its time windows.
"""
from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from propmgmt.errors import DomainError
from propmgmt.plans.recurrence import occurrence_days, parse_rule, preview

NEW_YORK = ZoneInfo("America/New_York")


def days(year, month, *numbers):
    return [date(year, month, n) for n in numbers]


def expand(rule: str, start: date, last: date) -> list[date]:
    return occurrence_days(parse_rule(rule, start, tz=NEW_YORK, at=time(9)), start, last, set())


EXAMPLES = [  # (what the RFC calls it, DTSTART day, RRULE, the first occurrences it lists)
    ("Daily for 10 occurrences", date(1997, 9, 2), "FREQ=DAILY;COUNT=10", days(1997, 9, *range(2, 12))),
    ("Daily until December 24, 1997", date(1997, 9, 2), "FREQ=DAILY;UNTIL=19971224T000000Z",
     days(1997, 9, *range(2, 31)) + days(1997, 10, *range(1, 32)) + days(1997, 11, *range(1, 31))
     + days(1997, 12, *range(1, 24))),
    ("Every other day - forever", date(1997, 9, 2), "FREQ=DAILY;INTERVAL=2",
     days(1997, 9, *range(2, 31, 2)) + days(1997, 10, 2, 4)),
    ("Every 10 days, 5 occurrences", date(1997, 9, 2), "FREQ=DAILY;INTERVAL=10;COUNT=5",
     days(1997, 9, 2, 12, 22) + days(1997, 10, 2, 12)),
    ("Every day in January, for 3 years (yearly)", date(1998, 1, 1),
     "FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA",
     days(1998, 1, *range(1, 32)) + days(1999, 1, *range(1, 32)) + days(2000, 1, *range(1, 32))),
    ("Every day in January, for 3 years (daily)", date(1998, 1, 1), "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1",
     days(1998, 1, *range(1, 32)) + days(1999, 1, *range(1, 32)) + days(2000, 1, *range(1, 32))),
    ("Weekly for 10 occurrences", date(1997, 9, 2), "FREQ=WEEKLY;COUNT=10",
     days(1997, 9, 2, 9, 16, 23, 30) + days(1997, 10, 7, 14, 21, 28) + days(1997, 11, 4)),
    ("Weekly until December 24, 1997", date(1997, 9, 2), "FREQ=WEEKLY;UNTIL=19971224T000000Z",
     days(1997, 9, 2, 9, 16, 23, 30) + days(1997, 10, 7, 14, 21, 28) + days(1997, 11, 4, 11, 18, 25)
     + days(1997, 12, 2, 9, 16, 23)),
    ("Every other week - forever", date(1997, 9, 2), "FREQ=WEEKLY;INTERVAL=2;WKST=SU",
     days(1997, 9, 2, 16, 30) + days(1997, 10, 14, 28) + days(1997, 11, 11, 25) + days(1997, 12, 9, 23)
     + days(1998, 1, 6, 20) + days(1998, 2, 3, 17)),
    ("Weekly on Tuesday and Thursday for five weeks (until)", date(1997, 9, 2),
     "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH",
     days(1997, 9, 2, 4, 9, 11, 16, 18, 23, 25, 30) + days(1997, 10, 2)),
    ("Weekly on Tuesday and Thursday for five weeks (count)", date(1997, 9, 2),
     "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH", days(1997, 9, 2, 4, 9, 11, 16, 18, 23, 25, 30) + days(1997, 10, 2)),
    ("Every other week on Monday, Wednesday, and Friday until December 24, 1997", date(1997, 9, 1),
     "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
     days(1997, 9, 1, 3, 5, 15, 17, 19, 29) + days(1997, 10, 1, 3, 13, 15, 17, 27, 29, 31)
     + days(1997, 11, 10, 12, 14, 24, 26, 28) + days(1997, 12, 8, 10, 12, 22)),
    ("Every other week on Tuesday and Thursday, for 8 occurrences", date(1997, 9, 2),
     "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH", days(1997, 9, 2, 4, 16, 18, 30) + days(1997, 10, 2, 14, 16)),
    ("Monthly on the first Friday for 10 occurrences", date(1997, 9, 5), "FREQ=MONTHLY;COUNT=10;BYDAY=1FR",
     days(1997, 9, 5) + days(1997, 10, 3) + days(1997, 11, 7) + days(1997, 12, 5) + days(1998, 1, 2)
     + days(1998, 2, 6) + days(1998, 3, 6) + days(1998, 4, 3) + days(1998, 5, 1) + days(1998, 6, 5)),
    ("Monthly on the first Friday until December 24, 1997", date(1997, 9, 5),
     "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR",
     days(1997, 9, 5) + days(1997, 10, 3) + days(1997, 11, 7) + days(1997, 12, 5)),
    ("Every other month on the first and last Sunday of the month for 10 occurrences", date(1997, 9, 7),
     "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU",
     days(1997, 9, 7, 28) + days(1997, 11, 2, 30) + days(1998, 1, 4, 25) + days(1998, 3, 1, 29)
     + days(1998, 5, 3, 31)),
    ("Monthly on the second-to-last Monday of the month for 6 months", date(1997, 9, 22),
     "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO",
     days(1997, 9, 22) + days(1997, 10, 20) + days(1997, 11, 17) + days(1997, 12, 22) + days(1998, 1, 19)
     + days(1998, 2, 16)),
    ("Monthly on the third-to-the-last day of the month, forever", date(1997, 9, 28), "FREQ=MONTHLY;BYMONTHDAY=-3",
     days(1997, 9, 28) + days(1997, 10, 29) + days(1997, 11, 28) + days(1997, 12, 29) + days(1998, 1, 29)
     + days(1998, 2, 26)),
    ("Monthly on the 2nd and 15th of the month for 10 occurrences", date(1997, 9, 2),
     "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15",
     days(1997, 9, 2, 15) + days(1997, 10, 2, 15) + days(1997, 11, 2, 15) + days(1997, 12, 2, 15)
     + days(1998, 1, 2, 15)),
    ("Monthly on the first and last day of the month for 10 occurrences", date(1997, 9, 30),
     "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1",
     days(1997, 9, 30) + days(1997, 10, 1, 31) + days(1997, 11, 1, 30) + days(1997, 12, 1, 31)
     + days(1998, 1, 1, 31) + days(1998, 2, 1)),
    ("Every 18 months on the 10th thru 15th of the month for 10 occurrences", date(1997, 9, 10),
     "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15",
     days(1997, 9, 10, 11, 12, 13, 14, 15) + days(1999, 3, 10, 11, 12, 13)),
    ("Every Tuesday, every other month", date(1997, 9, 2), "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU",
     days(1997, 9, 2, 9, 16, 23, 30) + days(1997, 11, 4, 11, 18, 25) + days(1998, 1, 6, 13, 20, 27)
     + days(1998, 3, 3, 10, 17, 24, 31)),
    ("Yearly in June and July for 10 occurrences", date(1997, 6, 10), "FREQ=YEARLY;COUNT=10;BYMONTH=6,7",
     [date(y, m, 10) for y in range(1997, 2002) for m in (6, 7)]),
    ("Every other year on January, February, and March for 10 occurrences", date(1997, 3, 10),
     "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3",
     [date(1997, 3, 10)] + [date(y, m, 10) for y in (1999, 2001, 2003) for m in (1, 2, 3)]),
    ("Every third year on the 1st, 100th, and 200th day for 10 occurrences", date(1997, 1, 1),
     "FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200",
     [date(1997, 1, 1), date(1997, 4, 10), date(1997, 7, 19), date(2000, 1, 1), date(2000, 4, 9),
      date(2000, 7, 18), date(2003, 1, 1), date(2003, 4, 10), date(2003, 7, 19), date(2006, 1, 1)]),
    ("Every 20th Monday of the year, forever", date(1997, 5, 19), "FREQ=YEARLY;BYDAY=20MO",
     [date(1997, 5, 19), date(1998, 5, 18), date(1999, 5, 17)]),
    ("Monday of week number 20, forever", date(1997, 5, 12), "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
     [date(1997, 5, 12), date(1998, 5, 11), date(1999, 5, 17)]),
    ("Every Thursday in March, forever", date(1997, 3, 13), "FREQ=YEARLY;BYMONTH=3;BYDAY=TH",
     days(1997, 3, 13, 20, 27) + days(1998, 3, 5, 12, 19, 26) + days(1999, 3, 4, 11, 18, 25)),
    ("Every Friday the 13th, forever", date(1997, 9, 2), "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
     [date(1998, 2, 13), date(1998, 3, 13), date(1998, 11, 13), date(1999, 8, 13), date(2000, 10, 13)]),
    ("The first Saturday that follows the first Sunday of the month, forever", date(1997, 9, 13),
     "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13",
     days(1997, 9, 13) + days(1997, 10, 11) + days(1997, 11, 8) + days(1997, 12, 13) + days(1998, 1, 10)
     + days(1998, 2, 7) + days(1998, 3, 7) + days(1998, 4, 11) + days(1998, 5, 9) + days(1998, 6, 13)),
    ("Every 4 years, the first Tuesday after a Monday in November (U.S. Presidential Election day)",
     date(1996, 11, 5), "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8",
     [date(1996, 11, 5), date(2000, 11, 7), date(2004, 11, 2)]),
    ("The third instance into the month of one of Tuesday, Wednesday, or Thursday, for the next 3 months",
     date(1997, 9, 4), "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3",
     [date(1997, 9, 4), date(1997, 10, 7), date(1997, 11, 6)]),
    ("The second-to-last weekday of the month", date(1997, 9, 29), "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
     [date(1997, 9, 29), date(1997, 10, 30), date(1997, 11, 27), date(1997, 12, 30), date(1998, 1, 29),
      date(1998, 2, 26), date(1998, 3, 30)]),
    ("WKST=MO changes the days", date(1997, 8, 5), "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
     days(1997, 8, 5, 10, 19, 24)),
    ("WKST=SU changes the days", date(1997, 8, 5), "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
     days(1997, 8, 5, 17, 19, 31)),
    ("An invalid date (February 30) is ignored", date(2007, 1, 15), "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5",
     [date(2007, 1, 15), date(2007, 1, 30), date(2007, 2, 15), date(2007, 3, 15), date(2007, 3, 30)]),
]


@pytest.mark.parametrize(("name", "start", "rule", "expected"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_rfc_5545_examples(name, start, rule, expected):
    assert expand(rule, start, max(expected))[:len(expected)] == expected


@pytest.mark.parametrize("rule", ["RRULE:FREQ=DAILY;UNTIL=19971224T000000Z",
                                  "FREQ=WEEKLY;UNTIL=19971007T000000Z;BYDAY=TU,TH"])
def test_until_in_utc_is_accepted_in_the_preview(rule):
    """RFC 5545 §3.3.10: with a start in a time zone, UNTIL must be in UTC; dateutil refused it."""
    shown = preview(rule, [{"start": "09:00", "end": "10:00"}], date(1997, 9, 2), NEW_YORK, count=200)
    assert shown[-1][0].date() in (date(1997, 12, 23), date(1997, 10, 2))


def test_a_local_until_date_ends_before_that_day_s_work():
    """UNTIL=19971224 is midnight there: the work at 09:00 on the 24th is past it (one too many before)."""
    local = expand("FREQ=DAILY;UNTIL=19971224", date(1997, 9, 2), date(1997, 12, 31))
    utc = expand("FREQ=DAILY;UNTIL=19971224T000000Z", date(1997, 9, 2), date(1997, 12, 31))
    assert local[-1] == utc[-1] == date(1997, 12, 23)
    assert len(local) == 113


def test_until_in_utc_counts_in_the_plan_s_zone():
    """In Shanghai (UTC+8) 2026-01-10T00:00Z is 08:00 there: the 07:00 window of the 10th is still in."""
    shanghai = ZoneInfo("Asia/Shanghai")
    shown = preview("FREQ=DAILY;UNTIL=20260110T000000Z", [{"start": "07:00", "end": "09:00"}], date(2026, 1, 1),
                    shanghai, count=30)
    assert [start.date() for start, _ in shown][-1] == date(2026, 1, 10)
    shown = preview("FREQ=DAILY;UNTIL=20260110T000000Z", [{"start": "09:00", "end": "10:00"}], date(2026, 1, 1),
                    shanghai, count=30)
    assert [start.date() for start, _ in shown][-1] == date(2026, 1, 9)


@pytest.mark.parametrize("rule", ["FREQ=HOURLY;INTERVAL=3", "FREQ=DAILY;BYHOUR=9", "FREQ=MINUTELY;INTERVAL=15"])
def test_rules_by_the_hour_are_refused_the_windows_give_the_hours(rule):
    with pytest.raises(DomainError):
        parse_rule(rule, date(1997, 9, 2), tz=NEW_YORK)
