"""The report's rollups, kept exact by database triggers (SQLite and PostgreSQL).

Why triggers: the counted rows change on many paths (roster save, check-in's lean SQL,
walk-ins, imports, close-out, enrolment status changes, session cancel/move/add, class cancel,
certificate issue/revoke, cascades). A trigger runs in the same transaction as the change on
every one of them, including paths written later, with no hook in the Python code.

- class_unit_counts (per class and enrolment unit): enrolled, participants, completions and
  valid certificates of its enrolled enrolments. Moved by deltas: +new row, -old row.
- trainee_keys (per person, year, key): the first date of a held class of that key where the
  person is a trainee-attendance; trainee_key_counts: people per (first date, key). The keys
  depend on the enrolment (status, attended > 0, class, unit), its class (cancelled, program)
  and the class's sessions (first non-cancelled date, held = a non-cancelled session with
  marks). When any of that changes, the trigger only appends the person to
  trainee_keys_pending; drain() later recomputes the keys of the pending people from their own
  enrolments (a few rows each) and moves the counts by the difference, many people at once.

Why pending, not recomputed in the trigger: the check-in's first mark of a trainee changes
their keys. Recomputed there, it cost the database ~3 ms per check-in and every check-in of a
class moved the same few trainee_key_counts rows, locked until its commit (measured with
scripts/bench_checkin.py: 240 check-ins/s on PostgreSQL, 574 without). Appending a row costs
almost nothing and locks nothing shared.

The counts stay exact without waiting for drain(): the report reads, in one statement (one
snapshot), trainee_key_counts minus the stored keys of the pending people plus their keys
computed afresh (unique_counts_sql). A person is either pending or has exact stored keys in
every snapshot: the append happens in the transaction of the change, and drain() takes people
off the list and stores their keys in one transaction.

The check-in's first present/late mark of an enrolment (attended_count 0 -> 1) fires the
enrolment triggers; later marks (1 -> 2) and the marked_count of a session that is not the
class's first marked one fire nothing (the WHEN clauses).

`STATEMENTS[dialect]` creates everything (create_all runs them through DDL events; the
migrations hold copies); `rebuild()` recounts every rollup from the source rows (the
migration's backfill, the demo generator after a bulk load with the triggers dropped).
"""

# SQL text built only from the constants of this module (no input reaches it):
# ruff: noqa: S608

from __future__ import annotations

import functools
import json
import logging
import time
from contextlib import contextmanager

from flask import current_app, g, has_request_context, request
from sqlalchemy import DDL, Date, bindparam, event, text
from sqlalchemy.exc import DBAPIError

from lms.extensions import db

PART = "({r}.status = 'enrolled' AND {r}.attended_count > 0)"


def _year(dialect: str, x: str) -> str:
    if dialect == "sqlite":  # dates are stored as 'YYYY-MM-DD'
        return f"CAST(substr({x}, 1, 4) AS INTEGER)"
    return f"CAST(EXTRACT(YEAR FROM {x}) AS INTEGER)"


def _month(dialect: str, x: str) -> str:
    if dialect == "sqlite":
        return f"CAST(substr({x}, 6, 2) AS INTEGER)"
    return f"CAST(EXTRACT(MONTH FROM {x}) AS INTEGER)"


