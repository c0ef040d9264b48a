"""Property tests: plan recurrence (generation agrees with the preview) and the art. 278 vote rule."""
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from propmgmt.handovers.rules import Vote, evaluate, vote_errors
from propmgmt.plans.generation import generate_tasks
from propmgmt.plans.models import ServicePlan, Task
from propmgmt.plans.recurrence import WEEKDAYS, build_rule, preview

from ..factories import CompoundFactory, ServiceStandardFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")

# --- Recurrence -----------------------------------------------------------------------------------

RAW_RULES = ["FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SA", "FREQ=MONTHLY;BYMONTHDAY=1,15,31", "FREQ=MONTHLY;BYDAY=-1FR",
             "FREQ=DAILY;COUNT=40", "FREQ=WEEKLY;INTERVAL=3", "FREQ=DAILY;UNTIL=20270301", "FREQ=YEARLY",
             "FREQ=DAILY;INTERVAL=7;BYDAY=MO"]

rules = st.one_of(
    st.sampled_from(["daily", "weekdays"]).map(build_rule),
    st.lists(st.sampled_from(WEEKDAYS), min_size=1, unique=True).map(
        lambda days: build_rule("chosen_weekdays", weekdays=days)),
    st.integers(1, 45).map(lambda n: build_rule("every_n_days", interval=n)),
    st.sampled_from(RAW_RULES),
    st.tuples(st.sampled_from(["DAILY", "WEEKLY"]), st.integers(1, 3), st.integers(1, 60)).map(
        lambda t: f"FREQ={t[0]};INTERVAL={t[1]};COUNT={t[2]}"),  # a rule that ends by counting from its start
)


@st.composite
def windows(draw):
    """1–3 windows that do not overlap, as the plan stores them ("HH:MM")."""
    minutes = sorted(draw(st.lists(st.integers(0, 24 * 60 - 1).map(lambda m: m - m % 15), min_size=2, max_size=6,
                                   unique=True)))
    pairs = [(minutes[i], minutes[i + 1]) for i in range(0, len(minutes) - 1, 2)]
    return [{"start": f"{a // 60:02d}:{a % 60:02d}", "end": f"{b // 60:02d}:{b % 60:02d}"} for a, b in pairs]


@st.composite
def plan_cases(draw):
    starts_on = draw(st.dates(date(2025, 1, 1), date(2027, 12, 31)))
    # the generating day: before the plan starts, soon after, or long after (the fast restart in recurrence.py)
    today = starts_on + timedelta(days=draw(st.integers(-20, 120) | st.integers(120, 600)))
    through = today + timedelta(days=draw(st.integers(3, 45)))
    ends_on = draw(st.none() | st.integers(-10, 60).map(lambda n: max(starts_on, today + timedelta(days=n))))
    skip = draw(st.lists(st.integers(-3, 45).map(lambda n: today + timedelta(days=n)), max_size=5))
    # "now" anywhere in the generating day: windows already over that day are no obligation
    now = datetime.combine(today, time(), tzinfo=SHANGHAI) + timedelta(minutes=draw(st.integers(0, 24 * 60 - 1)))
    return dict(rrule=draw(rules), windows=draw(windows()), starts_on=starts_on, ends_on=ends_on,
                skip_dates=sorted({d.isoformat() for d in skip}), now=now.astimezone(timezone.utc), through=through)


@pytest.fixture
def compound_and_standard(db):
    return CompoundFactory(), ServiceStandardFactory()


@settings(max_examples=60)
@given(case=plan_cases())
def test_generated_tasks_are_the_previewed_occurrences(db, compound_and_standard, case):
    compound, standard = compound_and_standard
    plan = ServicePlan(compound_id=compound.id, service_type_id=standard.service_type_id,
                       rrule=case["rrule"], windows=case["windows"], starts_on=case["starts_on"],
                       ends_on=case["ends_on"], skip_dates=case["skip_dates"], timezone="Asia/Shanghai")
    db.session.add(plan)
    db.session.flush()
    now, through = case["now"], case["through"]

    generate_tasks(through, now=now, plan_ids=[plan.id])
    tasks = db.session.execute(select(Task.window_start, Task.window_end).where(Task.plan_id == plan.id)
                               .order_by(Task.window_start)).all()
    generated = [(start, end) for start, end in tasks]

    last = min(through, case["ends_on"]) if case["ends_on"] else through
    skip = {date.fromisoformat(d) for d in case["skip_dates"]}
    previewed = preview(case["rrule"], case["windows"], case["starts_on"], SHANGHAI, count=100_000, ends_on=last,
                        skip=skip) if last >= case["starts_on"] else []
    expected = [(s.astimezone(timezone.utc), e.astimezone(timezone.utc)) for s, e in previewed if e > now]
    assert generated == expected

    # The first ten shown on the form are the start of the same list, strictly increasing.
    if last >= case["starts_on"]:
        first_ten = preview(case["rrule"], case["windows"], case["starts_on"], SHANGHAI, ends_on=case["ends_on"],
                            skip=skip)
        longer = preview(case["rrule"], case["windows"], case["starts_on"], SHANGHAI, count=30,
                         ends_on=case["ends_on"], skip=skip)
        assert first_ten == longer[:10]
        assert all(a[0] < b[0] for a, b in zip(longer, longer[1:]))
    window_times = {(time.fromisoformat(w["start"]), time.fromisoformat(w["end"])) for w in case["windows"]}
    for start, end in generated:  # stored in UTC, on the plan's local days and times
        assert start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0)
        local_start, local_end = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
        assert (local_start.time(), local_end.time()) in window_times
        assert local_start.date() not in skip and case["starts_on"] <= local_start.date() <= last
    assert len(set(generated)) == len(generated)
    assert all(a[0] < b[0] for a, b in zip(generated, generated[1:]))

    assert generate_tasks(through, now=now, plan_ids=[plan.id])["created"] == 0  # idempotent


