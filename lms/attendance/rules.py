"""Pure rules of attendance: the attendance rate, completion and "at risk" (DOMAIN.md).

One function, `summarise`, is used by close-out, the class grid and the trainee's own view,
so the three can never disagree. It takes plain values and touches no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

ATTENDED = frozenset({"present", "late"})


@dataclass(frozen=True)
class SessionMark:
    """One session of the class as seen by one enrolment."""

    on_date: date
    status: str | None  # present / late / excused / absent; None: not yet marked
    held: bool = True  # the session has started (False: still to come)
    cancelled: bool = False


@dataclass(frozen=True)
class Summary:
    attended: int  # numerator: present + late (+ excused when the rule counts it as present)
    counted: int  # denominator: sessions held while enrolled (minus excused when excluded)
    unmarked: int  # held sessions while enrolled that have no mark yet
    remaining: int  # sessions still to come while enrolled (not cancelled)
    min_pct: int

    @property
    def rate(self) -> float | None:
        """attended ÷ counted as a fraction; None when nothing counts yet."""
        return self.attended / self.counted if self.counted else None

    @property
    def percent(self) -> int | None:
        """The rate as a whole percent, rounded half up (for display only)."""
        if not self.counted:
            return None
        return (self.attended * 200 + self.counted) // (2 * self.counted)

    @property
    def meets_rule(self) -> bool:
        """rate × 100 ≥ min_pct, compared in integers (no float rounding at the edge).

        With nothing to count (every session excluded) there is no rate: only a 0% rule is met.
        """
        if not self.counted:
            return self.min_pct == 0
        return self.attended * 100 >= self.min_pct * self.counted

    @property
    def at_risk(self) -> bool:
        """Cannot reach the rule any more, even present at every remaining session."""
        best_attended = self.attended + self.remaining
        best_counted = self.counted + self.remaining
        if not best_counted:
            return self.min_pct > 0
        return best_attended * 100 < self.min_pct * best_counted

    @property
    def behind(self) -> bool:
        """Below the rule today but still able to reach it."""
        return not self.meets_rule and not self.at_risk


def summarise(
    marks: Iterable[SessionMark],
    *,
    enrolled_on: date | None,
    excused_rule: str,
    min_pct: int,
) -> Summary:
    """Attendance of one enrolment by its class's rule.

    - Cancelled sessions and sessions before the enrolment date are outside the count
      (numerator and denominator alike: a mark there cannot lift the rate above 100%).
    - "Not yet marked" never counts as attended; a held session without a mark stays in the
      denominator (close-out refuses to run while any exists).
    - excused_rule: "absent" (an absence), "present" (attended) or "excluded" (leaves the
      denominator).
    """
    if excused_rule not in ("absent", "present", "excluded"):
        raise ValueError(f"unknown excused rule {excused_rule!r}")
    attended = counted = unmarked = remaining = 0
    for mark in marks:
        if mark.cancelled or (enrolled_on is not None and mark.on_date < enrolled_on):
            continue
        if not mark.held:
            remaining += 1
            continue
        if mark.status is None:
            unmarked += 1
            counted += 1
        elif mark.status in ATTENDED:
            attended += 1
            counted += 1
        elif mark.status == "excused":
            if excused_rule == "present":
                attended += 1
                counted += 1
            elif excused_rule == "absent":
                counted += 1
            # "excluded": neither numerator nor denominator
        else:
            counted += 1
    return Summary(attended, counted, unmarked, remaining, min_pct)