def _keys_select(dialect: str, users: str | None, *, named: bool = False) -> str:
    """(user_id, year, kind, key, first_date) of the people matching `users` (a condition on
    a user id column such as "IN (NEW.user_id)" or "= ANY(users)"; None:
    everyone), computed from their enrolments, classes and sessions. `named`: the last
    column is called first_date (to be read as a subquery)."""
    mine = f"e.user_id {users} AND " if users is not None else ""
    # The first date and held flag of each class, aggregated once (an aggregate subquery is
    # not flattened) and only for this person's classes.
    their_classes = (
        f" AND s.class_id IN (SELECT class_id FROM enrollments e WHERE {mine}e.status = 'enrolled'"
        " AND e.attended_count > 0)"
        if users is not None
        else ""
    )
    participations = f"""
        SELECT e.user_id, e.unit_id, c.program_id, f.first_date
        FROM enrollments e
        JOIN classes c ON c.id = e.class_id AND c.cancelled_at IS NULL
        JOIN (SELECT s.class_id, MIN(s.on_date) AS first_date FROM class_sessions s
              WHERE s.cancelled_at IS NULL{their_classes}
              GROUP BY s.class_id HAVING MAX(s.marked_count) > 0) f ON f.class_id = e.class_id
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


def _refresh(dialect: str, users: str) -> list[str]:  # drain()'s work
    """Recompute the keys of the people matching `users` (see _keys_select); move the counts
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
        + _keys_select(dialect, users),
        counts(""),
    ]


def _move(r: str, sign: str) -> str:
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


def _certificate(r: str, sign: str) -> str:
    """Move the certificates of the (class, unit) of certificate row r's enrolment, if enrolled."""
    return (
        f"UPDATE class_unit_counts SET certificates = certificates {sign} 1"
        " WHERE (class_id, unit_id) IN (SELECT class_id, unit_id FROM enrollments"
        f" WHERE id = {r}.enrollment_id AND status = 'enrolled')"
    )


def _participants(class_id: str) -> str:
    return (
        f"SELECT user_id FROM enrollments WHERE class_id = {class_id}"
        " AND status = 'enrolled' AND attended_count > 0"
    )


# When a change matters (WHEN clauses; SQLite's IS NOT / PostgreSQL's IS DISTINCT FROM).
def _conditions(dialect: str) -> dict[str, str]:
    differ = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    old, new = PART.format(r="OLD"), PART.format(r="NEW")
    moved = "(OLD.class_id <> NEW.class_id OR OLD.unit_id <> NEW.unit_id)"
    return {
        "enrolment_counts": f"({moved} OR OLD.status <> NEW.status OR {old} <> {new}"
        f" OR OLD.outcome {differ} NEW.outcome)",
        "enrolment_keys": f"({old} <> {new} OR (({old} OR {new})"
        f" AND ({moved} OR OLD.user_id <> NEW.user_id)))",
        "certificate": "((OLD.revoked_at IS NULL) <> (NEW.revoked_at IS NULL)"
        " OR OLD.enrollment_id <> NEW.enrollment_id)",
        "class": "((OLD.cancelled_at IS NULL) <> (NEW.cancelled_at IS NULL)"
        " OR OLD.program_id <> NEW.program_id)",
        # A session's first mark matters only when it makes the class held (no other
        # non-cancelled session has marks): the check-in's hot path stays lean.
        "session": "(OLD.on_date <> NEW.on_date OR OLD.class_id <> NEW.class_id"
        " OR (OLD.cancelled_at IS NULL) <> (NEW.cancelled_at IS NULL))",
        "session_marks": "((OLD.marked_count > 0) <> (NEW.marked_count > 0)"
        " AND NEW.cancelled_at IS NULL)",
    }


OTHER_HELD = (
    "NOT EXISTS (SELECT 1 FROM class_sessions o WHERE o.class_id = NEW.class_id"
    " AND o.id <> NEW.id AND o.cancelled_at IS NULL AND o.marked_count > 0)"
)


