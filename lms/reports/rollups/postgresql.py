"""The rollup triggers on PostgreSQL: trigger functions in PL/pgSQL, row triggers with WHEN
clauses."""

# ruff: noqa: S608

from __future__ import annotations

from lms.reports.rollups.sql import PART, certificate, conditions, move, participants


def function(name: str, body: str, args: str = "", returns: str = "trigger") -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}({args}) RETURNS {returns} LANGUAGE plpgsql AS"
        f" $$ BEGIN {body} END $$"
    )


def trigger(name: str, event_: str, table: str, condition: str | None, function_: str):
    when = f" WHEN {condition}" if condition else ""
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE TRIGGER {name} AFTER {event_} ON {table} FOR EACH ROW{when}"
        f" EXECUTE FUNCTION {function_}()",
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
    enrolment = (
        f"IF {mark_only} THEN IF {old} <> {new} THEN UPDATE class_unit_counts"
        f" SET participants = participants + CASE WHEN {new} THEN 1 ELSE -1 END"
        " WHERE class_id = NEW.class_id AND unit_id = NEW.unit_id; END IF; ELSE"
        f" IF TG_OP <> 'INSERT' THEN {move('OLD', '-')}; END IF;"
        f" IF TG_OP <> 'DELETE' THEN {move('NEW', '+')}; END IF; END IF;"
        f" IF (TG_OP = 'INSERT' AND {new}) OR (TG_OP = 'DELETE' AND {old})"
        f" OR (TG_OP = 'UPDATE' AND {when['enrolment_keys']}) THEN"
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
        "IF TG_OP = 'UPDATE' AND NOT (" + when["session"] + ") AND EXISTS (SELECT 1 FROM"
        " class_sessions o WHERE o.class_id = NEW.class_id AND o.id <> NEW.id"
        " AND o.cancelled_at IS NULL AND o.marked_count > 0) THEN RETURN NULL; END IF;"
        f" PERFORM rollup_defer_keys(ARRAY({participants(before)}"
        f" UNION {participants(after)})); RETURN NULL;"
    )
    return [
        function("rollup_defer_keys", defer, "users integer[]", "void"),
        function("rollup_enrolment", enrolment),
        function("rollup_certificate", certificates),
        function("rollup_class", klass),
        function("rollup_session", session),
        *trigger("rollup_enrolment_insert", "INSERT", "enrollments",
                 "(NEW.status = 'enrolled')", "rollup_enrolment"),
        *trigger("rollup_enrolment_update",
                 "UPDATE OF status, attended_count, outcome, class_id, unit_id, user_id",
                 "enrollments", f"({when['enrolment_counts']} OR {when['enrolment_keys']})",
                 "rollup_enrolment"),
        *trigger("rollup_enrolment_delete", "DELETE", "enrollments",
                 "(OLD.status = 'enrolled')", "rollup_enrolment"),
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
