"""Unique trainees equal a recount by hand, on data mixing programs, months and units.

The report reads them from rollups kept by database triggers (per person and key, the first
date of the year; see lms/reports/rollups.py); these tests recount from the enrolments in Python,
for the full year and to a day inside it.
"""

import random
from datetime import date

import pytest

from lms.reports.report import compute_report

Y = 2019


@pytest.fixture
def mixed(make):
    """Nine programs (more than one packed integer holds), classes in every month, people in
    several classes, programs and units, some only absent. Returns the participations
    [(class date, person, program, unit)]."""
    rng = random.Random(7)
    units = [make.unit() for _ in range(3)]
    people = [make.trainee(unit=units[i % 3]) for i in range(14)]
    programs = [make.program() for _ in range(9)]
    parts = []
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
            parts.append((date(Y, month, 3), person.id, program.id, unit.id))
    return parts


def expected(parts, as_of=date(Y, 12, 31)) -> dict:
    found: dict = {}
    for day, person, program, unit in parts:
        if day > as_of:
            continue
        quarter = (day.month - 1) // 3 + 1
        for group in (None, ("p", program), ("m", day.month), ("q", quarter), ("u", unit)):
            found.setdefault(group, set()).add(person)
    return {group: len(ids) for group, ids in found.items()}


def _unique(report) -> dict:
    found = {None: report.total.unique_trainees}
    found.update({("p", r.key): r.unique_trainees for r in report.programs})
    found.update({("q", r.key): r.unique_trainees for r in report.quarters})
    found.update({("m", r.key): r.unique_trainees for r in report.months})
    found.update({("u", r.key): r.unique_trainees for r in report.units})
    return {group: n for group, n in found.items() if n}


def test_unique_trainees_equal_a_recount(mixed):
    assert _unique(compute_report(Y)) == expected(mixed)


@pytest.mark.parametrize("as_of", [date(Y, 3, 2), date(Y, 3, 3), date(Y, 6, 30), date(Y, 9, 30)])
def test_unique_trainees_to_a_day_equal_a_recount(mixed, as_of):
    assert _unique(compute_report(Y, as_of=as_of)) == expected(mixed, as_of)


def test_months_only_report_has_the_same_totals(mixed):
    full, months = compute_report(Y), compute_report(Y, months_only=True)
    assert months.total == full.total
    assert months.months == full.months