def _sqlite() -> list[str]:
    when = _conditions("sqlite")

    def trigger(name: str, event_: str, table: str, condition: str, body: list[str]) -> str:
        return (
            f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event_} ON {table}"
            f" WHEN {condition} BEGIN " + "; ".join(body) + "; END"
        )

    def defer(users: str) -> list[str]:  # their keys: later, by drain()
        return [f"INSERT INTO trainee_keys_pending (user_id) SELECT id FROM users"
                f" WHERE id IN ({users})"]

    return [
        trigger("rollup_enrolment_insert", "INSERT", "enrollments",
                "NEW.status = 'enrolled'", [_move("NEW", "+")]),
        trigger("rollup_enrolment_update",
                "UPDATE OF status, attended_count, outcome, class_id, unit_id", "enrollments",
                when["enrolment_counts"], [_move("OLD", "-"), _move("NEW", "+")]),
        trigger("rollup_enrolment_delete", "DELETE", "enrollments",
                "OLD.status = 'enrolled'", [_move("OLD", "-")]),
        trigger("rollup_keys_enrolment_insert", "INSERT", "enrollments",
                PART.format(r="NEW"), defer("NEW.user_id")),
        trigger("rollup_keys_enrolment_update",
                "UPDATE OF status, attended_count, class_id, unit_id, user_id", "enrollments",
                when["enrolment_keys"], defer("OLD.user_id, NEW.user_id")),
        trigger("rollup_keys_enrolment_delete", "DELETE", "enrollments",
                PART.format(r="OLD"), defer("OLD.user_id")),
        trigger("rollup_certificate_insert", "INSERT", "certificates",
                "NEW.revoked_at IS NULL", [_certificate("NEW", "+")]),
        trigger("rollup_certificate_update", "UPDATE OF revoked_at, enrollment_id",
                "certificates", when["certificate"],
                [_certificate("OLD", "-") + " AND OLD.revoked_at IS NULL",
                 _certificate("NEW", "+") + " AND NEW.revoked_at IS NULL"]),
        trigger("rollup_certificate_delete", "DELETE", "certificates",
                "OLD.revoked_at IS NULL", [_certificate("OLD", "-")]),
        trigger("rollup_keys_class_update", "UPDATE OF cancelled_at, program_id", "classes",
                when["class"], defer(_participants("NEW.id"))),
        trigger("rollup_keys_session_insert", "INSERT", "class_sessions",
                "NEW.cancelled_at IS NULL", defer(_participants("NEW.class_id"))),
        trigger("rollup_keys_session_update",
                "UPDATE OF on_date, cancelled_at, class_id, marked_count", "class_sessions",
                f"{when['session']} OR ({when['session_marks']} AND {OTHER_HELD})",
                defer(_participants("OLD.class_id") + " UNION "
                         + _participants("NEW.class_id"))),
        trigger("rollup_keys_session_delete", "DELETE", "class_sessions",
                "OLD.cancelled_at IS NULL", defer(_participants("OLD.class_id"))),
    ]


def _pg_function(name: str, body: str, args: str = "", returns: str = "trigger") -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}({args}) RETURNS {returns} LANGUAGE plpgsql AS"
        f" $$ BEGIN {body} END $$"
    )


def _pg_trigger(name: str, event_: str, table: str, condition: str | None, function: str):
    when = f" WHEN {condition}" if condition else ""
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE TRIGGER {name} AFTER {event_} ON {table} FOR EACH ROW{when}"
        f" EXECUTE FUNCTION {function}()",
    ]


