"""Every count the database keeps for the code, exact by triggers (SQLite and PostgreSQL).

Why triggers: the counted rows change on many paths (roster save, check-in's lean SQL,
walk-ins, imports, close-out, enrolment status changes, session cancel/move/add, class cancel,
certificate issue/revoke, cascades). A trigger runs in the same transaction as the change on
every one of them, including paths written later, with no hook in the Python code. No Python
code writes these counts.

The attendance counters (counters.py): ClassSession.marked_count (the session's attendance
rows) and Enrollment.attended_count / excused_count / absent_count (the enrolment's rows at
sessions that are not cancelled: cancelling a session takes its marks out, restoring it puts
them back). Moved by the triggers on attendances (PostgreSQL: once per statement, from
transition tables; SQLite: per row) and on class_sessions; the report's rollups below read
them and follow through their own triggers.

Not here: Class.enrolled_count is the enrolment service's seat reservation, not a cached
count. Its guarded UPDATE (... WHERE enrolled_count < capacity, lms.enrollment.services)
decides who gets the last seat under concurrency and is refused by a CHECK when the class is
full; a trigger counting enrolments after the fact could not refuse anyone.

The report's rollups:

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
their keys. Recomputed there, it cost the database time on every check-in, and every check-in
of a class moved the same few trainee_key_counts rows, locked until its commit (the figures:
docs/benchmarks.md). Appending a row costs almost nothing and locks nothing shared.

The counts stay exact without waiting for drain(): the report reads, in one statement (one
snapshot), trainee_key_counts minus the stored keys of the pending people plus their keys
computed afresh (unique_counts_sql). A person is either pending or has exact stored keys in
every snapshot: the append happens in the transaction of the change, and drain() takes people
off the list and stores their keys in one transaction.

The check-in's first present/late mark of an enrolment (attended_count 0 -> 1) fires the
enrolment triggers; later marks (1 -> 2) and the marked_count of a session that is not the
class's first marked one fire nothing (the WHEN clauses).

The modules: sql (the report's shared fragments, the rule "class held" among them),
counters (the attendance counters' fragments), sqlite and postgresql (the triggers of each
dialect), ddl (STATEMENTS[dialect]: create_all runs them through DDL events; the migrations
hold copies: a change of the triggers needs a new migration), drain (the pending people),
rebuild (every count recounted from the source rows, counters first: the migrations'
backfill, and paused() for bulk loads), schedule (drain() after a request).
"""

from lms.reports.rollups.ddl import STATEMENTS, create_triggers, drop_triggers
from lms.reports.rollups.drain import DRAIN_BATCH, drain, drain_all, unique_counts_sql
from lms.reports.rollups.rebuild import paused, rebuild, rebuild_statements
from lms.reports.rollups.schedule import init_app

__all__ = [
    "DRAIN_BATCH",
    "STATEMENTS",
    "create_triggers",
    "drain",
    "drain_all",
    "drop_triggers",
    "init_app",
    "paused",
    "rebuild",
    "rebuild_statements",
    "unique_counts_sql",
]
