"""The SQL fragments the rollup triggers, drain() and rebuild() share (both dialects).

Built only from the constants of this package: no input reaches this text.
"""

# ruff: noqa: S608

from __future__ import annotations

PART = "({r}.status = 'enrolled' AND {r}.attended_count > 0)"


# DOMAIN.md "Class held": a non-cancelled class with at least one non-cancelled session whose
# attendance has been taken. Written here once; the report (counting.held_classes), the
# trainee keys and the session triggers all use it.
def session_taken(s: str) -> str:
    """Session row s makes its class held: not cancelled, and attendance taken."""
    return f"({s}.cancelled_at IS NULL AND {s}.marked_count > 0)"


def held_classes(sessions: str = "") -> str:
    """(class_id, program_id, first_date) of every held class; first_date: the date of its
    first session that is not cancelled (the class's year, quarter, month). `sessions`: an
    extra condition (" AND ...") on the sessions s read, to look at a few classes only."""
    return (
        "SELECT s.class_id, c.program_id, MIN(s.on_date) AS first_date"
        " FROM class_sessions s JOIN classes c ON c.id = s.class_id AND c.cancelled_at IS NULL"
        f" WHERE s.cancelled_at IS NULL{sessions} GROUP BY s.class_id, c.program_id"
        f" HAVING MAX(CASE WHEN {session_taken('s')} THEN 1 ELSE 0 END) = 1"
    )


def held_by_another(s: str) -> str:
    """Whether another session than row s makes s's class held."""
    return (
        f"EXISTS (SELECT 1 FROM class_sessions o WHERE o.class_id = {s}.class_id"
        f" AND o.id <> {s}.id AND {session_taken('o')})"
    )


def _year(dialect: str, x: str) -> str:
    if dialect == "sqlite":  # dates are stored as 'YYYY-MM-DD'
        return f"CAST(substr({x}, 1, 4) AS INTEGER)"
    return f"CAST(EXTRACT(YEAR FROM {x}) AS INTEGER)"


def _month(dialect: str, x: str) -> str:
    if dialect == "sqlite":
        return f"CAST(substr({x}, 6, 2) AS INTEGER)"
    return f"CAST(EXTRACT(MONTH FROM {x}) AS INTEGER)"


def keys_select(dialect: str, users: str | None, *, named: bool = False) -> str:
    """(user_id, year, kind, key, first_date) of the people matching `users` (a condition on
    a user id column such as "IN (NEW.user_id)" or "= ANY(users)"; None:
    everyone), computed from their enrolments, classes and sessions. `named`: the last
    column is called first_date (to be read as a subquery)."""
    mine = f"e.user_id {users} AND " if users is not None else ""
    # The held classes aggregated once (an aggregate subquery is not flattened) and only the
    # classes of these people.
    their_classes = (
        f" AND s.class_id IN (SELECT class_id FROM enrollments e WHERE {mine}e.status = 'enrolled'"
        " AND e.attended_count > 0)"
        if users is not None
        else ""
    )
    participations = f"""
        SELECT e.user_id, e.unit_id, h.program_id, h.first_date
        FROM enrollments e
        JOIN ({held_classes(their_classes)}) h ON h.class_id = e.class_id
        WHERE {mine}e.status = 'enrolled' AND e.attended_count > 0"""
    # A bulk recount inserts in primary-key order (the index is appended to, not scattered).
    order = " ORDER BY x.user_id, x.year, x.kind, x.key" if users is None else ""
    month = _month(dialect, "p.first_date")
    key = (
        f"CASE k.kind WHEN 't' THEN 0 WHEN 'p' THEN p.program_id WHEN 'q' THEN ({month} + 2) / 3"
        f" WHEN 'm' THEN {month} ELSE p.unit_id END"
    )
    kinds = "SELECT 't' AS kind UNION ALL SELECT 'p' UNION ALL SELECT 'q' UNION ALL SELECT 'm'"
    kinds += " UNION ALL SELECT 'u'"
    first = "MIN(x.first_date)" + (" AS first_date" if named else "")
    return f"""
        SELECT x.user_id, x.year, x.kind, x.key, {first}
        FROM (SELECT p.user_id, {_year(dialect, "p.first_date")} AS year, k.kind,
                     {key} AS key, p.first_date
              FROM ({participations}) p CROSS JOIN ({kinds}) k) x
        GROUP BY x.user_id, x.year, x.kind, x.key{order}"""