def _postgresql() -> list[str]:
    when = _conditions("postgresql")
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
        f" IF TG_OP <> 'INSERT' THEN {_move('OLD', '-')}; END IF;"
        f" IF TG_OP <> 'DELETE' THEN {_move('NEW', '+')}; END IF; END IF;"
        f" IF (TG_OP = 'INSERT' AND {new}) OR (TG_OP = 'DELETE' AND {old})"
        f" OR (TG_OP = 'UPDATE' AND {when['enrolment_keys']}) THEN"
        " PERFORM rollup_defer_keys(ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN OLD.user_id END,"
        " CASE WHEN TG_OP <> 'DELETE' THEN NEW.user_id END]); END IF;"
        " RETURN NULL;"
    )
    certificate = (
        f"IF TG_OP <> 'INSERT' AND OLD.revoked_at IS NULL THEN {_certificate('OLD', '-')};"
        " END IF;"
        f" IF TG_OP <> 'DELETE' AND NEW.revoked_at IS NULL THEN {_certificate('NEW', '+')};"
        " END IF; RETURN NULL;"
    )
    klass = f"PERFORM rollup_defer_keys(ARRAY({_participants('NEW.id')})); RETURN NULL;"
    session = (
        "IF TG_OP = 'UPDATE' AND NOT (" + when["session"] + ") AND EXISTS (SELECT 1 FROM"
        " class_sessions o WHERE o.class_id = NEW.class_id AND o.id <> NEW.id"
        " AND o.cancelled_at IS NULL AND o.marked_count > 0) THEN RETURN NULL; END IF;"
        " PERFORM rollup_defer_keys(ARRAY("
        f"{_participants('CASE WHEN TG_OP = ' + chr(39) + 'INSERT' + chr(39) + ' THEN NEW.class_id ELSE OLD.class_id END')}"  # noqa: E501
        f" UNION {_participants('CASE WHEN TG_OP = ' + chr(39) + 'DELETE' + chr(39) + ' THEN OLD.class_id ELSE NEW.class_id END')}"  # noqa: E501
        ")); RETURN NULL;"
    )
    return [
        _pg_function("rollup_defer_keys", defer, "users integer[]", "void"),
        _pg_function("rollup_enrolment", enrolment),
        _pg_function("rollup_certificate", certificate),
        _pg_function("rollup_class", klass),
        _pg_function("rollup_session", session),
        *_pg_trigger("rollup_enrolment_insert", "INSERT", "enrollments",
                     "(NEW.status = 'enrolled')", "rollup_enrolment"),
        *_pg_trigger("rollup_enrolment_update",
                     "UPDATE OF status, attended_count, outcome, class_id, unit_id, user_id",
                     "enrollments", f"({when['enrolment_counts']} OR {when['enrolment_keys']})",
                     "rollup_enrolment"),
        *_pg_trigger("rollup_enrolment_delete", "DELETE", "enrollments",
                     "(OLD.status = 'enrolled')", "rollup_enrolment"),
        *_pg_trigger("rollup_certificate", "INSERT OR UPDATE OF revoked_at, enrollment_id"
                     " OR DELETE", "certificates", None, "rollup_certificate"),
        *_pg_trigger("rollup_class", "UPDATE OF cancelled_at, program_id", "classes",
                     when["class"], "rollup_class"),
        *_pg_trigger("rollup_session_insert", "INSERT", "class_sessions",
                     "(NEW.cancelled_at IS NULL)", "rollup_session"),
        *_pg_trigger("rollup_session_update",
                     "UPDATE OF on_date, cancelled_at, class_id, marked_count", "class_sessions",
                     f"({when['session']} OR {when['session_marks']})", "rollup_session"),
        *_pg_trigger("rollup_session_delete", "DELETE", "class_sessions",
                     "(OLD.cancelled_at IS NULL)", "rollup_session"),
    ]


STATEMENTS = {"sqlite": _sqlite(), "postgresql": _postgresql()}

TRIGGERS = {
    "enrollments": ("rollup_enrolment_insert", "rollup_enrolment_update",
                    "rollup_enrolment_delete", "rollup_keys_enrolment_insert",
                    "rollup_keys_enrolment_update", "rollup_keys_enrolment_delete"),
    "certificates": ("rollup_certificate_insert", "rollup_certificate_update",
                     "rollup_certificate_delete", "rollup_certificate"),
    "classes": ("rollup_keys_class_update", "rollup_class"),
    "class_sessions": ("rollup_keys_session_insert", "rollup_keys_session_update",
                       "rollup_keys_session_delete", "rollup_session_insert",
                       "rollup_session_update", "rollup_session_delete"),
}


