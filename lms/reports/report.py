"""The annual report: plan versus actual, computed in SQL aggregates by DOMAIN.md's rules.

Reads the rollups only (ClassSession.marked_count, Enrollment.attended_count), never the
attendance table. First one aggregate over class_sessions gives each class its year (first
non-cancelled session) and whether it was held (a non-cancelled session with marks); then one
aggregate per breakdown over the enrolments of those held classes. Every total is its own
query: unique trainees are a COUNT(DISTINCT) and are never summed from rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, case, cast, distinct, extract, func, literal_column, select

from lms.certificates.models import Certificate
from lms.classes.models import Class, ClassSession, Program
from lms.enrollment.models import Enrollment
from lms.extensions import db
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

    @property
    def has_plan(self) -> bool:
        return self.total.planned_classes is not None


def _held_classes(start: date, end: date):
    """Held classes whose first non-cancelled session falls in [start, end], with their keys."""
    s = ClassSession
    first = func.min(s.on_date)
    per_class = (
        select(
            s.class_id.label("class_id"),
            first.label("first_date"),
            func.max(s.marked_count).label("max_marked"),
        )
        .where(s.cancelled_at.is_(None))
        .group_by(s.class_id)
        .having(first.between(start, end))
        .subquery("per_class")
    )
    month = cast(extract("month", per_class.c.first_date), Integer)
    return (
        select(
            per_class.c.class_id,
            Class.program_id.label("program_id"),
            month.label("month"),
            case((month <= 3, 1), (month <= 6, 2), (month <= 9, 3), else_=4).label("quarter"),
        )
        .join(Class, Class.id == per_class.c.class_id)
        .where(Class.cancelled_at.is_(None), per_class.c.max_marked > 0)
        # Materialised: the month and quarter are worked out once per class, not per enrolment.
        .cte("held")
        .prefix_with("MATERIALIZED")
    )


def _enrolment_measures(held, key=None, *, classes: bool = False) -> dict:
    """{key: (enrolled, participants, unique trainees, completions, classes)}: one scan of the
    enrolment rollups of the held classes; the distinct count is this grouping's own."""
    e = Enrollment
    attended = e.attended_count > 0
    columns = [
        func.count().label("enrolled"),
        func.count(case((attended, 1))).label("participants"),
        func.count(distinct(case((attended, e.user_id)))).label("unique_trainees"),
        func.count(case((e.outcome == "completed", 1))).label("completions"),
        # Held classes per unit (a class reaches many units): only asked for by unit.
        func.count(distinct(e.class_id)) if classes else literal_column("0"),
    ]
    query = (
        select(*([key] if key is not None else []), *columns)
        .select_from(held)
        .join(e, and_(e.class_id == held.c.class_id, e.status == "enrolled"))
    )
    if key is None:
        return {None: tuple(db.session.execute(query).one())}
    return {r[0]: tuple(r[1:]) for r in db.session.execute(query.group_by(key))}


