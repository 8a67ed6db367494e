"""The annual report: plan versus actual, computed in SQL aggregates by DOMAIN.md's rules.

The counts come from lms.reports.counting (a bounded number of grouped scans over the
rollups); this module lays them out per program, quarter, month and unit, with the plan.
Unique trainees are counted per person and never summed from rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.classes.models import Program
from lms.core.clock import local_now
from lms.extensions import db
from lms.reports.counting import Counts
from lms.reports.models import AnnualPlan
from lms.units.models import Unit

# The footnote every report carries (screen, XLSX notes sheet, PDF).
COUNTING_RULES = (
    _l(
        "Year of a class: the year of its first session that is not cancelled; cancelled "
        "classes never count."
    ),
    _l(
        "Class held: a class of that year with at least one session whose attendance has "
        "been taken."
    ),
    _l(
        "Trainee-attendance: an enrolment in a held class whose trainee was present or "
        "late at one session or more; a person in three classes counts three times."
    ),
    _l(
        "Unique trainees: distinct people behind the trainee-attendances; each total is "
        "its own count, never a sum of rows."
    ),
    _l(
        "Participation: trainees present or late at least once ÷ trainees enrolled, "
        "pooled over the held classes of the row."
    ),
    _l(
        "Completions: enrolments marked completed at close-out; certificates: valid (not "
        "revoked) certificates, a reissue counted once."
    ),
    _l(
        "Achievement: actual ÷ planned × 100, a whole percent rounded half up; “—” where "
        "nothing was planned."
    ),
    _l(
        "Quarters and months follow the date of a class's first session; units are those "
        "recorded on each enrolment when it was made."
    ),
)


def achievement(actual: int, planned: int | None) -> int | None:
    """actual ÷ planned × 100 as a whole percent, rounded half up (integers only: 116.5 → 117)."""
    if not planned:
        return None
    return (actual * 200 + planned) // (planned * 2)


def ratio_pct(part: int, whole: int, places: int = 0) -> Decimal | None:
    if not whole:
        return None
    exponent = Decimal(1).scaleb(-places)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(exponent, rounding=ROUND_HALF_UP)


@dataclass
class Row:
    key: object  # program id, quarter, month, unit id; None for the total
    label: str
    code: str = ""
    planned_classes: int | None = None
    held_classes: int = 0
    planned_attendances: int | None = None
    trainee_attendances: int = 0
    unique_trainees: int = 0
    enrolled: int = 0
    completions: int = 0
    certificates: int = 0

    @property
    def classes_pct(self) -> int | None:
        return achievement(self.held_classes, self.planned_classes)

    @property
    def attendances_pct(self) -> int | None:
        return achievement(self.trainee_attendances, self.planned_attendances)

    @property
    def participation_pct(self) -> int | None:
        value = ratio_pct(self.trainee_attendances, self.enrolled)
        return None if value is None else int(value)

    @property
    def participation_exact(self) -> Decimal | None:
        """One decimal, for the dashboard ("97,8%")."""
        return ratio_pct(self.trainee_attendances, self.enrolled, 1)


@dataclass
class YearReport:
    year: int
    as_of: date | None  # None: the full year
    programs: list[Row] = field(default_factory=list)
    quarters: list[Row] = field(default_factory=list)
    months: list[Row] = field(default_factory=list)
    units: list[Row] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row(None, "TOTAL", "TOTAL"))
    conferences: Row = field(default_factory=lambda: Row(None, "", ""))
    read_at: datetime | None = None  # when the rows were read, on the center's clock

    @property
    def has_plan(self) -> bool:
        return self.total.planned_classes is not None


def _fill(row: Row, counts: Counts, group) -> Row:
    row.held_classes = counts.held_classes.get(group, 0)
    row.enrolled = counts.enrolled.get(group, 0)
    row.trainee_attendances = counts.participants.get(group, 0)
    row.unique_trainees = counts.unique.get(group, 0)
    row.completions = counts.completions.get(group, 0)
    row.certificates = counts.certificates.get(group, 0)
    return row


class _Plan(NamedTuple):
    """A program's plan for the year (to date: the quarters up to as_of where it is split)."""

    classes: int | None
    attendances: int | None
    quarter_classes: list  # q1..q4, None where not split
    quarter_attendances: list


