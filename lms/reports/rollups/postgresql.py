"""The rollup triggers on PostgreSQL: trigger functions in PL/pgSQL.

The counters move with statement triggers on attendances that read the statement's rows from
transition tables: a 300-mark save moves its session once and its 300 enrolments in one UPDATE,
a check-in its session and enrolment once. The rest are row triggers with WHEN clauses."""

# ruff: noqa: S608

from __future__ import annotations

from lms.reports.rollups.counters import (
    CANCELLED_CHANGED,
    NAMES,
    RESTORED,
    counts,
    enrollment_set,
    session_marks,
    statuses,
)
from lms.reports.rollups.sql import (
    PART,
    certificate,
    conditions,
    held_by_another,
    move,
    participants,
)


def function(name: str, body: str, args: str = "", returns: str = "trigger") -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}({args}) RETURNS {returns} LANGUAGE plpgsql AS"
        f" $$ BEGIN {body} END $$"
    )


def trigger(
    name: str, event_: str, table: str, condition: str | None, function_: str,
    timing: str = "AFTER",
) -> list[str]:
    when = f" WHEN {condition}" if condition else ""
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE TRIGGER {name} {timing} {event_} ON {table} FOR EACH ROW{when}"
        f" EXECUTE FUNCTION {function_}()",
    ]


