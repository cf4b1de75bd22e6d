"""Property tests: rounding (四舍五入 without float surprises), exact totals, and the
boundaries of periods and windows, over wide inputs (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from daoshi.policy.appraisal import appraise, load_rubrics
from daoshi.policy.obligations import MET, ObligationEngine
from daoshi.policy.points import rounded, shown
from daoshi.policy.rubric import Inputs
from daoshi.policy.rubric_surveys import thirds
from daoshi.records.model import SurveyResult, record_window
from daoshi.year.surveys import mean_text
from tests.test_obligations import AUTUMN, FORMS, make_school, record

RUBRICS = load_rubrics(FORMS)
MODES = {"half-up": ROUND_HALF_UP, "half-even": ROUND_HALF_EVEN, "down": ROUND_DOWN}
decimals6 = st.decimals(
    min_value=Decimal("-1000"), max_value=Decimal("1000"), places=6, allow_nan=False
)


@given(decimals6, st.integers(0, 4), st.sampled_from(sorted(MODES)))
def test_rounding_agrees_with_decimal_quantize(value: Decimal, places: int, mode: str) -> None:
    # Decimal's own quantize is the reference: exact decimal arithmetic, no binary float
    expected = value.quantize(Decimal(1).scaleb(-places), rounding=MODES[mode])
    assert rounded(Fraction(value), places, mode) == expected


@given(st.fractions(min_value=-1000, max_value=1000, max_denominator=10_000), st.integers(0, 3))
def test_half_up_is_nearest_and_halves_go_away_from_zero(value: Fraction, places: int) -> None:
    got = Fraction(rounded(value, places))
    step = Fraction(1, 10**places)
    assert abs(got - value) <= step / 2
    if abs(got - value) == step / 2:  # a half: away from zero (四舍五入)
        assert abs(got) > abs(value)


@given(st.integers(1, 5), st.integers(0, 5))
def test_two_halves_that_floats_get_wrong(tenths: int, hundredths: int) -> None:
    # x.x5 values such as 2.675 are below the half as binary floats (round(2.675, 2) is
    # 2.67); written as decimals they are exactly half and go up
    text = f"{tenths}.{hundredths}5"
    assert rounded(Fraction(text), 1) == Decimal(text).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _survey(mentor: str, who: str, mean: Decimal) -> SurveyResult:
    scores = dict.fromkeys(("method", "attitude", "frequency", "effect"), float(mean))
    return SurveyResult(AUTUMN.id, mentor, who, 10, MappingProxyType(scores))


ratings = st.decimals(min_value=1, max_value=5, places=2)


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=30, places=2), ratings, ratings)
def test_qingpu_total_is_the_exact_sum_rounded_once(
    grade: Decimal, students: Decimal, parents: Decimal
) -> None:
    school = make_school(
        [],
        {"T1": ("S1",)},
        policies=("qingpu-exp",),
        surveys=(_survey("T1", "students", students), _survey("T1", "parents", parents)),
    )
    inputs = Inputs(grade_scores={"T1": (float(grade), "a.yaml:1:1")})
    score = appraise(school, AUTUMN_Q, RUBRICS["qingpu-exp"], inputs).of("T1")
    assert score is not None
    # the hand count: 30 + mean ÷ 5 × 40 + mean ÷ 5 × 30, exact, then one decimal half up
    exact = grade + students / 5 * 40 + parents / 5 * 30
    assert Decimal(score.total_text) == exact.quantize(Decimal("0.1"), ROUND_HALF_UP)


AUTUMN_Q = dataclasses.replace(AUTUMN, policies=("qingpu-exp",))


@given(st.integers(1, 12), st.data())
def test_per_round_shares_stay_exact(rounds: int, data: st.DataObject) -> None:
    met = data.draw(st.integers(0, rounds))
    share = Fraction(20, rounds)
    total = share * met
    # no share is rounded before the sum: met rounds of 20/n add up to exactly 20·met/n
    assert total == Fraction(20 * met, rounds)
    assert rounded(total, 2) == (Decimal(20 * met) / Decimal(rounds)).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )


@given(st.integers(0, 2000))
def test_thirds_cover_everyone_and_differ_by_at_most_one(n: int) -> None:
    for rule in ("larger-top", "larger-bottom"):
        sizes = thirds(n, rule)
        assert sum(sizes) == n and max(sizes) - min(sizes) <= 1
        if rule == "larger-top":
            assert sizes[0] >= sizes[1] >= sizes[2]
        else:
            assert sizes[2] >= sizes[1] >= sizes[0]


@given(st.fractions(min_value=0, max_value=100, max_denominator=1000))
def test_a_stored_mean_is_exact_or_within_half_a_unit_of_the_12th_decimal(value: Fraction) -> None:
    stored = Fraction(Decimal(mean_text(value)))
    assert abs(stored - value) <= Fraction(1, 2 * 10**12)
    if (value * 10**12).denominator == 1:
        assert stored == value


days = st.integers(-60, 160)  # around the autumn semester: 1 Sep 2025 – 20 Jan 2026


@settings(deadline=None)
@given(days)
def test_a_home_visit_counts_from_30_days_before_the_first_day(offset: int) -> None:
    day = AUTUMN.start + dt.timedelta(days=offset)
    school = make_school([record("home-visit", day, ("S1",))], {"T001": ("S1",)})
    engine = ObligationEngine(school, school.semesters[0])
    (visit,) = [
        c
        for c in engine.student_checks("S1", dt.date(2026, 2, 1))
        if c.obligation.id == "home-visit"
    ]
    window = record_window(school.forms, school.semesters[0], "home-visit")
    inside = AUTUMN.start - dt.timedelta(days=30) <= day <= AUTUMN.end
    assert window == (AUTUMN.start - dt.timedelta(days=30), AUTUMN.end)  # X207 allows it
    assert (visit.status == MET) == inside


@settings(deadline=None)
@given(days)
def test_a_growth_message_counts_in_the_last_four_weeks_only(offset: int) -> None:
    day = AUTUMN.start + dt.timedelta(days=offset)
    school = make_school([record("growth-message", day, ("S1",))], {"T001": ("S1",)})
    engine = ObligationEngine(school, school.semesters[0])
    (message,) = [
        c
        for c in engine.student_checks("S1", dt.date(2026, 2, 1))
        if c.obligation.id == "growth-message"
    ]
    # the last 4 weeks of a semester ending 20 January: 24 December to 20 January, both in
    assert (message.status == MET) == (dt.date(2025, 12, 24) <= day <= AUTUMN.end)


@settings(deadline=None)
@given(st.integers(0, 141))
def test_after_a_change_of_mentor_the_new_mentor_answers(offset: int) -> None:
    change = AUTUMN.start + dt.timedelta(days=offset)  # the new mentor's first day
    school = make_school([], {"T001": ("S1",), "T002": ("S1",)})
    old, new = school.pairings
    whole = (AUTUMN.start, AUTUMN.end)
    spans = {
        "T001": ((whole[0], change - dt.timedelta(days=1)),) if offset else (),
        "T002": ((change, whole[1]),),
    }
    pairings = tuple(
        dataclasses.replace(p, periods=MappingProxyType({"S1": spans[p.mentor]}))
        for p in (old, new)
        if spans[p.mentor]
    )
    school = dataclasses.replace(school, pairings=pairings)
    engine = ObligationEngine(school, school.semesters[0])
    checks = engine.student_checks("S1", dt.date(2026, 2, 1))
    # whoever is paired on the semester's last day answers; the former mentor never does
    assert {c.mentors for c in checks} == {("T002",)}
    assert engine.team_checks("T001", dt.date(2026, 2, 1)) == []
    assert school.is_mentee_on("T001", "S1", AUTUMN.id, change) is False
    assert school.is_mentee_on("T002", "S1", AUTUMN.id, change) is True


@given(st.fractions(min_value=-1000, max_value=1000, max_denominator=10_000))
def test_shown_points_are_the_two_decimal_rounding(value: Fraction) -> None:
    assert shown(value) == float(rounded(value, 2))
