"""The counts behind the annual report, in a bounded number of grouped SQL scans.

Reads the rollups only (ClassSession.marked_count, Enrollment.attended_count), never the
attendance table: one aggregate over class_sessions finds the held classes of the period with
their keys; then one scan per class (enrolled, participants, completions), one for
certificates, one grouped by person (unique trainees per program, quarter, month and in total)
and one per unit. Counts that add up are rolled up from the finest grouping; unique trainees
never are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    case,
    cast,
    distinct,
    extract,
    func,
    literal,
    literal_column,
    select,
)

from lms.certificates.models import Certificate
from lms.classes.models import Class, ClassSession
from lms.enrollment.models import Enrollment
from lms.extensions import db

# Unique trainees are counted in one pass grouped by person (see Counts._unique): per person,
# how many of their trainee-attendances fall in each program and month, packed as 8-bit fields
# into integers (7 fields in 63 bits); a field never overflows while a person has fewer than
# 256 trainee-attendances in the year, else the report falls back to COUNT(DISTINCT).
_FIELD_BITS = 8
_PER_INT = 7
_LIMIT = 1 << _FIELD_BITS


def _packed(index, k: int):
    """The field of `index` (0-based) in packed integer k: 1 << (8 × position), or 0."""
    shift = cast((index - k * _PER_INT) * _FIELD_BITS, Integer).self_group()
    one = literal(1, BigInteger)
    return case(
        (index.between(k * _PER_INT, k * _PER_INT + _PER_INT - 1), one.op("<<")(shift)),
        else_=literal(0, BigInteger),
    )


def held_classes(start: date, end: date, programs: int | None = None):
    """Held classes whose first non-cancelled session falls in [start, end], with their keys;
    with `programs` (how many programs these classes have; 0: months only) the packed fields."""
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
    pidx = func.dense_rank().over(order_by=Class.program_id) - 1
    fields = [_packed(pidx, k).label(f"p{k}") for k in range(-(-(programs or 0) // _PER_INT))]
    fields += (
        [_packed(month - 1, k).label(f"m{k}") for k in range(2)] if programs is not None else []
    )
    return (
        select(
            per_class.c.class_id,
            Class.program_id.label("program_id"),
            month.label("month"),
            case((month <= 3, 1), (month <= 6, 2), (month <= 9, 3), else_=4).label("quarter"),
            *fields,
        )
        .join(Class, Class.id == per_class.c.class_id)
        .where(Class.cancelled_at.is_(None), per_class.c.max_marked > 0)
        # Materialised: keys and fields are worked out once per class, not per enrolment.
        .cte("held")
        .prefix_with("MATERIALIZED")
    )


def _attended(held):
    e = Enrollment
    return and_(e.class_id == held.c.class_id, e.status == "enrolled", e.attended_count > 0)


@dataclass
class Counts:
    """Every count of the report keyed by group: ("p", program id), ("q", n), ("m", n),
    ("u", unit id), None (the total). Additive counts come from the finest grouping (program ×
    month × unit; each class sits in one program and one month, each enrolment in one unit)
    and are rolled up; unique trainees are counted per person, never summed from rows."""

    held_classes: dict = field(default_factory=dict)
    enrolled: dict = field(default_factory=dict)
    participants: dict = field(default_factory=dict)
    completions: dict = field(default_factory=dict)
    certificates: dict = field(default_factory=dict)
    unique: dict = field(default_factory=dict)

    @staticmethod
    def _add(target: dict, groups, count: int) -> None:
        for group in groups:
            target[group] = target.get(group, 0) + count

    @staticmethod
    def _groups(program_id, month) -> list:
        return [("p", program_id), ("q", (month - 1) // 3 + 1), ("m", month), None]

    @classmethod
    def load(cls, start: date, end: date, *, units: bool, programs: bool = True) -> Counts:
        """`units`/`programs`: whether those breakdowns are wanted (months and the total
        always are)."""
        counts = cls()
        held = held_classes(start, end)
        keys = {
            class_id: cls._groups(program_id, month)
            for class_id, program_id, month in db.session.execute(
                select(held.c.class_id, held.c.program_id, held.c.month)
            )
        }
        if not keys:
            return counts
        for groups in keys.values():
            cls._add(counts.held_classes, groups, 1)
        counts._by_class(held, keys)
        counts._certificates(held, units)
        ids = sorted({groups[0][1] for groups in keys.values()}) if programs else []
        counts._unique(held_classes(start, end, len(ids)), ids)
        if units:
            counts._units(held)
        return counts

    def _by_class(self, held, keys: dict) -> None:
        """Enrolled, participants and completions per held class, rolled up to its program,
        quarter, month and the total. Driven from the classes table so that the grouping
        follows its primary key (no sort)."""
        e = Enrollment
        query = (
            select(
                Class.id,
                func.count(),
                func.count(case((e.attended_count > 0, 1))),
                func.count(case((e.outcome == "completed", 1))),
            )
            .join(e, and_(e.class_id == Class.id, e.status == "enrolled"))
            .where(Class.id.in_(select(held.c.class_id)))
            .group_by(Class.id)
        )
        for class_id, enrolled, participants, completions in db.session.execute(query):
            groups = keys[class_id]
            self._add(self.enrolled, groups, enrolled)
            self._add(self.participants, groups, participants)
            self._add(self.completions, groups, completions)

    def _certificates(self, held, units: bool) -> None:
        e = Enrollment
        keys = [held.c.program_id, held.c.month] + ([e.unit_id] if units else [])
        query = (
            select(*keys, func.count())
            .select_from(held)
            .join(e, and_(e.class_id == held.c.class_id, e.status == "enrolled"))
            .join(
                Certificate,
                and_(Certificate.enrollment_id == e.id, Certificate.revoked_at.is_(None)),
            )
            .group_by(*keys)
        )
        for row in db.session.execute(query):
            groups = self._groups(row[0], row[1]) + ([("u", row[2])] if units else [])
            self._add(self.certificates, groups, row[-1])

    def _units(self, held) -> None:
        """Per unit (a class reaches many units), everything in one grouped scan."""
        e = Enrollment
        attended = e.attended_count > 0
        # "+ 0": grouping on the bare column lets SQLite walk the whole enrolment table in
        # unit order (ix_enrollments_unit_id) instead of starting from the few held classes.
        unit_key = (e.unit_id + literal_column("0")).label("unit_key")
        query = (
            select(
                unit_key,
                func.count(),
                func.count(case((attended, 1))),
                func.count(distinct(case((attended, e.user_id)))),
                func.count(case((e.outcome == "completed", 1))),
                func.count(distinct(e.class_id)),
            )
            .select_from(held)
            .join(e, and_(e.class_id == held.c.class_id, e.status == "enrolled"))
            .group_by(unit_key)
        )
        for unit_id, enrolled, participants, unique, completions, classes in db.session.execute(
            query
        ):
            group = ("u", unit_id)
            self.enrolled[group], self.participants[group] = enrolled, participants
            self.unique[group], self.completions[group] = unique, completions
            self.held_classes[group] = classes

    def _unique(self, held, programs: list) -> None:
        """Distinct people for the total, programs, quarters and months in one pass grouped by
        person: per person the packed counts of their trainee-attendances per program and per
        month; then people counted per combination of those. A person adds one to the total
        and to each program, quarter and month where they have a trainee-attendance."""
        e = Enrollment
        fields = [c for c in held.c if c.name[0] in "pm" and c.name[1:].isdigit()]
        per_person = (
            select(*[func.sum(c).label(c.name) for c in fields], func.count().label("n"))
            .select_from(held)
            .join(e, _attended(held))
            .group_by(e.user_id)
            .subquery("per_person")
        )
        keys = [per_person.c[c.name] for c in fields]
        query = select(*keys, func.count(), func.max(per_person.c.n)).group_by(*keys)
        for *packed, people, most in db.session.execute(query).all():
            if most >= _LIMIT:  # a field could have overflowed: count each breakdown apart
                self._unique_by_count(held)
                return
            *program_ints, month_low, month_high = (int(v) for v in packed)
            groups: list = [None]
            for k, value in enumerate(program_ints):
                groups += [("p", programs[k * _PER_INT + i]) for i in _nonzero(value)]
            months = [i + 1 for i in _nonzero(month_low)]
            months += [_PER_INT + i + 1 for i in _nonzero(month_high)]
            groups += [("m", m) for m in months]
            groups += [("q", q) for q in {(m - 1) // 3 + 1 for m in months}]
            self._add(self.unique, groups, people)

    def _unique_by_count(self, held) -> None:
        """Exact for any data: one COUNT(DISTINCT) per breakdown."""
        e = Enrollment
        self.unique = {}
        query = select(func.count(distinct(e.user_id))).select_from(held).join(e, _attended(held))
        self.unique[None] = db.session.scalar(query)
        for tag, key in (("p", held.c.program_id), ("q", held.c.quarter), ("m", held.c.month)):
            for n, value in db.session.execute(query.add_columns(key).group_by(key)):
                self.unique[(tag, value)] = n


def _nonzero(packed: int) -> list[int]:
    """Positions of the non-zero 8-bit fields of a packed integer."""
    return [i for i in range(_PER_INT) if packed >> (i * _FIELD_BITS) & (_LIMIT - 1)]
