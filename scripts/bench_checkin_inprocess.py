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
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.bench_checkin import SECRET, build, cpu_seconds, scratch_url  # noqa: E402


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this machine (Linux /proc): its backends come and go
    (the drain opens its own), so all of them are counted."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("LMS_BENCH_DATABASE_URL", ""))
    parser.add_argument("--blocks", type=int, default=30)
    args = parser.parse_args()
    if args.pg:
        url = scratch_url(args.pg)
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-inprocess-')) / 'b.sqlite3'}"
    # Trainees checked in before measuring, the repeats posting as them: enough that none posts
    # more than 8 times (the check-in's limit is 10 a minute per person).
    warm = max(300, 8 * args.blocks)
    trainees = warm + 40 * args.blocks
    os.environ.update(LMS_DATABASE_URL=url, LMS_SECRET_KEY=SECRET,
                      LMS_ROLLUP_DRAIN_SECONDS="null")
    _, session_id, secret, pairs = build(url, trainees)

    from sqlalchemy import event
    from werkzeug.test import EnvironBuilder

    from lms.attendance.checkin import code_for, time_step
    from lms.extensions import db
    from wsgi import app

    cookie_name = app.config["SESSION_COOKIE_NAME"]
    statuses: dict[str, int] = {}
    code = code_for(secret, time_step())

    def environ(pair) -> dict:
        return EnvironBuilder(
            path=f"/checkin/{session_id}", method="POST",
            headers={"Cookie": f"{cookie_name}={pair[0]}"},
            data={"code": code, "csrf_token": pair[1]},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        ).get_environ()

    def post(request_environ: dict) -> None:
        answer = app(request_environ, lambda status, headers, exc=None: statuses.update(
            {status: statuses.get(status, 0) + 1}))
        b"".join(answer)
        answer.close()

    for pair in pairs[:warm]:
        post(environ(pair))
    order = []
    for block in range(args.blocks):
        first = list(pairs[warm + 40 * block: warm + 40 * (block + 1)])
        again = [pairs[(60 * block + j) % warm] for j in range(60)]
        order += [first.pop() if i % 5 < 2 else again.pop() for i in range(100)]
    environs = [environ(pair) for pair in order]  # built before the clock starts
    statements = [0]

    def count(*_args) -> None:
        statements[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    server_pids = postgres_pids() if args.pg else []
    server = cpu_seconds(server_pids)
    cpu, wall = time.process_time(), time.perf_counter()
    for request_environ in environs:
        post(request_environ)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if args.pg:
        born = [pid for pid in postgres_pids() if pid not in server_pids]  # a new connection
        server = cpu_seconds(server_pids + born) - server
    n = len(order)
    print(f"{'postgresql' if args.pg else 'sqlite'}: {n} requests (40% first check-ins): "
          f"app CPU {cpu / n * 1e6:.0f} µs, server CPU {server / n * 1e6:.0f} µs, wall "
          f"{wall / n * 1e6:.0f} µs, {statements[0] / n:.2f} statements per request; "
          f"answers {statuses}")


if __name__ == "__main__":
    main()
