"""The attendance counters the database keeps, the fragments both dialects' triggers share.

- ClassSession.marked_count: the attendance rows at the session (cancelled or not: "held"
  reads it together with cancelled_at, sql.session_taken).
- Enrollment.attended_count / excused_count / absent_count: the enrolment's rows, by status
  (lms.attendance.models.COUNTER), at sessions that are not cancelled (DOMAIN.md: cancelled
  sessions never count). Cancelling a session takes its marks out of these counters,
  restoring it puts them back; the report rollups follow through their own triggers.

Moved by the triggers on attendances (insert, update of status/session/enrolment, delete) and
on class_sessions (cancelled_at set or cleared; the delete of a cancelled session), whatever
code writes the rows; recounted from the rows by recount_statements() (rebuild, migrations).

A session being deleted is gone from its table while its marks cascade away: those marks
count as at a session that is not cancelled (counts()), so a cancelled session first puts its
marks back (BEFORE DELETE) for the cascade to take them out again.
"""

# SQL text built only from the constants of this package (no input reaches it):
# ruff: noqa: S608

from __future__ import annotations

from lms.attendance.models import COUNTER, STATUSES
from lms.core.columns import sql_list

NAMES = tuple(dict.fromkeys(COUNTER.values()))  # attended, excused, absent


def statuses(counter: str) -> str:
    return sql_list(s for s in STATUSES if COUNTER[s] == counter)


def counts(r: str) -> str:
    """Whether attendance row r counts for its enrolment: its session is not cancelled."""
    return (
        "NOT EXISTS (SELECT 1 FROM class_sessions x"
        f" WHERE x.id = {r}.session_id AND x.cancelled_at IS NOT NULL)"
    )


def feeds(r: str, counter: str) -> str:
    """1 if attendance row r's status feeds `counter`, else 0."""
    return f"(CASE WHEN {r}.status IN ({statuses(counter)}) THEN 1 ELSE 0 END)"


def enrollment_set(term, op: str = "+") -> str:
    """SET clause moving each counter by ({op} term(counter))."""
    return ", ".join(f"{c}_count = {c}_count {op} {term(c)}" for c in NAMES)


def session_marks(s: str, sign: str) -> str:
    """Add ({sign}) × the marks at session row s to their enrolments' counters (a session
    cancelled or restored; one row per enrolment and session)."""
    def mark(counter: str) -> str:
        return (
            f"({sign}) * (SELECT {feeds('a', counter)} FROM attendances a"
            f" WHERE a.session_id = {s}.id AND a.enrollment_id = enrollments.id)"
        )

    return (
        f"UPDATE enrollments SET {enrollment_set(mark)}"
        f" WHERE id IN (SELECT enrollment_id FROM attendances WHERE session_id = {s}.id)"
    )


CANCELLED_CHANGED = "((OLD.cancelled_at IS NULL) <> (NEW.cancelled_at IS NULL))"
RESTORED = "CASE WHEN NEW.cancelled_at IS NULL THEN 1 ELSE -1 END"  # +1 restored, -1 cancelled
MARK_MOVED = "(OLD.session_id <> NEW.session_id OR OLD.enrollment_id <> NEW.enrollment_id)"
STATUS_CHANGED = f"(OLD.status <> NEW.status AND NOT {MARK_MOVED})"  # the usual correction


def recount_statements() -> list[str]:
    """Every counter recounted from the rows (only the rows that differ are written: the
    report triggers follow them)."""
    sums = ", ".join(f"SUM({feeds('a', c)}) AS {c}" for c in NAMES)
    differ = " OR ".join(f"enrollments.{c}_count <> r.{c}" for c in NAMES)
    return [
        "UPDATE class_sessions SET marked_count = r.n"
        " FROM (SELECT s.id, COUNT(a.id) AS n FROM class_sessions s"
        " LEFT JOIN attendances a ON a.session_id = s.id GROUP BY s.id) r"
        " WHERE class_sessions.id = r.id AND class_sessions.marked_count <> r.n",
        "UPDATE enrollments SET " + ", ".join(f"{c}_count = r.{c}" for c in NAMES)
        + f" FROM (SELECT e.id, {sums} FROM enrollments e"
        f" LEFT JOIN attendances a ON a.enrollment_id = e.id AND {counts('a')}"
        f" GROUP BY e.id) r WHERE enrollments.id = r.id AND ({differ})",
    ]
