"""`lms backup` / `lms restore` on PostgreSQL never put the database password on a command line
(issue 18, point 4): any local user can read a process's command line (`ps`,
/proc/<pid>/cmdline). pg_dump and pg_restore get the URL without the password and the password
in a 0600 file named by PGPASSFILE, removed when the tool ends.

The live test runs the real commands (`flask --app wsgi lms backup`, then `restore` into a new
database) with a password in LMS_DATABASE_URL, through stand-ins for pg_dump and pg_restore that
record their arguments and environment before running the real tools, while a thread reads the
command line of every process on the machine. The server here trusts local connections, so it
does not check the password: the test proves where the password goes, not that the server
accepts it."""

import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from lms.auth.models import User
from lms.backup import libpq_target
from lms.extensions import db
from tests.conftest import PG_URL
from tests.faults.helpers import ROOT
from tests.faults.live import drop_database_later, server_env


def test_the_tool_gets_the_url_without_the_password_and_a_0600_password_file():
    url = "postgresql+psycopg://lms:p:ss\\wörd@db.internal:5433/lms?sslmode=require"
    with libpq_target(url) as (target, env):
        assert target == "postgresql://lms@db.internal:5433/lms?sslmode=require"
        assert "PGPASSWORD" not in env
        passfile = Path(env["PGPASSFILE"])
        assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
        assert stat.S_IMODE(passfile.parent.stat().st_mode) == 0o700
        assert passfile.read_text(encoding="utf-8") == "*:*:*:*:p\\:ss\\\\wörd\n"
    assert not passfile.exists()
    assert not passfile.parent.exists()

    # libpq's own spelling, ?password=..., is moved to the file too.
    with libpq_target("postgresql://lms@db/lms?password=s3cret&sslmode=require") as (target, env):
        assert target == "postgresql://lms@db/lms?sslmode=require"
        assert Path(env["PGPASSFILE"]).read_text() == "*:*:*:*:s3cret\n"

    # No password (trust, peer, the user's own ~/.pgpass): the environment is left as it is.
    with libpq_target("postgresql+psycopg://lms@db/lms") as (target, env):
        assert target == "postgresql://lms@db/lms"
        assert env == dict(os.environ)


STAND_IN = """#!/bin/sh
# Records what this process was given, then runs the real tool with the same arguments.
{{
  echo "== $(basename "$0")"
  for arg in "$@"; do echo "ARG $arg"; done
  echo "PGPASSWORD=${{PGPASSWORD-}}"
  echo "PATH ${{PGPASSFILE-}}"
  echo "MODE $(stat -c %a "${{PGPASSFILE:-/nonexistent}}" 2>/dev/null)"
  echo "FILE $(cat "${{PGPASSFILE:-/nonexistent}}" 2>/dev/null)"
}} >> "{log}"
exec "{real}" "$@"
"""


def _watch_command_lines(secret: str, stop: threading.Event, seen: list[str]) -> None:
    """Read every process's command line, as any local user can, until stopped."""
    needle = secret.encode()
    while not stop.wait(0.01):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                cmdline = Path(entry.path, "cmdline").read_bytes()
            except OSError:
                continue  # ended meanwhile
            if needle in cmdline:
                seen.append(cmdline.replace(b"\0", b" ").decode("utf-8", "replace"))


@pytest.fixture
def password_url():
    """The test database's URL with a password in it, and a new empty database's (same
    password), dropped afterwards."""
    secret = f"pw-{uuid.uuid4().hex}"
    url = make_url(PG_URL).set(password=secret)
    name = f"{url.database}_pw_{uuid.uuid4().hex[:8]}"
    server = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield secret, url, url.set(database=name)
    drop_database_later(server, name)


@pytest.mark.postgres_only
@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (LMS_TEST_DATABASE_URL)")
def test_backup_and_restore_keep_the_password_off_every_command_line(
    app, make, tmp_path, password_url
):
    secret, source_url, empty_url = password_url
    make.user(username="hoa", full_name="Ngô Thị Hoa")
    db.session.commit()
    bin_dir, log = tmp_path / "bin", tmp_path / "tools.log"
    bin_dir.mkdir()
    for tool in ("pg_dump", "pg_restore"):
        real = shutil.which(tool)
        assert real, f"{tool} is not installed"
        stand_in = bin_dir / tool
        stand_in.write_text(STAND_IN.format(log=log, real=real))
        stand_in.chmod(0o755)

    def lms(*args, url):
        env = server_env(app, LMS_DATABASE_URL=url.render_as_string(hide_password=False))
        env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
        env.pop("PGPASSWORD", None)
        env.pop("PGPASSFILE", None)
        return subprocess.run(  # noqa: S603  (our own interpreter)
            [sys.executable, "-m", "flask", "--app", "wsgi", "lms", *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )

    backup_file = tmp_path / "backup.pgdump"
    stop, seen = threading.Event(), []
    watcher = threading.Thread(target=_watch_command_lines, args=(secret, stop, seen))
    watcher.start()
    try:
        made = lms("backup", str(backup_file), url=source_url)
        restored = lms("restore", str(backup_file), url=empty_url)
    finally:
        stop.set()
        watcher.join()
    assert made.returncode == 0, made.stderr[-2000:]
    assert restored.returncode == 0, restored.stderr[-2000:]
    assert seen == [], "the password was on a command line"

    calls = log.read_text(encoding="utf-8").split("== ")[1:]
    assert [call.splitlines()[0] for call in calls] == ["pg_dump", "pg_restore"]
    for call in calls:
        args = [line[4:] for line in call.splitlines() if line.startswith("ARG ")]
        assert args, call
        assert not [arg for arg in args if secret in arg]
        assert "PGPASSWORD=\n" in call  # not in the environment either
        assert "MODE 600\n" in call  # the password file: this user only
        assert f"FILE *:*:*:*:{secret}\n" in call
        # and the tool was told which database, by URL (user, host, port, name)
        assert any(re.search(r"postgresql://\w+@[\d.]+:\d+/\w+", arg) for arg in args)
        [passfile] = [line[5:] for line in call.splitlines() if line.startswith("PATH ")]
        assert not Path(passfile).exists(), "the password file was left behind"

    target = create_engine(empty_url)
    with target.connect() as connection:
        names = connection.execute(select(User.full_name).where(User.username == "hoa"))
        assert names.scalars().all() == ["Ngô Thị Hoa"]
    target.dispose()