@dataclass
class _Additive:
    """Counts that add up across rows (each class sits in one program and one month, each
    certificate in one enrolment): one grouped query each, rolled up to every breakdown."""

    classes: dict = field(default_factory=dict)  # by program, quarter, month, None (total)
    certificates: dict = field(default_factory=dict)  # also by ("unit", id)

    @classmethod
    def load(cls, held) -> _Additive:
        e = Enrollment
        additive = cls()
        classes = select(held.c.program_id, held.c.month, func.count()).group_by(
            held.c.program_id, held.c.month
        )
        certificates = (
            select(held.c.program_id, held.c.month, e.unit_id, func.count())
            .select_from(held)
            .join(e, and_(e.class_id == held.c.class_id, e.status == "enrolled"))
            .join(
                Certificate,
                and_(Certificate.enrollment_id == e.id, Certificate.revoked_at.is_(None)),
            )
            .group_by(held.c.program_id, held.c.month, e.unit_id)
        )
        for target, query in ((additive.classes, classes), (additive.certificates, certificates)):
            for *keys, count in db.session.execute(query):
                program_id, month = keys[0], keys[1]
                groups = [("p", program_id), ("q", (month - 1) // 3 + 1), ("m", month), None]
                if len(keys) == 3:
                    groups.append(("u", keys[2]))
                for group in groups:
                    target[group] = target.get(group, 0) + count
        return additive


def _fill(row: Row, measures: tuple | None, additive: _Additive, group, classes=None) -> Row:
    if measures:
        enrolled, participants, unique, completions, _classes = measures
        row.enrolled, row.trainee_attendances, row.unique_trainees = enrolled, participants, unique
        row.completions = completions
    row.certificates = additive.certificates.get(group, 0)
    row.held_classes = additive.classes.get(group, 0) if classes is None else classes
    return row


def _plans(year: int, as_of: date | None) -> dict[int, tuple[int, int, list, list]]:
    """{program id: (classes, attendances, [q1..q4 classes], [q1..q4 attendances])}; to date
    the quarters up to as_of where the plan is split by quarter."""
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
        plans[plan.program_id] = (classes, attendances, qc, qa)
    return plans


def _quarter_plan(plans, index: int, which: int) -> int | None:
    values = [p[which][index] for p in plans.values()]
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
    held = _held_classes(start, as_of or end)
    report = YearReport(year=year, as_of=as_of)
    plans = _plans(year, as_of)

    additive = _Additive.load(held)
    total = report.total
    _fill(total, _enrolment_measures(held)[None], additive, None)
    if plans:
        total.planned_classes = sum(p[0] for p in plans.values())
        total.planned_attendances = sum(p[1] for p in plans.values())
    if not breakdowns:
        return report
    if months_only:
        _months(report, held, additive)
        return report

    measures = _enrolment_measures(held, held.c.program_id)
    program_ids = set(measures) | {k[1] for k in additive.classes if k and k[0] == "p"}
    program_ids |= set(plans)
    programs = db.session.scalars(
        select(Program).where(Program.id.in_(program_ids)).order_by(Program.code)
    )
    for program in programs:
        row = Row(program.id, program.name, program.code)
        _fill(row, measures.get(program.id), additive, ("p", program.id))
        if program.id in plans:
            row.planned_classes, row.planned_attendances = plans[program.id][:2]
        report.programs.append(row)
        if program.kind == "conference":
            # Additive counts only: pooled participation = Σ participants ÷ Σ enrolled.
            c = report.conferences
            c.held_classes += row.held_classes
            c.trainee_attendances += row.trainee_attendances
            c.enrolled += row.enrolled

    measures = _enrolment_measures(held, held.c.quarter)
    for quarter in range(1, 5):
        row = Row(quarter, str(_l("Quarter %(n)d", n=quarter)))
        _fill(row, measures.get(quarter), additive, ("q", quarter))
        row.planned_classes = _quarter_plan(plans, quarter - 1, 2)
        row.planned_attendances = _quarter_plan(plans, quarter - 1, 3)
        report.quarters.append(row)

    _months(report, held, additive)

    # "+ 0": grouping on the bare column lets SQLite walk the whole enrolment table in unit
    # order (ix_enrollments_unit_id) instead of starting from the few held classes.
    unit_key = (Enrollment.unit_id + literal_column("0")).label("unit_key")
    measures = _enrolment_measures(held, unit_key, classes=True)
    units = db.session.execute(
        select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(measures)).order_by(Unit.code)
    )
    for unit_id, code, name in units:
        values = measures[unit_id]
        report.units.append(
            _fill(Row(unit_id, name, code), values, additive, ("u", unit_id), values[4])
        )
    return report


def _months(report: YearReport, held, additive: _Additive) -> None:
    measures = _enrolment_measures(held, held.c.month)
    for month in range(1, 13):
        row = Row(month, str(_l("Month %(n)d", n=month)))
        report.months.append(_fill(row, measures.get(month), additive, ("m", month)))