def statement_trigger(name: str, event_: str, transitions: str) -> list[str]:
    """A trigger on attendances run once per statement, its rows in transition tables."""
    return [
        f"DROP TRIGGER IF EXISTS {name} ON attendances",
        f"CREATE TRIGGER {name} AFTER {event_} ON attendances REFERENCING {transitions}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]


def marks(sources: dict[str, str]) -> str:
    """Move the counters by the rows of the transition tables {name: "+" or "-"}: one UPDATE
    of the sessions, one of the enrolments, only where something moved."""
    rows = " UNION ALL ".join(
        f"SELECT session_id, enrollment_id, status, {sign}1 AS n FROM {table}"
        for table, sign in sources.items()
    )
    sums = ", ".join(
        f"SUM(CASE WHEN m.status IN ({statuses(c)}) THEN m.n ELSE 0 END) AS {c}" for c in NAMES
    )
    moved = " OR ".join(f"d.{c} <> 0" for c in NAMES)
    return (
        "UPDATE class_sessions s SET marked_count = s.marked_count + d.n"
        f" FROM (SELECT session_id, SUM(n) AS n FROM ({rows}) m GROUP BY session_id) d"
        " WHERE s.id = d.session_id AND d.n <> 0;"
        f" UPDATE enrollments SET {enrollment_set(lambda c: f'd.{c}')}"
        f" FROM (SELECT m.enrollment_id, {sums} FROM ({rows}) m WHERE {counts('m')}"
        f" GROUP BY m.enrollment_id) d WHERE enrollments.id = d.enrollment_id AND ({moved});"
        " RETURN NULL;"
    )


def counters() -> list[str]:
    """The counters of sessions and enrolments (see counters)."""
    return [
        function("counters_marks_insert", marks({"new_rows": "+"})),
        function("counters_marks_update", marks({"new_rows": "+", "old_rows": "-"})),
        function("counters_marks_delete", marks({"old_rows": "-"})),
        function("counters_session_cancel", f"{session_marks('NEW', RESTORED)}; RETURN NULL;"),
        # BEFORE: the marks are still there (RETURN OLD: the delete goes ahead).
        function("counters_session_delete", f"{session_marks('OLD', '1')}; RETURN OLD;"),
        *statement_trigger("counters_marks_insert", "INSERT", "NEW TABLE AS new_rows"),
        *statement_trigger("counters_marks_update", "UPDATE",
                           "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        *statement_trigger("counters_marks_delete", "DELETE", "OLD TABLE AS old_rows"),
        *trigger("counters_session_cancel", "UPDATE OF cancelled_at", "class_sessions",
                 CANCELLED_CHANGED, "counters_session_cancel"),
        *trigger("counters_session_delete", "DELETE", "class_sessions",
                 "(OLD.cancelled_at IS NOT NULL)", "counters_session_delete", timing="BEFORE"),
    ]


def statements() -> list[str]:
    when = conditions("postgresql")
    defer = ("INSERT INTO trainee_keys_pending (user_id)"
             " SELECT DISTINCT u FROM unnest(users) u WHERE u IS NOT NULL;")
    old, new = PART.format(r="OLD"), PART.format(r="NEW")
    # A mark moves only attended_count (the check-in's first mark: 0 -> 1): then one update of
    # the participants of its (class, unit), not two upserts counting certificates.
    mark_only = (
        "TG_OP = 'UPDATE' AND OLD.class_id = NEW.class_id AND OLD.unit_id = NEW.unit_id"
        " AND OLD.status = NEW.status AND OLD.outcome IS NOT DISTINCT FROM NEW.outcome"
    )
    enrollment = (
        f"IF {mark_only} THEN IF {old} <> {new} THEN UPDATE class_unit_counts"
        f" SET participants = participants + CASE WHEN {new} THEN 1 ELSE -1 END"
        " WHERE class_id = NEW.class_id AND unit_id = NEW.unit_id; END IF; ELSE"
        f" IF TG_OP <> 'INSERT' THEN {move('OLD', '-')}; END IF;"
        f" IF TG_OP <> 'DELETE' THEN {move('NEW', '+')}; END IF; END IF;"
        f" IF (TG_OP = 'INSERT' AND {new}) OR (TG_OP = 'DELETE' AND {old})"
        f" OR (TG_OP = 'UPDATE' AND {when['enrollment_keys']}) THEN"
        " PERFORM rollup_defer_keys(ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN OLD.user_id END,"
        " CASE WHEN TG_OP <> 'DELETE' THEN NEW.user_id END]); END IF;"
        " RETURN NULL;"
    )
    certificates = (
        f"IF TG_OP <> 'INSERT' AND OLD.revoked_at IS NULL THEN {certificate('OLD', '-')};"
        " END IF;"
        f" IF TG_OP <> 'DELETE' AND NEW.revoked_at IS NULL THEN {certificate('NEW', '+')};"
        " END IF; RETURN NULL;"
    )
    klass = f"PERFORM rollup_defer_keys(ARRAY({participants('NEW.id')})); RETURN NULL;"
    before = "CASE WHEN TG_OP = 'INSERT' THEN NEW.class_id ELSE OLD.class_id END"
    after = "CASE WHEN TG_OP = 'DELETE' THEN OLD.class_id ELSE NEW.class_id END"
    session = (
        f"IF TG_OP = 'UPDATE' AND NOT {when['session']} AND {held_by_another('NEW')}"
        " THEN RETURN NULL; END IF;"
        f" PERFORM rollup_defer_keys(ARRAY({participants(before)}"
        f" UNION {participants(after)})); RETURN NULL;"
    )
    return counters() + [
        function("rollup_defer_keys", defer, "users integer[]", "void"),
        function("rollup_enrollment", enrollment),
        function("rollup_certificate", certificates),
        function("rollup_class", klass),
        function("rollup_session", session),
        *trigger("rollup_enrollment_insert", "INSERT", "enrollments",
                 "(NEW.status = 'enrolled')", "rollup_enrollment"),
        *trigger("rollup_enrollment_update",
                 "UPDATE OF status, attended_count, outcome, class_id, unit_id, user_id",
                 "enrollments", f"({when['enrollment_counts']} OR {when['enrollment_keys']})",
                 "rollup_enrollment"),
        *trigger("rollup_enrollment_delete", "DELETE", "enrollments",
                 "(OLD.status = 'enrolled')", "rollup_enrollment"),
        *trigger("rollup_certificate", "INSERT OR UPDATE OF revoked_at, enrollment_id"
                 " OR DELETE", "certificates", None, "rollup_certificate"),
        *trigger("rollup_class", "UPDATE OF cancelled_at, program_id", "classes",
                 when["class"], "rollup_class"),
        *trigger("rollup_session_insert", "INSERT", "class_sessions",
                 "(NEW.cancelled_at IS NULL)", "rollup_session"),
        *trigger("rollup_session_update",
                 "UPDATE OF on_date, cancelled_at, class_id, marked_count", "class_sessions",
                 f"({when['session']} OR {when['session_marks']})", "rollup_session"),
        *trigger("rollup_session_delete", "DELETE", "class_sessions",
                 "(OLD.cancelled_at IS NULL)", "rollup_session"),
    ]
