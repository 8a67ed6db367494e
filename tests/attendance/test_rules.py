"""The attendance rate, completion and "at risk", on small hand-built cases (DOMAIN.md)."""

from datetime import date

import pytest

from lms.attendance.rules import SessionMark, summarise

D = [date(2026, 3, d) for d in range(1, 11)]


def marks(*statuses, held=None, cancelled=()):
    return [
        SessionMark(D[i], s, held=(held is None or i < held), cancelled=(i in cancelled))
        for i, s in enumerate(statuses)
    ]


def run(m, rule="absent", pct=80, enrolled_on=None):
    return summarise(m, enrolled_on=enrolled_on, excused_rule=rule, min_pct=pct)


def test_present_and_late_count_as_attended():
    s = run(marks("present", "late", "absent", "present", "present"))
    assert (s.attended, s.counted) == (4, 5)
    assert s.rate == 0.8
    assert s.meets_rule  # exactly 80% meets an 80% rule


def test_just_below_the_rule_does_not_complete():
    # 79/100 would round to 79; 4 of 6 = 66.7%
    s = run(marks("present", "present", "present", "present", "absent", "absent"))
    assert not s.meets_rule
    assert s.percent == 67


@pytest.mark.parametrize(
    ("rule", "attended", "counted", "meets"),
    [
        ("absent", 3, 5, False),  # excused is an absence: 3/5 = 60%
        ("present", 5, 5, True),  # excused counts as present: 5/5
        ("excluded", 3, 3, True),  # excused leaves the denominator: 3/3
    ],
)
def test_excused_rule(rule, attended, counted, meets):
    s = run(marks("present", "excused", "present", "excused", "present"), rule=rule)
    assert (s.attended, s.counted, s.meets_rule) == (attended, counted, meets)


def test_cancelled_sessions_are_outside_the_denominator():
    s = run(marks("present", None, "present", "absent", "present", cancelled=(1,)))
    assert (s.attended, s.counted) == (3, 4)


def test_sessions_before_the_enrollment_date_are_outside_numerator_and_denominator():
    # enrolled on the 3rd: a mark on the 1st (a walk-in earlier?) must not lift the rate
    s = run(marks("present", "absent", "present", "present"), enrolled_on=D[2])
    assert (s.attended, s.counted) == (2, 2)
    assert s.rate == 1.0


def test_not_yet_marked_never_counts_as_present_and_is_counted_as_missing():
    s = run(marks("present", None, "present", "present", "present"))
    assert (s.attended, s.counted, s.unmarked) == (4, 5, 1)


def test_sessions_still_to_come_are_remaining_not_counted():
    s = run(marks("present", "absent", None, None, None, held=2))
    assert (s.attended, s.counted, s.remaining) == (1, 2, 3)
    assert not s.meets_rule
    # best case 4/5 = 80%: still reachable, so "behind", not "at risk"
    assert s.behind
    assert not s.at_risk


def test_at_risk_when_even_all_remaining_sessions_cannot_reach_the_rule():
    s = run(marks("absent", "absent", None, None, None, held=2))
    # best case 3/5 = 60% < 80%
    assert s.at_risk
    assert not s.behind


def test_at_risk_with_cancelled_future_session_left_out():
    # 1/2 held, 2 to come but one cancelled: best 2/3 = 67% < 80%
    s = run(marks("present", "absent", None, None, held=2, cancelled=(3,)))
    assert s.remaining == 1
    assert s.at_risk


def test_a_trainee_meeting_the_rule_is_neither_behind_nor_at_risk():
    s = run(marks("present", "present", None, held=2))
    assert s.meets_rule
    assert not s.behind
    assert not s.at_risk


def test_nothing_counted_has_no_rate_and_completes_only_a_zero_rule():
    s = run(marks("excused", "excused"), rule="excluded")
    assert s.counted == 0
    assert s.rate is None
    assert s.percent is None
    assert not s.meets_rule
    assert s.at_risk
    assert run(marks("excused"), rule="excluded", pct=0).meets_rule


def test_rule_edges_are_compared_without_float_error():
    # 7 of 10 with a 70% rule: 0.7 * 100 might be 69.99999 in floats
    s = run(marks(*(["present"] * 7 + ["absent"] * 3)), pct=70)
    assert s.meets_rule
    # 2 of 3 with a 67% rule: 66.67% < 67
    assert not run(marks("present", "present", "absent"), pct=67).meets_rule


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="excused"):
        run(marks("present"), rule="whatever")
