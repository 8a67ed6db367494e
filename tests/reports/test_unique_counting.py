"""Unique trainees equal a recount by hand, on data mixing programs, months and units.

The report counts distinct people in one pass grouped by person (packed per-program and
per-month counts, see lms/reports/counting.py); these tests recount from the enrolments in Python
and also force the COUNT(DISTINCT) fallback that the report takes when a field could overflow.
"""

import random
from datetime import date

import pytest

from lms.reports import counting
from lms.reports.report import compute_report

Y = 2019


@pytest.fixture
def mixed(make):
    """Nine programs (more than one packed integer holds), classes in every month, people in
    several classes, programs and units, some only absent. Returns the expected counts."""
    rng = random.Random(7)
    units = [make.unit() for _ in range(3)]
    people = [make.trainee(unit=units[i % 3]) for i in range(14)]
    programs = [make.program() for _ in range(9)]
    expected: dict = {}
    for i in range(26):
        program = programs[i % 9]
        month = 1 + (i * 5) % 12
        klass = make.klass(program=program, start_date=date(Y, month, 3))
        session = make.session(klass, on_date=date(Y, month, 3))
        for person in rng.sample(people, 5):
            unit = rng.choice(units)  # people appear under several units across the year
            enrollment = make.enrollment(klass, person)
            enrollment.unit_id = unit.id
            status = "absent" if rng.random() < 0.25 else rng.choice(["present", "late"])
            make.attendance(session, enrollment, status)
            if status == "absent":
                continue
            quarter = (month - 1) // 3 + 1
            for group in (None, ("p", program.id), ("m", month), ("q", quarter), ("u", unit.id)):
                expected.setdefault(group, set()).add(person.id)
    return {group: len(ids) for group, ids in expected.items()}


def _unique(report) -> dict:
    found = {None: report.total.unique_trainees}
    found.update({("p", r.key): r.unique_trainees for r in report.programs})
    found.update({("q", r.key): r.unique_trainees for r in report.quarters})
    found.update({("m", r.key): r.unique_trainees for r in report.months})
    found.update({("u", r.key): r.unique_trainees for r in report.units})
    return {group: n for group, n in found.items() if n}


def test_unique_trainees_equal_a_recount(mixed):
    assert _unique(compute_report(Y)) == mixed


def test_the_count_distinct_fallback_gives_the_same(mixed, monkeypatch):
    # A person with two trainee-attendances now "could overflow": the exact fallback runs.
    monkeypatch.setattr(counting, "_LIMIT", 2)
    assert _unique(compute_report(Y)) == mixed


def test_months_only_report_has_the_same_totals(mixed):
    full, months = compute_report(Y), compute_report(Y, months_only=True)
    assert months.total == full.total
    assert months.months == full.months