def refresh(dialect: str, users: str) -> list[str]:  # drain()'s work
    """Recompute the keys of the people matching `users` (see keys_select); move the counts
    by the difference."""
    def counts(sign: str) -> str:
        # An upsert, also to subtract (the row exists): its conflict check looks each key up
        # in the primary key, whatever the planner estimates for the subquery.
        return (
            "INSERT INTO trainee_key_counts (first_date, kind, key, people)"
            f" SELECT first_date, kind, key, {sign}COUNT(*) FROM trainee_keys"
            f" WHERE user_id {users} GROUP BY first_date, kind, key"
            " ON CONFLICT (first_date, kind, key)"
            " DO UPDATE SET people = trainee_key_counts.people + excluded.people"
        )

    return [
        counts("-"),
        f"DELETE FROM trainee_keys WHERE user_id {users}",
        "INSERT INTO trainee_keys (user_id, year, kind, key, first_date)"
        + keys_select(dialect, users),
        counts(""),
    ]


def move(r: str, sign: str) -> str:
    """Add ({sign} 1) × the counts of enrolment row r to its (class, unit)."""
    enrolled = f"(CASE WHEN {r}.status = 'enrolled' THEN 1 ELSE 0 END)"
    part = f"(CASE WHEN {PART.format(r=r)} THEN 1 ELSE 0 END)"
    done = f"(CASE WHEN {r}.status = 'enrolled' AND {r}.outcome = 'completed' THEN 1 ELSE 0 END)"
    certs = (
        f"(CASE WHEN {r}.status = 'enrolled' THEN (SELECT COUNT(*) FROM certificates x"
        f" WHERE x.enrollment_id = {r}.id AND x.revoked_at IS NULL) ELSE 0 END)"
    )
    return (
        "INSERT INTO class_unit_counts"
        " (class_id, unit_id, enrolled, participants, completions, certificates)"
        f" VALUES ({r}.class_id, {r}.unit_id, {sign}{enrolled}, {sign}{part}, {sign}{done},"
        f" {sign}{certs}) ON CONFLICT (class_id, unit_id) DO UPDATE SET"
        " enrolled = class_unit_counts.enrolled + excluded.enrolled,"
        " participants = class_unit_counts.participants + excluded.participants,"
        " completions = class_unit_counts.completions + excluded.completions,"
        " certificates = class_unit_counts.certificates + excluded.certificates"
    )


def certificate(r: str, sign: str) -> str:
    """Move the certificates of the (class, unit) of certificate row r's enrolment, if enrolled."""
    return (
        f"UPDATE class_unit_counts SET certificates = certificates {sign} 1"
        " WHERE (class_id, unit_id) IN (SELECT class_id, unit_id FROM enrollments"
        f" WHERE id = {r}.enrollment_id AND status = 'enrolled')"
    )


def participants(class_id: str) -> str:
    return (
        f"SELECT user_id FROM enrollments WHERE class_id = {class_id}"
        " AND status = 'enrolled' AND attended_count > 0"
    )


# When a change matters (WHEN clauses; SQLite's IS NOT / PostgreSQL's IS DISTINCT FROM).
def conditions(dialect: str) -> dict[str, str]:
    differ = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    old, new = PART.format(r="OLD"), PART.format(r="NEW")
    moved = "(OLD.class_id <> NEW.class_id OR OLD.unit_id <> NEW.unit_id)"
    return {
        "enrollment_counts": f"({moved} OR OLD.status <> NEW.status OR {old} <> {new}"
        f" OR OLD.outcome {differ} NEW.outcome)",
        "enrollment_keys": f"({old} <> {new} OR (({old} OR {new})"
        f" AND ({moved} OR OLD.user_id <> NEW.user_id)))",
        "certificate": "((OLD.revoked_at IS NULL) <> (NEW.revoked_at IS NULL)"
        " OR OLD.enrollment_id <> NEW.enrollment_id)",
        "class": "((OLD.cancelled_at IS NULL) <> (NEW.cancelled_at IS NULL)"
        " OR OLD.program_id <> NEW.program_id)",
        # A session's first mark matters only when it makes the class held (no other
        # non-cancelled session has marks): the check-in's hot path stays lean.
        "session": "(OLD.on_date <> NEW.on_date OR OLD.class_id <> NEW.class_id"
        " OR (OLD.cancelled_at IS NULL) <> (NEW.cancelled_at IS NULL))",
        # (With "session" false, the cancellation is unchanged: only the marks differ.)
        "session_marks": f"({session_taken('OLD')} <> {session_taken('NEW')})",
    }
