"""The pending people: their report keys stored in batches (drain), corrected for when read.

The triggers only append a person whose keys changed to trainee_keys_pending. drain() takes
up to DRAIN_BATCH of them off the list and stores their keys, recomputed from their own
enrolments; unique_counts_sql() lets the report read exact counts meanwhile, in one statement.
"""

# SQL text built only from the constants of this package (no input reaches it):
# ruff: noqa: S608

from __future__ import annotations

import functools
import json

from sqlalchemy import Date, bindparam, text

from lms.reports.rollups.sql import keys_select, refresh

# People per drain. The worker that drains serves nobody meanwhile: a batch this size stays
# short even at 10 M attendance records (docs/benchmarks.md).
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
    for statement in refresh(dialect, _users_param(dialect)):
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
            SELECT kind, key, 1 FROM ({keys_select(dialect, pending, named=True)}) fresh
            WHERE {between} AND {wanted}
        ) x GROUP BY kind, key""").bindparams(
        bindparam("start", type_=Date()), bindparam("end", type_=Date())
    )
