"""Migration c4e1a9d27f53 (the database keeps the attendance counters): on a database written
by the old code, the upgrade recounts the counters by the new rule (marks at a cancelled
session left out) and the report's rollups with them; the downgrade restores the old rule."""

from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, update

from lms import create_app
from lms.classes.models import ClassSession
from lms.core.types import utcnow
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.reports.models import ClassUnitCount
from tests.attendance.test_counter_invariants import assert_counters_match_rows
from tests.core.test_migrations import ROOT, empty_database_url  # noqa: F401  (a fixture)
from tests.factories import Factories

BEFORE = "09c9e4e9987e"  # the revision before c4e1a9d27f53


def _state(enrollment_id: int):
    counters = db.session.execute(select(
        Enrollment.attended_count, Enrollment.excused_count, Enrollment.absent_count,
    ).where(Enrollment.id == enrollment_id)).one()
    marked = db.session.scalars(select(ClassSession.marked_count).order_by(ClassSession.id))
    participants = db.session.scalar(select(ClassUnitCount.participants))
    return tuple(counters), list(marked), participants


def test_the_upgrade_recounts_the_counters_and_the_downgrade_restores_the_old_rule(
    empty_database_url,  # noqa: F811
):
    app = create_app({"SECRET_KEY": "x" * 40, "DATABASE_URL": empty_database_url})
    directory = str(ROOT / "migrations")
    with app.app_context():
        # The rows are made with today's models (so at today's schema), then the database is
        # taken back to the revision before; only the tables that revision has are touched then.
        upgrade(directory=directory)
        make = Factories()
        klass = make.klass(start_date=date(2019, 3, 4))
        cancelled = make.session(klass, on_date=date(2019, 3, 4))
        held = make.session(klass, on_date=date(2019, 3, 5))
        enrollment = make.enrollment(klass)
        make.attendance(cancelled, enrollment, "present")
        make.attendance(held, enrollment, "absent")
        db.session.commit()
        downgrade(directory=directory, revision=BEFORE)
        cancelled.cancelled_at, cancelled.cancel_reason = utcnow(), "Mất điện"
        # As the application kept them before: every mark counted, the cancelled one too.
        db.session.execute(update(Enrollment).values(attended_count=1, absent_count=1))
        db.session.execute(update(ClassSession).values(marked_count=1))
        db.session.commit()
        assert _state(enrollment.id) == ((1, 0, 1), [1, 1], 1)
        # The read above holds its table locks until the transaction ends; on PostgreSQL the
        # migration's DDL (on another connection) would wait for it for ever.
        db.session.commit()

        upgrade(directory=directory)
        assert _state(enrollment.id) == ((0, 0, 1), [1, 1], 0)
        assert_counters_match_rows()
        held.cancelled_at, held.cancel_reason = utcnow(), "Bão"  # the triggers are in place
        db.session.commit()
        assert _state(enrollment.id) == ((0, 0, 0), [1, 1], 0)
        cancelled.cancelled_at, cancelled.cancel_reason = None, None
        held.cancelled_at, held.cancel_reason = None, None
        db.session.commit()
        assert _state(enrollment.id) == ((1, 0, 1), [1, 1], 1)
        cancelled.cancelled_at, cancelled.cancel_reason = utcnow(), "Mất điện"
        db.session.commit()

        downgrade(directory=directory, revision=BEFORE)
        assert _state(enrollment.id) == ((1, 0, 1), [1, 1], 1)
        db.session.commit()
        upgrade(directory=directory)
        assert _state(enrollment.id) == ((0, 0, 1), [1, 1], 0)
        db.session.remove()
        db.engine.dispose()
