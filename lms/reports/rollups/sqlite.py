"""The rollup triggers on SQLite: row triggers, one per table and event, with WHEN clauses."""

# ruff: noqa: S608

from __future__ import annotations

from lms.reports.rollups.sql import (
    OTHER_HELD,
    PART,
    certificate,
    conditions,
    move,
    participants,
)


def trigger(name: str, event_: str, table: str, condition: str, body: list[str]) -> str:
    return (
        f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event_} ON {table}"
        f" WHEN {condition} BEGIN " + "; ".join(body) + "; END"
    )


def defer(users: str) -> list[str]:  # their keys: later, by drain()
    return [f"INSERT INTO trainee_keys_pending (user_id) SELECT id FROM users"
            f" WHERE id IN ({users})"]


def statements() -> list[str]:
    when = conditions("sqlite")
    return [
        trigger("rollup_enrolment_insert", "INSERT", "enrollments",
                "NEW.status = 'enrolled'", [move("NEW", "+")]),
        trigger("rollup_enrolment_update",
                "UPDATE OF status, attended_count, outcome, class_id, unit_id", "enrollments",
                when["enrolment_counts"], [move("OLD", "-"), move("NEW", "+")]),
        trigger("rollup_enrolment_delete", "DELETE", "enrollments",
                "OLD.status = 'enrolled'", [move("OLD", "-")]),
        trigger("rollup_keys_enrolment_insert", "INSERT", "enrollments",
                PART.format(r="NEW"), defer("NEW.user_id")),
        trigger("rollup_keys_enrolment_update",
                "UPDATE OF status, attended_count, class_id, unit_id, user_id", "enrollments",
                when["enrolment_keys"], defer("OLD.user_id, NEW.user_id")),
        trigger("rollup_keys_enrolment_delete", "DELETE", "enrollments",
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
                f"{when['session']} OR ({when['session_marks']} AND {OTHER_HELD})",
                defer(participants("OLD.class_id") + " UNION "
                      + participants("NEW.class_id"))),
        trigger("rollup_keys_session_delete", "DELETE", "class_sessions",
                "OLD.cancelled_at IS NULL", defer(participants("OLD.class_id"))),
    ]
