"""Two directors issuing at the same moment: distinct, sequential numbers, no gaps, and one
valid certificate per enrolment. Meant for PostgreSQL (LMS_TEST_DATABASE_URL); SQLite runs it
too (its writers queue behind one lock)."""

import threading
from datetime import date

from sqlalchemy import select

from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.certificates.services import issue_certificate
from lms.core.retry import run_with_retries
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db

ISSUED = date(2019, 10, 25)


def _race(app, jobs):
    """Run each (enrollment_id, director_id) in its own thread and app context, all at once."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(index, enrollment_id, director_id):
        with app.app_context():
            try:
                barrier.wait(10)
                cert = run_with_retries(
                    lambda: issue_certificate(
                        db.session.get(Enrollment, enrollment_id),
                        actor=db.session.get(User, director_id),
                        issued_on=ISSUED,
                    )
                )
                outcomes[index] = cert.register_number
            except DomainError as error:
                db.session.rollback()
                outcomes[index] = error
            except Exception as error:  # surfaced by the assertions below
                db.session.rollback()
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_concurrent_issuing_gives_distinct_sequential_numbers(app, make, completed):
    directors = [make.director() for _ in range(4)]
    enrollments = [completed() for _ in range(8)]
    db.session.commit()
    jobs = [(e.id, directors[i % 4].id) for i, e in enumerate(enrollments)]
    outcomes = _race(app, jobs)
    assert all(isinstance(o, str) for o in outcomes), outcomes
    assert sorted(outcomes) == [f"{n:04d}/2019/GCN" for n in range(1, 9)]
    db.session.expire_all()
    seqs = db.session.scalars(select(Certificate.seq).order_by(Certificate.seq)).all()
    assert seqs == list(range(1, 9))


def test_two_directors_issuing_the_same_enrollment_get_one_certificate(app, make, completed):
    directors = [make.director(), make.director()]
    enrollment = completed()
    db.session.commit()
    outcomes = _race(app, [(enrollment.id, d.id) for d in directors])
    numbers = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert numbers == ["0001/2019/GCN"], outcomes
    assert len(refused) == 1, outcomes
    db.session.expire_all()
    assert db.session.scalars(select(Certificate.seq)).all() == [1]
