"""The rollup triggers travel as the migrations copied them, and bulk loads (triggers paused)
end with every count recounted."""

from sqlalchemy import func, insert, select

from lms.attendance.models import Attendance
from lms.classes.models import ClassSession
from lms.core.types import utcnow
from lms.extensions import db
from lms.reports import rollups
from lms.reports.report import compute_report
from tests.reports.test_rollups import DATES, assert_rollups_equal_a_recount


def _migration(revision: str):
    import importlib.util
    from pathlib import Path

    path = next(Path(__file__).parents[2].glob(f"migrations/versions/{revision}_*.py"))
    spec = importlib.util.spec_from_file_location(f"rollup_migration_{revision}", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def test_the_migrations_create_the_same_triggers_as_the_code():
    """The migrations hold copies of the statements (they must never change with the code):
    a change of the triggers or the recount needs a new migration."""

    def norm(statements):
        return [" ".join(s.split()) for s in statements]

    # e3b7a1c90d42 renamed the triggers on enrollments (and their function) in place.
    spelling = _migration("e3b7a1c90d42")
    for dialect in ("sqlite", "postgresql"):
        copied = [spelling.spelled(s, new=True)
                  for s in _migration("c4e1a9d27f53").TRIGGERS[dialect]]
        assert copied == norm(rollups.STATEMENTS[dialect])
        assert _migration("c4e1a9d27f53").REBUILD[dialect] == norm(
            rollups.rebuild_statements(dialect))


def test_a_bulk_load_with_the_triggers_paused_ends_with_every_count_recounted(make):
    """rollups.paused() (the demo loader): rows written with no trigger, counters and rollups
    recounted at the end, the triggers back in place."""
    klass = make.klass(start_date=DATES[0])
    sessions = [make.session(klass, on_date=day) for day in DATES[:2]]
    people = [make.enrollment(klass) for _ in range(3)]
    db.session.commit()
    with rollups.paused():
        marks = {sessions[0]: ("present", "absent", "absent"),
                 sessions[1]: ("present", "present", "late")}
        db.session.execute(insert(Attendance), [
            {"session_id": s.id, "enrollment_id": e.id, "status": status, "method": "import"}
            for s, statuses in marks.items() for e, status in zip(people, statuses, strict=True)])
        sessions[1].cancelled_at, sessions[1].cancel_reason = utcnow(), "Mưa bão"
        db.session.flush()
        stale = db.session.scalar(select(func.sum(ClassSession.marked_count)))
    assert stale == 0  # nothing moved while paused
    assert_rollups_equal_a_recount()
    assert compute_report(2019).total.trainee_attendances == 1  # the second session: out
    sessions[1].cancelled_at, sessions[1].cancel_reason = None, None  # the triggers again
    db.session.flush()
    assert_rollups_equal_a_recount()
    assert compute_report(2019).total.trainee_attendances == 3
