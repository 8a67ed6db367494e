"""Check-in CPU in one process: the app called as WSGI (no HTTP, no gunicorn, no wrk).

    .venv/bin/python scripts/bench_checkin_inprocess.py [--pg URL] [--blocks 30]

Not a timed test, and not a replacement for scripts/bench_checkin.py: a finer instrument for
comparing two versions of the check-in path on a noisy machine, where wrk's req/s spread over
runs (±25% here) hides changes of 15%. It builds the same class as bench_checkin.py (in its
scratch database `<name>_checkin` on PostgreSQL), checks 300 trainees in, then posts blocks of
100 requests, 40 first check-ins and 60 repeats, as in the wrk run, and prints the app's CPU
per request, the database server's (PostgreSQL: every server process, from /proc) and the SQL
statements per request. The drain is off (it runs per second, not per request). Run two
versions interleaved a few times and compare the lowest figures.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.bench_checkin import SECRET, build, scratch_url  # noqa: E402

WARM = 300  # trainees checked in before measuring: the repeats post as them


def server_cpu_seconds() -> float:
    """User + system CPU of every PostgreSQL server process on this machine (Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, IndexError, ValueError):
            continue
        if name == "postgres":
            fields = fields.split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("LMS_BENCH_DATABASE_URL", ""))
    parser.add_argument("--blocks", type=int, default=30)
    args = parser.parse_args()
    if args.pg:
        url = scratch_url(args.pg)
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-inprocess-')) / 'b.sqlite3'}"
    trainees = WARM + 40 * args.blocks
    os.environ.update(LMS_DATABASE_URL=url, LMS_SECRET_KEY=SECRET,
                      LMS_ROLLUP_DRAIN_SECONDS="null")
    _, session_id, secret, pairs = build(url, trainees)

    from sqlalchemy import event

    from lms.attendance.checkin import code_for, time_step
    from lms.extensions import db
    from wsgi import app

    cookie_name = app.config["SESSION_COOKIE_NAME"]
    statuses: dict[str, int] = {}

    def post(pair, code) -> None:
        body = f"code={code}&csrf_token={pair[1]}".encode()
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": f"/checkin/{session_id}",
            "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": f"{cookie_name}={pair[0]}",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": False,
            "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
        }
        answer = app(environ, lambda status, headers, exc=None: statuses.update(
            {status: statuses.get(status, 0) + 1}))
        b"".join(answer)
        answer.close()

    code = code_for(secret, time_step())
    for pair in pairs[:WARM]:
        post(pair, code)
    order = []
    for block in range(args.blocks):
        first = list(pairs[WARM + 40 * block: WARM + 40 * (block + 1)])
        again = [pairs[(60 * block + j) % WARM] for j in range(60)]
        order += [first.pop() if i % 5 < 2 else again.pop() for i in range(100)]
    statements = [0]

    def count(*_args) -> None:
        statements[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    server = server_cpu_seconds() if args.pg else 0.0
    cpu, wall = time.process_time(), time.perf_counter()
    for pair in order:
        post(pair, code)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    server = (server_cpu_seconds() - server) if args.pg else 0.0
    n = len(order)
    print(f"{'postgresql' if args.pg else 'sqlite'}: {n} requests (40% first check-ins): "
          f"app CPU {cpu / n * 1e6:.0f} µs, server CPU {server / n * 1e6:.0f} µs, wall "
          f"{wall / n * 1e6:.0f} µs, {statements[0] / n:.2f} statements per request; "
          f"answers {statuses}")


if __name__ == "__main__":
    main()
