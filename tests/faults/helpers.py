"""Tools for the fault tests: a snapshot of every table, and a crash injected after the
database has already taken part of the work (in this process, or in a worker that is killed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, select

from lms.extensions import db

ROOT = Path(__file__).resolve().parents[2]


class InjectedFault(RuntimeError):
    """The crash a test injects; nothing in the application catches it on purpose."""


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: two snapshots are equal when the database
    holds exactly the same data."""
    db.session.expire_all()
    state = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        state[table.name] = sorted((tuple(r) for r in rows), key=repr)
    db.session.rollback()
    return state


def writes_to(statement: str, table: str) -> bool:
    """INSERT INTO table / UPDATE table / DELETE FROM table."""
    words = [w.strip('"(').lower() for w in statement.split()[:3]]
    verb = words[0] if words else ""
    target = words[1] if verb == "update" else (words[2] if len(words) > 2 else "")
    return verb in ("insert", "update", "delete") and target == table


@contextmanager
def crash_after_write(table: str, nth: int = 1):
    """Raise InjectedFault right after the nth statement writing to `table` has run: the rows
    it wrote are in the database, inside the still-open transaction."""
    seen = {"n": 0}

    def after(_conn, _cursor, statement, _params, _context, _executemany):
        if writes_to(statement, table):
            seen["n"] += 1
            if seen["n"] == nth:
                raise InjectedFault(f"crash after write {nth} to {table}")

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(db.engine, "after_cursor_execute", after)


# A worker process: builds the app on the same database and runs `body` (Python code using the
# names set up here). When the nth write to `table` has run, or when the body calls halfway(),
# it prints HALFWAY and sleeps: the test then kills it with SIGKILL, as the OOM killer or a
# power cut would.
WORKER = """
import sys, time
from sqlalchemy import event
from lms import create_app
from lms.extensions import db
from tests.faults.helpers import writes_to

app = create_app({config!r})
table, nth = {table!r}, {nth!r}
seen = [0]

def halfway():
    print("HALFWAY", flush=True)
    time.sleep(120)

def after(_conn, _cursor, statement, _params, _context, _executemany):
    if table and writes_to(statement, table):
        seen[0] += 1
        if seen[0] == nth:
            halfway()

with app.app_context():
    event.listen(db.engine, "after_cursor_execute", after)
{body}
    print("FINISHED", flush=True)
"""


def kill_worker_halfway(
    app, body: str, *, table: str | None = None, nth: int = 1, timeout: float = 90
) -> None:
    """Run `body` in a new Python process on the app's database and SIGKILL it right after its
    nth write to `table` (or when it calls halfway()). Fails if the worker finishes or dies on
    its own first."""
    config = {
        key: app.config[key]
        for key in ("SECRET_KEY", "DATABASE_URL", "STORAGE_DIR", "TESTING")
    }
    config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"]
    code = WORKER.format(
        config=config, table=table, nth=nth, body=textwrap.indent(textwrap.dedent(body), "    ")
    )
    process = subprocess.Popen(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        line = process.stdout.readline().strip()
        if line != "HALFWAY":
            process.wait(timeout)
            errors = process.stderr.read()
            raise AssertionError(f"the worker did not stop halfway: {line!r}\n{errors}")
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
