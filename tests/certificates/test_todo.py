"""The director's to-do of certificates to issue: found through the report rollups."""

from datetime import date

from lms.certificates.services import issue_certificates
from lms.certificates.todo import classes_with_certificates_to_issue
from lms.extensions import db


def test_the_oldest_classes_with_certificates_waiting_come_first_up_to_the_limit(make):
    director = make.director()
    classes = [make.klass(start_date=date(2020 + i, 3, 2), end_date=date(2020 + i, 3, 9))
               for i in range(4)]
    done = [make.enrollment(k, outcome="completed") for k in classes for _ in range(2)]
    make.enrollment(classes[3], outcome="not_completed")
    issue_certificates(done[:2], actor=director, render=False)  # the oldest class: all issued
    issue_certificates(done[2:3], actor=director, render=False)  # the next: one of two
    db.session.commit()
    listed = [(w.class_id, w.waiting) for w in classes_with_certificates_to_issue(limit=2)]
    assert listed == [(classes[1].id, 1), (classes[2].id, 2)]
    assert [w.class_id for w in classes_with_certificates_to_issue()] == [
        k.id for k in classes[1:]]