def rebuild_statements(dialect: str) -> list[str]:
    """Every rollup recounted from the source rows (the same definitions as the triggers)."""
    # PostgreSQL: room to group millions of rows in memory (this transaction only).
    memory = ["SET LOCAL work_mem = '256MB'"] if dialect == "postgresql" else []
    return memory + [
        "DELETE FROM class_unit_counts",
        "INSERT INTO class_unit_counts"
        " (class_id, unit_id, enrolled, participants, completions, certificates)"
        " SELECT e.class_id, e.unit_id, COUNT(*),"
        " SUM(CASE WHEN e.attended_count > 0 THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN e.outcome = 'completed' THEN 1 ELSE 0 END), SUM(COALESCE(x.n, 0))"
        " FROM enrollments e LEFT JOIN (SELECT enrollment_id, COUNT(*) AS n FROM certificates"
        " WHERE revoked_at IS NULL GROUP BY enrollment_id) x ON x.enrollment_id = e.id"
        " WHERE e.status = 'enrolled' GROUP BY e.class_id, e.unit_id"
        # In primary-key order: on PostgreSQL a class's rows then share heap pages.
        " ORDER BY e.class_id, e.unit_id",
        "DELETE FROM trainee_keys",
        "INSERT INTO trainee_keys (user_id, year, kind, key, first_date)"
        + _keys_select(dialect, None),
        "DELETE FROM trainee_key_counts",
        "INSERT INTO trainee_key_counts (first_date, kind, key, people)"
        " SELECT first_date, kind, key, COUNT(*) FROM trainee_keys"
        " GROUP BY first_date, kind, key ORDER BY first_date, kind, key",
    ]


def rebuild() -> None:
    """Recount every rollup from the source rows (in the caller's transaction); nobody is left
    pending."""
    db.session.execute(text("DELETE FROM trainee_keys_pending"))
    for statement in rebuild_statements(db.session.get_bind().dialect.name):
        db.session.execute(text(statement))


# --- the pending people: drained in batches, corrected for when read ---------------------------

# People per drain. The worker that drains serves nobody meanwhile: at 10 M attendance records
# (five years of a province) 500 people with their history take ~0.2 s (scripts/bench_report.py).
DRAIN_BATCH = 500
_DRAIN_LOCK = 0x6C6D7301  # PostgreSQL advisory lock: one drain at a time


def _users_param(dialect: str) -> str:
    if dialect == "postgresql":
        # "= ANY(array)", not "IN (SELECT unnest(...))": the latter's generic plan scans the table.
        return "= ANY(:users)"
    return "IN (SELECT value FROM json_each(:users))"


def drain(connection, limit: int = DRAIN_BATCH) -> list[int]:
    """Take up to `limit` pending people off the list and store their keys, recomputed from the
    source rows, in the transaction of `connection` (the caller commits). Returns the people
    refreshed; none also when another drain is running (PostgreSQL).

    Safe beside any writer (READ COMMITTED): the keys are computed by statements that start
    after the delete, so they see every change whose pending row was deleted; a change not yet
    committed then leaves its own pending row in place, to be drained next time. Two drains at
    once would subtract the same old keys twice: PostgreSQL takes a lock for the transaction,
    SQLite has one writer anyway."""
    dialect = connection.dialect.name
    if dialect == "postgresql" and not connection.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _DRAIN_LOCK}
    ).scalar():
        return []
    users = sorted(set(connection.execute(text(
        "DELETE FROM trainee_keys_pending WHERE id IN"
        " (SELECT id FROM trainee_keys_pending ORDER BY id LIMIT :limit) RETURNING user_id"
    ), {"limit": limit}).scalars()))
    if not users:
        return []
    if dialect == "postgresql":
        # Compiling these statements to machine code (JIT) costs more than running them.
        connection.execute(text("SET LOCAL jit = off"))
    param = users if dialect == "postgresql" else json.dumps(users)
    for statement in _refresh(dialect, _users_param(dialect)):
        connection.execute(text(statement), {"users": param})
    return users


