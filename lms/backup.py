"""Online backup and restore: SQLite's backup API, or pg_dump / pg_restore on PostgreSQL.

The PostgreSQL tools never get the password on their command line, which any local user can
read (`ps`, /proc/<pid>/cmdline): they get the URL without it, and the password in a password
file readable by this user only (0600, in a 0700 temporary folder, removed when the tool ends)
named by PGPASSFILE. Not PGPASSWORD: PostgreSQL's documentation advises against it, as some
systems show a process's environment to other users.
"""

import os
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from lms.extensions import db


class RestoreRefused(RuntimeError):
    pass


def _url() -> URL:
    return make_url(db.engine.url.render_as_string(hide_password=False))


def _pgpass_field(value: str) -> str:
    # .pgpass format: fields separated by ":", with "\" and ":" escaped by a backslash.
    return value.replace("\\", "\\\\").replace(":", "\\:")


@contextmanager
def libpq_target(url: URL | str) -> Iterator[tuple[str, dict[str, str]]]:
    """(the URL for a libpq tool, without any password; the environment to run it in, which
    names a 0600 password file holding the password, if the URL had one)."""
    url = make_url(url)
    password = url.password
    if password is None and isinstance(url.query.get("password"), str):
        password = url.query["password"]  # ?password=... is libpq's spelling
    # Built anew: URL.set(password=None) keeps the password (None means "unchanged").
    bare = URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port,
        database=url.database, query={k: v for k, v in url.query.items() if k != "password"},
    )
    target = bare.render_as_string(hide_password=False)
    env = dict(os.environ)
    if not password:
        yield target, env
        return
    if "\n" in password or "\r" in password:
        raise ValueError("a database password with a line break cannot go into a password file")
    with tempfile.TemporaryDirectory(prefix="lms-pg-") as folder:  # created 0700
        passfile = Path(folder) / "pgpass"
        handle = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            # Any host, port, database and user: the file serves this one invocation.
            out.write(f"*:*:*:*:{_pgpass_field(password)}\n")
        env["PGPASSFILE"] = str(passfile)
        env.pop("PGPASSWORD", None)
        yield target, env


def _run_pg_tool(argv: list[str], env: dict[str, str]) -> None:
    # A fixed argument list, no shell; the tools are found on PATH on purpose (the server's
    # own client tools, whatever their install prefix).
    subprocess.run(argv, check=True, env=env)  # noqa: S603


def backup(path: str) -> None:
    url = _url()
    if url.get_backend_name() == "sqlite":
        # The backup API copies a consistent snapshot while other connections keep writing.
        with sqlite3.connect(url.database) as source, sqlite3.connect(path) as target:
            source.backup(target)
        target.close()
        source.close()
    else:
        with libpq_target(url) as (target, env):
            _run_pg_tool(
                ["pg_dump", "--format=custom", "--no-owner", f"--file={path}", target], env
            )


def database_has_data() -> bool:
    tables = inspect(db.engine).get_table_names()
    if "users" not in tables:
        return False
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT 1 FROM users LIMIT 1")).first() is not None


def restore(path: str, *, force: bool = False) -> None:
    if database_has_data() and not force:
        raise RestoreRefused("the database already holds data; use --force to overwrite it")
    db.session.remove()
    db.engine.dispose()
    url = _url()
    if url.get_backend_name() == "sqlite":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as source, sqlite3.connect(url.database) as target:
            source.backup(target)
        target.close()
        source.close()
    else:
        with libpq_target(url) as (target, env):
            _run_pg_tool(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={target}",
                 path],
                env,
            )
