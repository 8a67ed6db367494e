"""Online backup and restore: SQLite's backup API, or pg_dump / pg_restore on PostgreSQL."""

import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from lms.extensions import db


class RestoreRefused(RuntimeError):
    pass


def _url():
    return make_url(db.engine.url.render_as_string(hide_password=False))


def _libpq_url() -> str:
    return _url().set(drivername="postgresql").render_as_string(hide_password=False)


def backup(path: str) -> None:
    url = _url()
    if url.get_backend_name() == "sqlite":
        # The backup API copies a consistent snapshot while other connections keep writing.
        with sqlite3.connect(url.database) as source, sqlite3.connect(path) as target:
            source.backup(target)
        target.close()
        source.close()
    else:
        # A fixed argument list, no shell; pg_dump is found on PATH on purpose (the server's
        # own client tools, whatever their install prefix).
        subprocess.run(  # noqa: S603
            ["pg_dump", "--format=custom", "--no-owner", f"--file={path}", _libpq_url()],  # noqa: S607
            check=True,
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
        subprocess.run(  # noqa: S603  (fixed arguments, no shell; as pg_dump above)
            [  # noqa: S607  (pg_restore found on PATH, as pg_dump above)
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                f"--dbname={_libpq_url()}",
                path,
            ],
            check=True,
        )
