"""The rollup triggers on SQLite: row triggers (SQLite has no other), one per table and event,
with WHEN clauses. A mark moves its session's and enrolment's counters by one: 300 marks are
600 one-row UPDATEs inside SQLite, without a round trip each."""

# ruff: noqa: S608

from __future__ import annotations

from lms.reports.rollups.counters import (
    CANCELLED_CHANGED,
    MARK_MOVED,
    RESTORED,
    STATUS_CHANGED,
    counts,
    enrollment_set,
    feeds,
    session_marks,
)
from lms.reports.rollups.sql import (
    PART,
    certificate,
    conditions,
    held_by_another,
    move,
    participants,
)


def trigger(
    name: str, event_: str, table: str, condition: str | None, body: list[str],
    timing: str = "AFTER",
) -> str:
    when = f" WHEN {condition}" if condition else ""
    return (
        f"CREATE TRIGGER IF NOT EXISTS {name} {timing} {event_} ON {table}{when}"
        " BEGIN " + "; ".join(body) + "; END"
    )


def counters() -> list[str]:
    """The counters of sessions and enrolments (see counters)."""

    def moved(r: str, op: str) -> str:  # +/- 1 on the counter of row r's status
        return (
            f"UPDATE enrollments SET {enrollment_set(lambda c: feeds(r, c), op)}"
            f" WHERE id = {r}.enrollment_id AND {counts(r)}"
        )

    def corrected(c: str) -> str:  # the old status out, the new one in
        return f"{feeds('NEW', c)} - {feeds('OLD', c)}"

    def moved_in(c: str) -> str:  # the old row out, the new one in, on either enrollment
        def part(r: str) -> str:
            mine = f"id = {r}.enrollment_id AND {counts(r)}"
            return f"(CASE WHEN {mine} THEN {feeds(r, c)} ELSE 0 END)"

        return f"{part('NEW')} - {part('OLD')}"

    return [
        trigger("counters_marks_insert", "INSERT", "attendances", None, [
            "UPDATE class_sessions SET marked_count = marked_count + 1 WHERE id = NEW.session_id",
            moved("NEW", "+")]),
        # A status corrected in place: one enrollment, one UPDATE.
        trigger("counters_marks_status", "UPDATE OF status", "attendances", STATUS_CHANGED, [
            f"UPDATE enrollments SET {enrollment_set(corrected)}"
            f" WHERE id = NEW.enrollment_id AND {counts('NEW')}"]),
        # A mark moved to another session or enrollment (no service does it; SQL may).
        trigger("counters_marks_move", "UPDATE OF session_id, enrollment_id", "attendances",
                MARK_MOVED, [
                    "UPDATE class_sessions SET marked_count = marked_count"
                    " + CASE WHEN id = NEW.session_id THEN 1 ELSE -1 END"
                    " WHERE id IN (OLD.session_id, NEW.session_id)"
                    " AND OLD.session_id <> NEW.session_id",
                    f"UPDATE enrollments SET {enrollment_set(moved_in)}"
                    " WHERE id IN (OLD.enrollment_id, NEW.enrollment_id)"]),
        trigger("counters_marks_delete", "DELETE", "attendances", None, [
            "UPDATE class_sessions SET marked_count = marked_count - 1 WHERE id = OLD.session_id",
            moved("OLD", "-")]),
        trigger("counters_session_cancel", "UPDATE OF cancelled_at", "class_sessions",
                CANCELLED_CHANGED, [session_marks("NEW", RESTORED)]),
        trigger("counters_session_delete", "DELETE", "class_sessions",
                "OLD.cancelled_at IS NOT NULL", [session_marks("OLD", "1")], timing="BEFORE"),
    ]


def defer(users: str) -> list[str]:  # their keys: later, by drain()
    return [f"INSERT INTO trainee_keys_pending (user_id) SELECT id FROM users"
            f" WHERE id IN ({users})"]


def statements() -> list[str]:
    when = conditions("sqlite")
    return counters() + [
        trigger("rollup_enrollment_insert", "INSERT", "enrollments",
                "NEW.status = 'enrolled'", [move("NEW", "+")]),
        trigger("rollup_enrollment_update",
                "UPDATE OF status, attended_count, outcome, class_id, unit_id", "enrollments",
                when["enrollment_counts"], [move("OLD", "-"), move("NEW", "+")]),
        trigger("rollup_enrollment_delete", "DELETE", "enrollments",
                "OLD.status = 'enrolled'", [move("OLD", "-")]),
        trigger("rollup_keys_enrollment_insert", "INSERT", "enrollments",
                PART.format(r="NEW"), defer("NEW.user_id")),
        trigger("rollup_keys_enrollment_update",
                "UPDATE OF status, attended_count, class_id, unit_id, user_id", "enrollments",
                when["enrollment_keys"], defer("OLD.user_id, NEW.user_id")),
        trigger("rollup_keys_enrollment_delete", "DELETE", "enrollments",
                PART.format(r="OLD"), defer("OLD.user_id")),
        trigger("rollup_certificate_insert", "INSERT", "certificates",
                "NEW.revoked_at IS NULL", [certificate("NEW", "+")]),
        trigger("rollup_certificate_update", "UPDATE OF revoked_at, enrollment_id",
                "certificates", when["certificate"],
                [certificate("OLD", "-") + " AND OLD.revoked_at IS NULL",
                 certificate("NEW", "+") + " AND NEW.revoked_at IS NULL"]),
        trigger("rollup_certificate_delete", "DELETE", "certificates",
                "OLD.revoked_at IS NULL", [certificate("OLD", "-")]),
        trigger("rollup_keys_class_update", "UPDATE OF cancelled_at, program_id", "classes",
                when["class"], defer(participants("NEW.id"))),
        trigger("rollup_keys_session_insert", "INSERT", "class_sessions",
                "NEW.cancelled_at IS NULL", defer(participants("NEW.class_id"))),
        trigger("rollup_keys_session_update",
                "UPDATE OF on_date, cancelled_at, class_id, marked_count", "class_sessions",
                f"{when['session']} OR ({when['session_marks']}"
                f" AND NOT {held_by_another('NEW')})",
                defer(participants("OLD.class_id") + " UNION "
                      + participants("NEW.class_id"))),
        trigger("rollup_keys_session_delete", "DELETE", "class_sessions",
                "OLD.cancelled_at IS NULL", defer(participants("OLD.class_id"))),
    ]
