"""A report reads many statements; a roster saved between two of them must not make them
disagree. Found by the soak test: a class that became "held" between the query of held classes
and the unique-trainee pass broke the report (IndexError, a 500). The report now reads from one
snapshot (lms.core.snapshot)."""

from datetime import date

from sqlalchemy import text

from lms.extensions import db
from lms.reports import counting
from lms.reports.services import year_report


def test_a_roster_saved_while_a_report_is_computed_does_not_break_it(app, make, monkeypatch):
    director = make.director()
    held_before = make.klass(start_date=date(2019, 3, 4))
    make.session(held_before, on_date=date(2019, 3, 4), marked_count=1)
    make.enrollment(held_before, attended_count=1)
    held_meanwhile = make.klass(start_date=date(2019, 5, 6))  # a program of its own
    session = make.session(held_meanwhile, on_date=date(2019, 5, 6))
    enrollment = make.enrollment(held_meanwhile)
    db.session.commit()
    real_unique, writes = counting.Counts._unique, []

    def unique_after_a_roster_save(self, *args, **kwargs):
        if not writes:  # another request saves the roster of the second class, and commits
            with db.engine.begin() as other:
                other.execute(text("UPDATE class_sessions SET marked_count = 1 WHERE id = :id"),
                              {"id": session.id})
                other.execute(text("UPDATE enrollments SET attended_count = 1 WHERE id = :id"),
                              {"id": enrollment.id})
            writes.append(1)
        return real_unique(self, *args, **kwargs)

    monkeypatch.setattr(counting.Counts, "_unique", unique_after_a_roster_save)
    report = year_report(2019, actor=director)
    assert writes
    assert (report.total.held_classes, report.total.unique_trainees) == (1, 1)
    db.session.rollback()  # the next request sees the saved roster
    report = year_report(2019, actor=director)
    assert (report.total.held_classes, report.total.unique_trainees) == (2, 2)