def _plans(year: int, as_of: date | None) -> dict[int, _Plan]:
    """{program id: its plan}; to date the quarters up to as_of where the plan is split by
    quarter."""
    plans = {}
    for plan in db.session.scalars(select(AnnualPlan).where(AnnualPlan.year == year)):
        qc = [getattr(plan, f"q{q}_classes") for q in range(1, 5)]
        qa = [getattr(plan, f"q{q}_attendances") for q in range(1, 5)]
        classes, attendances = plan.planned_classes, plan.planned_attendances
        if as_of is not None:
            upto = (as_of.month - 1) // 3 + 1
            if None not in qc:
                classes = sum(qc[:upto])
            if None not in qa:
                attendances = sum(qa[:upto])
        plans[plan.program_id] = _Plan(classes, attendances, qc, qa)
    return plans


def _quarter_plan(plans: dict[int, _Plan], index: int, which: str) -> int | None:
    values = [getattr(p, which)[index] for p in plans.values()]
    if not values or None in values:
        return None
    return sum(values)


def compute_report(
    year: int, *, as_of: date | None = None, breakdowns: bool = True, months_only: bool = False
) -> YearReport:
    """The report of one year (to `as_of` when given and inside the year); `months_only`:
    the totals and the months (the previous year beside a dashboard)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    if as_of is not None and as_of >= end:
        as_of = None
    if as_of is not None and as_of < start:
        as_of = start
    report = YearReport(year=year, as_of=as_of, read_at=local_now())
    plans = _plans(year, as_of)

    wanted = breakdowns and not months_only
    counts = Counts.load(start, as_of or end, units=wanted, programs=wanted)
    total = report.total
    _fill(total, counts, None)
    if plans:
        total.planned_classes = sum(p.classes for p in plans.values())
        total.planned_attendances = sum(p.attendances for p in plans.values())
    if not breakdowns:
        return report
    if months_only:
        _months(report, counts)
        return report

    program_ids = {k[1] for k in counts.held_classes if k and k[0] == "p"} | set(plans)
    programs = db.session.scalars(
        select(Program).where(Program.id.in_(program_ids)).order_by(Program.code)
    )
    for program in programs:
        row = _fill(Row(program.id, program.name, program.code), counts, ("p", program.id))
        if program.id in plans:
            row.planned_classes = plans[program.id].classes
            row.planned_attendances = plans[program.id].attendances
        report.programs.append(row)
        if program.kind == "conference":
            # Additive counts only: pooled participation = Σ participants ÷ Σ enrolled.
            c = report.conferences
            c.held_classes += row.held_classes
            c.trainee_attendances += row.trainee_attendances
            c.enrolled += row.enrolled

    for quarter in range(1, 5):
        row = _fill(Row(quarter, str(_l("Quarter %(n)d", n=quarter))), counts, ("q", quarter))
        row.planned_classes = _quarter_plan(plans, quarter - 1, "quarter_classes")
        row.planned_attendances = _quarter_plan(plans, quarter - 1, "quarter_attendances")
        report.quarters.append(row)

    _months(report, counts)

    unit_ids = [k[1] for k in counts.enrolled if k and k[0] == "u"]
    units = db.session.execute(
        select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(unit_ids)).order_by(Unit.code)
    )
    for unit_id, code, name in units:
        report.units.append(_fill(Row(unit_id, name, code), counts, ("u", unit_id)))
    return report


def _months(report: YearReport, counts: Counts) -> None:
    for month in range(1, 13):
        row = Row(month, str(_l("Month %(n)d", n=month)))
        report.months.append(_fill(row, counts, ("m", month)))
