"""Capacity holds under concurrency: 50 simultaneous enrolments, 30 seats (SQLite and PG)."""

import threading

from sqlalchemy import func, select

from lms.classes.models import Class
from lms.core.retry import run_with_retries
from lms.enrollment import services
from lms.enrollment.models import Enrollment
from lms.extensions import db


def test_fifty_enrollments_at_once_fill_thirty_seats_and_waitlist_twenty(app, make):
    klass = make.klass(capacity=30)
    user_ids = [make.trainee().id for _ in range(50)]
    db.session.commit()
    class_id = klass.id
    start = threading.Barrier(50)
    errors = []

    def enrol(user_id: int) -> None:
        from lms.auth.models import User

        with app.app_context():
            try:
                start.wait(timeout=30)  # no pooled connection is held while waiting

                def work():
                    user = db.session.get(User, user_id)
                    return services.enrol_self(db.session.get(Class, class_id), actor=user)

                run_with_retries(work, attempts=5)
            except Exception as error:  # reported below, with the thread's own traceback lost
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=enrol, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    db.session.expire_all()
    counts = dict(
        db.session.execute(
            select(Enrollment.status, func.count()).group_by(Enrollment.status)
        ).all()
    )
    assert counts == {"enrolled": 30, "waitlisted": 20}
    assert db.session.get(Class, class_id).enrolled_count == 30
