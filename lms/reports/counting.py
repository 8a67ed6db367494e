"""The counts behind the annual report, from the rollups in three small statements.

One aggregate over class_sessions finds the held classes of the period with their program and
month; one grouped join of those classes with class_unit_counts gives every additive count
(enrolled, participants, completions, certificates, held classes per unit); one range read of
trainee_key_counts gives every unique count, corrected for the people whose keys are pending
(their own few enrolments are read). The work grows with the classes and days of the year and
the pending people, not with all enrolments or people. The rollups are kept exact by database
triggers (lms.reports.rollups)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Date, Integer, case, cast, extract, func, select, text

from lms.extensions import db
from lms.reports import rollups
from lms.reports.models import ClassUnitCount
from lms.reports.rollups.sql import held_classes as every_held_class


def held_classes(start: date, end: date):
    """Held classes whose first non-cancelled session falls in [start, end], with their keys
    (the rule: rollups.sql.held_classes)."""
    held = (
        text(every_held_class())
        .columns(class_id=Integer, program_id=Integer, first_date=Date)
        .subquery("every_held")
    )
    month = cast(extract("month", held.c.first_date), Integer)
    return (
        select(held.c.class_id, held.c.program_id, month.label("month"))
        .where(held.c.first_date.between(start, end))
        # Materialised: the keys are worked out once per class, not per joined row.
        .cte("held")
        .prefix_with("MATERIALIZED")
    )


@dataclass
class Counts:
    """Every count of the report keyed by group: ("p", program id), ("q", n), ("m", n),
    ("u", unit id), None (the total). Additive counts are rolled up from the finest grouping
    (program × month × unit); unique trainees are each their own count, never summed."""

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
        """Counts of the classes whose first session falls in [start, end], a year or the
        start of one (unique trainees are kept per year). `units`/`programs`: whether those
        breakdowns are wanted (months and the total always are)."""
        if start != date(end.year, 1, 1):
            raise ValueError("a report period runs from 1 January to a day of that year")
        counts = cls()
        held = held_classes(start, end)
        query = select(held.c.program_id, held.c.month, func.count()).group_by(
            held.c.program_id, held.c.month
        )
        for program_id, month, n in db.session.execute(query):
            cls._add(counts.held_classes, cls._groups(program_id, month), n)
        if not counts.held_classes:
            return counts
        counts._additive(held, units)
        counts._unique(start, end, units=units, programs=programs)
        return counts

    def _additive(self, held, units: bool) -> None:
        """Enrolled, participants, completions and certificates per program × month (× unit),
        rolled up; per unit also its held classes (those with enrolled trainees of it)."""
        c = ClassUnitCount
        keys = [held.c.program_id, held.c.month] + ([c.unit_id] if units else [])
        query = (
            select(
                *keys,
                func.sum(c.enrolled).label("enrolled"),
                func.sum(c.participants).label("participants"),
                func.sum(c.completions).label("completions"),
                func.sum(c.certificates).label("certificates"),
                func.count(case((c.enrolled > 0, 1))).label("classes"),
            )
            .select_from(held)
            .join(c, c.class_id == held.c.class_id)
            .group_by(*keys)
        )
        # Unpacked, not read by attribute: a report reads ~9,000 of these rows at 1 M, and a
        # Row's attributes cost more than the rest of the loop (docs/benchmarks.md).
        for program_id, month, *unit_id, enrolled, participants, completions, certificates, \
                classes in db.session.execute(query):
            enrolled, participants, completions, certificates, classes = (
                int(enrolled), int(participants), int(completions), int(certificates),
                int(classes),
            )
            groups = self._groups(program_id, month)
            if units and enrolled:
                unit = ("u", unit_id[0])
                groups.append(unit)
                self.held_classes[unit] = self.held_classes.get(unit, 0) + classes
            self._add(self.enrolled, groups, enrolled)
            self._add(self.participants, groups, participants)
            self._add(self.completions, groups, completions)
            self._add(self.certificates, groups, certificates)

    def _unique(self, start: date, end: date, *, units: bool, programs: bool) -> None:
        """People whose first trainee-attendance of each key this year falls in [start, end]
        (the stored counts, corrected for people whose keys are pending: rollups)."""
        kinds = ["t", "q", "m"] + (["p"] if programs else []) + (["u"] if units else [])
        query = rollups.unique_counts_sql(db.session.get_bind().dialect.name, tuple(kinds))
        for kind, key, people in db.session.execute(query, {"start": start, "end": end}):
            if people:
                self.unique[None if kind == "t" else (kind, key)] = int(people)
