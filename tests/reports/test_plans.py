"""Annual plans: the rules of the figures, revisions, permissions; export safety."""

import csv
import io
from datetime import date

import pytest

from lms.errors import DomainError
from lms.extensions import db
from lms.reports.exports import report_csv
from lms.reports.report import compute_report
from lms.reports.services import check_figures, save_plan, year_report


def figures(**overrides):
    values = {"planned_classes": 4, "planned_attendances": 400}
    values.update(overrides)
    return values


def test_quarters_all_or_none_and_adding_up():
    assert check_figures(figures()) == []
    assert check_figures(figures(q1_classes=1, q2_classes=1, q3_classes=1, q4_classes=1)) == []
    assert check_figures(figures(q1_classes=1))[0][0] == "q1_classes"
    wrong = figures(q1_attendances=100, q2_attendances=100, q3_attendances=100, q4_attendances=1)
    assert check_figures(wrong)[0][0] == "q1_attendances"
    assert check_figures(figures(planned_classes=-1))[0][0] == "planned_classes"
    assert check_figures(figures(planned_attendances=None))[0][0] == "planned_attendances"


def test_only_directors_plan(make):
    program = make.program()
    with pytest.raises(DomainError):
        save_plan(2019, program, figures(), actor=make.instructor())
    with pytest.raises(DomainError):
        year_report(2019, actor=make.trainee())


def test_an_unchanged_save_leaves_no_revision(make):
    from lms.reports.models import PlanRevision

    director, program = make.director(), make.program()
    save_plan(2019, program, figures(), actor=director)
    count = db.session.query(PlanRevision).count()
    save_plan(2019, program, figures(), actor=director)
    assert db.session.query(PlanRevision).count() == count == 2


def test_formula_like_names_are_neutralised_in_csv(make):
    program = make.program(code="X", name='=HYPERLINK("http://x")')
    klass = make.klass(program=program, start_date=date(2019, 4, 1))
    session = make.session(klass)
    make.attendance(session, make.enrollment(klass))
    rows = list(csv.reader(io.StringIO(report_csv(compute_report(2019)).decode("utf-8-sig"))))
    assert rows[1][1].startswith("'=HYPERLINK")