def drain_all(connection) -> int:
    """drain() until nobody is pending (or another drain holds the lock); how many people."""
    people: set[int] = set()
    while done := drain(connection):
        people.update(done)
    return len(people)


@functools.cache  # built once per dialect and breakdowns, not per report
def unique_counts_sql(dialect: str, kinds: tuple[str, ...]):
    """(kind, key, people) of the keys whose first date falls in [:start, :end]: the stored
    counts, corrected for the pending people (their stored keys out, their keys computed now
    in). One statement: one snapshot, in which each person is either pending or exact."""
    pending = "IN (SELECT user_id FROM trainee_keys_pending)"
    between = "first_date BETWEEN :start AND :end"
    wanted = "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds if kind in "tpqmu") + ")"
    return text(f"""
        SELECT kind, key, SUM(people) FROM (
            SELECT kind, key, people FROM trainee_key_counts WHERE {between} AND {wanted}
            UNION ALL
            SELECT kind, key, -1 FROM trainee_keys
            WHERE user_id {pending} AND {between} AND {wanted}
            UNION ALL
            SELECT kind, key, 1 FROM ({_keys_select(dialect, pending, named=True)}) fresh
            WHERE {between} AND {wanted}
        ) x GROUP BY kind, key""").bindparams(
        bindparam("start", type_=Date()), bindparam("end", type_=Date())
    )


_last_drain = [0.0]  # per process (each gunicorn worker its own)


def _drain_after(engine) -> None:
    """Runs after the response has gone out (call_on_close): the trainee does not wait. One
    batch: the worker serves nobody meanwhile (tried: batches for up to 0.5 s per response gave
    a PostgreSQL check-in p99 of 70-94 ms, against 39-64 ms with one). A backlog goes with the
    next write requests, or at once with `flask lms drain-report-keys`."""
    try:
        with engine.begin() as connection:
            drain(connection)
    except DBAPIError:  # busy or locked: the next write request's drain takes them
        logging.getLogger(__name__).warning("rollup drain skipped", exc_info=True)


def _schedule_drain(response):
    """After a request that committed a change, at most every ROLLUP_DRAIN_SECONDS per
    process: drain pending people once the response is sent. A GET, or a request that was
    refused (rolled back), never drains: it changes nothing (tests/security). The report is
    exact either way; draining only keeps its correction small."""
    interval = current_app.config["ROLLUP_DRAIN_SECONDS"]
    if interval is None or request.method == "GET" or not g.get("rollups_committed"):
        return response
    now = time.monotonic()
    if now - _last_drain[0] >= interval:
        _last_drain[0] = now
        response.call_on_close(functools.partial(_drain_after, db.engine))
    return response


def _note_commit(_session) -> None:
    if has_request_context():
        g.rollups_committed = True


def init_app(app) -> None:
    app.after_request(_schedule_drain)
    if not event.contains(db.session, "after_commit", _note_commit):
        event.listen(db.session, "after_commit", _note_commit)


def drop_triggers() -> None:
    dialect = db.session.get_bind().dialect.name
    for table, names in TRIGGERS.items():
        for name in names:
            on = f" ON {table}" if dialect == "postgresql" else ""
            db.session.execute(text(f"DROP TRIGGER IF EXISTS {name}{on}"))


def create_triggers() -> None:
    for statement in STATEMENTS.get(db.session.get_bind().dialect.name, []):
        db.session.execute(text(statement))


@contextmanager
def paused():
    """Bulk loads (the demo generator): no trigger per row; every rollup recounted at the end.
    Only for a database nobody else writes to at the same time."""
    drop_triggers()
    try:
        yield
    finally:
        create_triggers()
    rebuild()


# create_all (tests, a fresh database) gets the same triggers, once every table exists.
for _dialect, _statements in STATEMENTS.items():
    for _sql in _statements:
        event.listen(
            db.metadata, "after_create", DDL(_sql.replace("%", "%%")).execute_if(dialect=_dialect)
        )
