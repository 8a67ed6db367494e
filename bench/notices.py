"""Benchmark: the cost of notices where they are written and where they are sent.

    .venv/bin/python -m bench.notices [--runs 9] [--messages 1000] [--database-url URL]

- Enrolling a 300-person unit (POST /classes/<id>/assign, kind=unit, through the Flask test
  client: server time, no network) writes its 300 notices in the same request. Measured with
  the notices and without (the call in assign_trainees replaced by a no-op), alternating, each
  run on a new class; the target is the difference of the medians. E-mail is on (the notices
  are "pending", with their Message-IDs), sending after the commit is off: the request alone.
- Sending 1,000 pending notices with one sender (send_due, one SMTP connection) to an SMTP
  server on 127.0.0.1 (aiosmtpd in its own process, counting what it takes): rendering both parts
  in the recipient's language, the claim and the result committed per message.

SQLite in a temporary file by default; --database-url runs it on another database, whose
tables are DROPPED and recreated (give an empty scratch database, never a real one).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, func, select

from bench.results import Result, emit

ROOT = Path(__file__).resolve().parents[1]
WRITE_TARGET_MS = 150
SEND_TARGET_S = 30


class Counter:
    """The SMTP server's handler: one byte appended to a file per message taken."""

    def __init__(self, path: str):
        self.file = open(path, "ab", buffering=0)  # noqa: SIM115  (open while the server runs)

    @classmethod
    def from_cli(cls, _parser, path: str) -> Counter:
        return cls(path)

    async def handle_DATA(self, server, session, envelope):
        self.file.write(b".")
        return "250 2.0.0 Ok"


def start_smtp_server(folder: Path) -> tuple[subprocess.Popen, int, Path]:
    """aiosmtpd in its own process (as a real server is: no share of this one's GIL)."""
    port, counted = free_port(), folder / "received"
    counted.touch()
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "bench.notices.Counter",
            str(counted),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server, port, counted
        time.sleep(0.1)
    server.kill()
    raise SystemExit("the SMTP server did not start")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="lms-bench-notices-"))
    server, port, received_file = start_smtp_server(folder)
    try:
        run(args, folder, port, received_file)
    finally:
        server.terminate()
        server.wait(10)


def run(args, folder: Path, port: int, received_file: Path) -> None:
    import lms.notices
    from lms import create_app
    from lms.auth.models import User
    from lms.classes.models import Class
    from lms.extensions import db
    from lms.notices.models import Notice
    from lms.notices.outbox import send_due
    from lms.notices.services import class_values, rows_for, write_rows
    from tests.conftest import Client
    from tests.factories import Factories

    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    database = url.split(":", 1)[0].split("+", 1)[0]
    database = "postgresql" if database.startswith("postgres") else database
    app = create_app(
        {
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
            "DATABASE_URL": url,
            "STORAGE_DIR": str(folder / "storage"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "ROLLUP_DRAIN_SECONDS": None,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_USE_TLS": False,
            "MAIL_SENDER": "Trung tâm Bồi dưỡng <no-reply@ttbd.example.vn>",
            "MAIL_SEND_AFTER_COMMIT": False,
            "PUBLIC_BASE_URL": "https://lms.example.vn",
        }
    )
    app.test_client_class = Client
    with app.app_context():
        db.drop_all()
        db.create_all()
        make = Factories()
        make.settings()
        make.director(username="director")
        unit = make.unit(name="Đảng bộ phường Hoàng Liệt")
        for i in range(args.people):
            make.trainee(unit=unit, email=f"hv{i}@example.vn", language="en" if i % 5 else "vi")
        classes = [
            make.klass(enrollment_mode="assigned", title=f"Hội nghị quán triệt {i}").id
            for i in range(2 * args.runs + 2)
        ]
        db.session.commit()
        unit_id = unit.id

    client = app.test_client()
    client.post("/login", data={"login": "director", "password": "secret-pass"})
    statements = [0]

    def count(*_args):
        statements[-1] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    real = lms.notices.enrolled_by_director
    timings: dict[bool, list[float]] = {True: [], False: []}
    counted: dict[bool, int] = {}
    for run, class_id in enumerate(classes):
        with_notices = run % 2 == 0
        lms.notices.enrolled_by_director = real if with_notices else (lambda *_a, **_k: None)
        statements.append(0)
        started = time.perf_counter()
        response = client.post(
            f"/classes/{class_id}/assign",
            data={"kind": "unit", "unit_id": unit_id, "include_subunits": "y"},
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 302, response.text[:300]
        if run >= 2:  # the first of each kind warms the caches
            timings[with_notices].append(elapsed * 1000)
            counted[with_notices] = statements[-1]
    lms.notices.enrolled_by_director = real
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", count)
        written = db.session.scalar(
            select(func.count(Notice.id)).where(Notice.class_id == classes[0])
        )
    assert written == args.people, written
    on, off = statistics.median(timings[True]), statistics.median(timings[False])
    extra = on - off
    print(f"assign {args.people}: with notices {on:.0f} ms, without {off:.0f} ms", flush=True)
    results = [
        Result(
            measure=f"enrol a {args.people}-person unit, its notices written in the request",
            database=database,
            size=f"{args.people} trainees",
            value=on,
            baseline="the same without notices",
            baseline_value=off,
            target=f"< {WRITE_TARGET_MS} ms more than without",
            ok=extra < WRITE_TARGET_MS,
            statements=counted[True],
            note=f"{extra:+.0f} ms; {counted[True] - counted[False]:+d} statements; "
            f"{len(timings[True])} runs each",
        )
    ]

    with app.app_context():
        db.session.execute(Notice.__table__.delete())
        people = list(db.session.scalars(select(User).where(User.is_trainee)))
        klass = db.session.get(Class, classes[0])
        params = class_values(klass)
        rows = []
        for i in range(args.messages):
            rows += rows_for("enrolled", [people[i % len(people)]], params, class_id=klass.id)
        write_rows(rows)
        db.session.commit()
        before = received_file.stat().st_size
        started = time.perf_counter()
        report = send_due()
        elapsed = time.perf_counter() - started
        db.session.remove()
    received = received_file.stat().st_size - before
    assert report.sent == args.messages == received, (report, received)
    print(f"sent {args.messages} in {elapsed:.1f} s ({args.messages / elapsed:.0f}/s)", flush=True)
    results.append(
        Result(
            measure=f"send {args.messages:,} notices, one sender, SMTP on 127.0.0.1",
            database=database,
            size=f"{args.messages:,} messages",
            value=elapsed,
            unit="s",
            target=f"< {SEND_TARGET_S} s",
            ok=elapsed < SEND_TARGET_S,
            note=f"{args.messages / elapsed:.0f} messages/s; text + HTML, vi/en",
        )
    )
    emit(results)


if __name__ == "__main__":
    sys.exit(main())