# --- Art. 278 ------------------------------------------------------------------------------------

@st.composite
def votes(draw, valid=True):
    """A possible vote; areas in whole hundredths of a square metre, as the form takes them."""
    total = draw(st.integers(1, 5000))
    part = draw(st.integers(0, total))
    favour = draw(st.integers(0, part))
    total_area = draw(st.integers(1, 10**9))
    part_area = draw(st.integers(0, total_area))
    favour_area = draw(st.integers(0, part_area))
    cents = lambda n: Decimal(n) / 100  # noqa: E731
    return Vote(total, cents(total_area), part, cents(part_area), favour, cents(favour_area))


def oracle(vote: Vote) -> tuple[bool, bool, bool, bool]:
    """The rule by integer cross-multiplication of hundredths: no fractions, no floats."""
    c = lambda area: int(area * 100)  # noqa: E731  (exact: the areas are whole hundredths)
    return (3 * vote.participating_owners >= 2 * vote.total_owners,
            3 * c(vote.participating_area) >= 2 * c(vote.total_area),
            2 * vote.favour_owners > vote.participating_owners,
            2 * c(vote.favour_area) > c(vote.participating_area))


@settings(max_examples=300)
@given(vote=votes())
def test_the_rule_equals_integer_cross_multiplication(vote):
    result = evaluate(vote)
    assert (result.participation_by_owners, result.participation_by_area, result.approval_by_owners,
            result.approval_by_area) == oracle(vote)
    assert result.passes == all(oracle(vote))
    assert vote_errors(vote) == []


@settings(max_examples=300)
@given(vote=votes(), area=st.integers(0, 10**6))
def test_one_more_consenting_owner_never_turns_a_pass_into_a_fail(vote, area):
    if vote.participating_owners == vote.total_owners:
        return  # everybody took part already: nobody left to add
    extra = min(Decimal(area) / 100, vote.total_area - vote.participating_area)
    more = Vote(vote.total_owners, vote.total_area, vote.participating_owners + 1, vote.participating_area + extra,
                vote.favour_owners + 1, vote.favour_area + extra)
    assert vote_errors(more) == []
    if evaluate(vote).passes:
        assert evaluate(more).passes


@settings(max_examples=200)
@given(total=st.integers(1, 100_000))
def test_the_thresholds_are_exact_in_owners(total):
    needed = -(-2 * total // 3)  # the smallest whole number of owners that is at least two thirds
    area = Decimal(total)

    def passes_with(part, favour):
        return evaluate(Vote(total, area, part, area, favour, area)).participation_by_owners, \
            evaluate(Vote(total, area, part, area, favour, area)).approval_by_owners

    assert passes_with(needed, needed)[0]
    if needed > 0:
        assert not passes_with(needed - 1, needed - 1)[0]
    majority = needed // 2 + 1  # the smallest number that is more than half of those taking part
    assert passes_with(needed, majority)[1]
    assert not passes_with(needed, majority - 1)[1]


@settings(max_examples=200)
@given(total_cents=st.integers(1, 10**10))
def test_the_thresholds_are_exact_in_area(total_cents):
    """To the hundredth of a square metre: the least area that is two thirds takes part, a hundredth less does not."""
    needed = -(-2 * total_cents // 3)
    majority = needed // 2 + 1
    total = Decimal(total_cents) / 100

    def result(part_cents, favour_cents):
        return evaluate(Vote(3, total, 3, Decimal(part_cents) / 100, 2, Decimal(favour_cents) / 100))

    assert result(needed, majority).participation_by_area and result(needed, majority).approval_by_area
    assert not result(needed - 1, majority).participation_by_area
    assert not result(needed, majority - 1).approval_by_area


@settings(max_examples=200)
@given(vote=votes(), scale=st.sampled_from(["1", "0.01", "10", "1.00", "100000"]))
def test_the_unit_of_area_does_not_matter(vote, scale):
    k = Decimal(scale)
    scaled = Vote(vote.total_owners, vote.total_area * k, vote.participating_owners, vote.participating_area * k,
                  vote.favour_owners, vote.favour_area * k)
    assert evaluate(scaled) == evaluate(vote)


@settings(max_examples=200)
@given(vote=votes(), field=st.sampled_from(["participating_owners", "participating_area", "favour_owners",
                                            "favour_area"]))
def test_counts_that_cannot_be_true_are_refused(vote, field):
    values = vars(vote).copy()
    limit = {"participating_owners": vote.total_owners, "participating_area": vote.total_area,
             "favour_owners": vote.participating_owners, "favour_area": vote.participating_area}[field]
    values[field] = limit + (1 if "owners" in field else Decimal("0.01"))
    errors = vote_errors(Vote(**values))
    assert field in {name for name, _message in errors}
