"""Benchmark: self check-in under gunicorn + wrk, against a bare Flask baseline in the same run.

    .venv/bin/python scripts/bench_checkin.py [--trainees 3000] [--runs 3] [--duration 10]
        [--pg URL | LMS_BENCH_DATABASE_URL=URL] [--no-sqlite]

Not a timed test. Measures SQLite, and PostgreSQL too when a URL is given: the check-in works in
its own scratch database beside it, `<name>_checkin` (created if missing, emptied each run), so
the province data of the named database is never touched.

For each run it builds a class with N enrolled trainees and a session open for check-in now,
starts gunicorn (gunicorn.conf.py: 2 sync workers) and points wrk (2 threads, 16 connections,
keep-alive) at it. Every request is a different signed-in trainee (session cookie and CSRF token
forged with the app's own secret) posting the current code, so each trainee posts a few times:
the first records, the others answer "already checked in". Afterwards it counts rows: exactly
one attendance, one audit row and one attended_count per trainee, and the session's
marked_count equal to the trainees.

The baseline is a bare Flask + Flask-SQLAlchemy app (below, not part of the product) whose one
endpoint reads one user row by primary key from the same database, served the same way,
measured before and after the check-in run (the mean of the two). Before each measurement the
server is warmed until both workers answer (their app loaded) with requests that change nothing
(the check-in's: GET of its page). The CPU time of the workers and of the database server per
request is measured beside the throughput: unlike req/s it hardly moves with the other users of
a shared machine.

Reports through bench/results.py (a table; rows appended to $LMS_BENCH_RESULTS when set): per
database, check-in req/s (ratio to the bare endpoint), p99 and the rows-after check, with the
load average.
"""

import argparse
import hashlib
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.processes import stop  # noqa: E402

SECRET = "bench-" + "k" * 40
PORT = int(os.environ.get("BENCH_PORT", "8431"))


# --- the baseline: a bare Flask endpoint doing one database read -------------------------------


def baseline_app():
    """gunicorn 'scripts.bench_checkin:baseline_app()': Flask + Flask-SQLAlchemy, one read."""
    from flask import Flask, jsonify
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import text

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["LMS_DATABASE_URL"]
    db = SQLAlchemy(app)
    count = int(os.environ.get("BENCH_USERS", "1000"))

    @app.get("/read")
    def read():
        row = db.session.execute(
            text("SELECT id, username FROM users WHERE id = :id"),
            {"id": random.randint(1, count)},  # noqa: S311  (not security)
        ).first()
        return jsonify({"id": row[0], "username": row[1]})

    return app


# --- the product's data and wrk scripts --------------------------------------------------------


def build_hall(url: str, count: int, password_hash: str | None = None):
    """A fresh schema, one class of `count` trainees (usernames bench0, bench1, ...; with
    `password_hash`, one password all can sign in with), a session open for check-in now
    (started 5 minutes ago). Returns (app, session id, its check-in secret, the trainees'
    session tokens)."""
    from sqlalchemy import insert, select

    from lms import create_app
    from lms.auth.models import User
    from lms.core.types import new_token
    from lms.enrollment.models import Enrollment
    from lms.extensions import db
    from tests.attendance.conftest import session_times_around_now
    from tests.factories import Factories

    app = create_app({"SECRET_KEY": SECRET, "DATABASE_URL": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        make = Factories()
        day, starts, ends = session_times_around_now(started_minutes_ago=5)
        klass = make.klass(start_date=day)
        session = make.session(klass, on_date=day, starts_at=starts, ends_at=ends)
        unit = make.unit()
        tokens = [new_token() for _ in range(count)]
        db.session.execute(insert(User), [
            {"username": f"bench{i}", "full_name": f"Học viên {i}", "unit_id": unit.id,
             "is_trainee": True, "session_token": t, "calendar_token": new_token(),
             "search_name": f"hoc vien {i}", "sort_key": f"{i:06d}", "password_hash": password_hash}
            for i, t in enumerate(tokens)
        ])
        user_ids = db.session.scalars(select(User.id).where(User.username.like("bench%"))).all()
        db.session.execute(insert(Enrollment), [
            {"class_id": klass.id, "user_id": uid, "unit_id": unit.id, "status": "enrolled",
             "source": "assigned", "enrolled_on": day} for uid in user_ids
        ])
        klass.enrolled_count = count
        session.checkin_secret = os.urandom(32)
        db.session.commit()
        return app, session.id, bytes(session.checkin_secret), tokens


def build(url: str, count: int):
    """The hall of build_hall, and for each trainee a signed-in session cookie and its CSRF
    token, as wrk sends them."""
    from flask_login.utils import _create_identifier
    from itsdangerous import URLSafeTimedSerializer

    app, session_id, secret, tokens = build_hall(url, count)
    signer = app.session_interface.get_signing_serializer(app)
    csrf_signer = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token")
    # Flask-Login's "basic" protection: the identifier wrk's requests will have (no
    # User-Agent, from 127.0.0.1); a mismatch would rewrite every cookie, as no browser does.
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        ident = _create_identifier()
    now = int(time.time())
    pairs = []
    for token in tokens:
        raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324  (as Flask-WTF does)
        cookie = signer.dumps({"_user_id": token, "_fresh": True, "_id": ident,
                               "csrf_token": raw, "auth_at": now, "seen_at": now,
                               "_permanent": True})
        pairs.append((cookie, csrf_signer.dumps(raw)))
    return app, session_id, secret, pairs


def checkin_lua(pairs, session_id: int, code: str, cookie_name: str, method: str = "POST") -> str:
    """wrk script: each request a different trainee (cookie + CSRF token). GET (the warm-up)
    asks for the check-in page, which records nothing."""
    lines = ["local cookies = {"]
    lines += [f'  {{"{cookie}", "{csrf}"}},' for cookie, csrf in pairs]
    lines.append("}")
    lines.append(f'local path = "/checkin/{session_id}"')
    lines.append(f'local code = "{code}"')
    lines.append(f'local cookie_name = "{cookie_name}"')
    lines.append(f'local method = "{method}"')
    lines.append("""local n = 0
local threads = 0
setup = function(thread)
  thread:set("index", threads)
  threads = threads + 1
end
init = function(args)
  -- the two wrk threads walk the trainees from opposite ends of the list, so every trainee
  -- is posted once before any is posted again (random offsets sometimes coincided)
  n = index * math.floor(#cookies / 2)
end
request = function()
  n = n + 1
  local pair = cookies[(n % #cookies) + 1]
  if method == "GET" then
    return wrk.format("GET", path, {["Cookie"] = cookie_name .. "=" .. pair[1]})
  end
  return wrk.format("POST", path, {
    ["Cookie"] = cookie_name .. "=" .. pair[1],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "code=" .. code .. "&csrf_token=" .. pair[2])
end
""")
    return "\n".join(lines)


def counts(app, session_id: int) -> dict:
    from sqlalchemy import func, select

    from lms.attendance.models import Attendance
    from lms.classes.models import ClassSession
    from lms.core.models import AuditLog
    from lms.enrollment.models import Enrollment
    from lms.extensions import db
    from lms.reports.models import PendingTraineeKeys
    from lms.reports.report import compute_report

    with app.app_context():
        scalar = db.session.scalar
        day = scalar(select(ClassSession.on_date).where(ClassSession.id == session_id))
        result = {
            "rows": scalar(select(func.count()).select_from(Attendance)),
            "distinct": scalar(select(func.count(func.distinct(Attendance.enrollment_id)))),
            "audit": scalar(select(func.count()).select_from(AuditLog)),
            "attended_sum": scalar(select(func.sum(Enrollment.attended_count))) or 0,
            "marked_count": scalar(
                select(ClassSession.marked_count).where(ClassSession.id == session_id)
            ),
            # The annual report's unique trainees (the only class of the year: one each), read
            # with the trainees whose report keys are still pending (not yet drained).
            "report_unique": compute_report(day.year).total.unique_trainees,
            "pending": scalar(select(func.count()).select_from(PendingTraineeKeys)),
        }
        db.session.remove()
        db.engine.dispose()
        return result


# --- gunicorn and wrk ---------------------------------------------------------------------------


def start_gunicorn(target: str, env: dict, log: Path) -> subprocess.Popen:
    command = [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{PORT}", "--chdir", str(ROOT), target]
    process = subprocess.Popen(  # noqa: S603  (fixed arguments, no shell)
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
        stderr=log.open("ab"), start_new_session=True,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
            time.sleep(1.0)  # both workers up
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {log}") from None
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def wrk(script: Path, path: str, duration: int) -> dict:
    output = subprocess.run(  # noqa: S603  (fixed arguments, no shell)
        [shutil.which("wrk") or "wrk", "-t2", "-c16", f"-d{duration}s", "--latency",
         "-s", str(script), f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True, text=True,
    )
    if output.returncode != 0:
        raise RuntimeError(f"wrk failed: {output.stderr or output.stdout}")
    output = output.stdout

    def millis(label: str) -> float:
        value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": millis("50%"), "p99": millis("99%"),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "non2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def warm(script: Path, path: str) -> None:
    """Until both workers answer at full speed: their app is loaded only after the master
    listens (2-3 s on a loaded machine), and a run that starts earlier measures the loading.
    1-second wrk rounds until two agree within 10% (at most 10)."""
    last = 0.0
    for _ in range(10):
        rps = wrk(script, path, 1)["rps"]
        if last and abs(rps - last) <= 0.1 * max(rps, last):
            return
        last = rps


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc; 0 elsewhere)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def worker_pids(master: subprocess.Popen) -> list[int]:
    try:
        return [int(p) for p in
                Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()]
    except OSError:
        return []


def database_pids(url: str) -> list[int]:
    """PostgreSQL: the server processes of the workers' connections (same machine)."""
    if not url.startswith("postgresql"):
        return []
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).scalars())
    finally:
        engine.dispose()


def measure(target: str, env: dict, url: str, log: Path, warm_script: Path, warm_path: str,
            script_for_run, path: str, duration: int) -> dict:
    """Start gunicorn with `target`, warm it, run wrk; req/s, latency and CPU per request
    (workers, and database server processes) over the measured run."""
    server = start_gunicorn(target, env, log)
    try:
        warm(warm_script, warm_path)
        script = script_for_run()  # after the warm-up: the check-in code must be current
        workers, database = worker_pids(server), database_pids(url)
        app_cpu, db_cpu = cpu_seconds(workers), cpu_seconds(database)
        result = wrk(script, path, duration)
        result["app_ms"] = (cpu_seconds(workers) - app_cpu) * 1000 / result["requests"]
        result["db_ms"] = (cpu_seconds(database) - db_cpu) * 1000 / result["requests"]
        return result
    finally:
        stop(server)


def wait_past_local_midnight() -> None:
    """The session is built for today, local time, and must still be open when the check-in
    run starts a minute or two later: within 3 minutes of local midnight, wait for the new day
    (a run begun at 23:59 found its session over and every POST refused)."""
    from datetime import datetime, timedelta

    from tests.attendance.conftest import ZONE

    now = datetime.now(ZONE)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
    if midnight - now < timedelta(minutes=3):
        time.sleep((midnight - now).total_seconds())


def run_once(url: str, trainees: int, duration: int, folder: Path) -> tuple[dict, dict, dict]:
    from lms.attendance.checkin import code_for, time_step

    wait_past_local_midnight()
    app, session_id, secret, pairs = build(url, trainees)
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": SECRET, "BENCH_USERS": str(trainees)}
    log = folder / "gunicorn.log"
    base_lua = folder / "baseline.lua"
    base_lua.write_text("")
    warm_lua = folder / "warm.lua"
    warm_lua.write_text(checkin_lua(pairs, session_id, "", cookie_name, method="GET"))

    def baseline() -> dict:
        return measure("scripts.bench_checkin:baseline_app()", env, url, log, base_lua, "/read",
                       lambda: base_lua, "/read", duration)

    def checkin_script() -> Path:
        # The code lives 30-60 s: take it now, and start a new step if this one ends too soon.
        if 30 - time.time() % 30 < 2:
            time.sleep(30 - time.time() % 30 + 0.1)
        lua = folder / "checkin.lua"
        lua.write_text(checkin_lua(pairs, session_id, code_for(secret, time_step()), cookie_name))
        return lua

    before = baseline()
    checkin = measure("wsgi:app", env, url, log, warm_lua, "/", checkin_script, "/", duration)
    # The baseline again after the check-in, averaged with the first: the other users of this
    # shared machine come and go, and a baseline on one side only would bias the ratio.
    after = baseline()
    base = {key: (before[key] + after[key]) / 2 for key in ("rps", "p50", "p99", "app_ms", "db_ms")}
    return base, checkin, counts(app, session_id)


def scratch_url(url: str) -> str:
    """The PostgreSQL database the check-in may empty: `<name>_checkin` beside the given one
    (created when missing). The given database itself (province data) is never touched."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    given = make_url(url)
    scratch = given.set(database=f"{given.database}_checkin")
    engine = create_engine(given.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": scratch.database}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{scratch.database}"'))
    finally:
        engine.dispose()
    return scratch.render_as_string(hide_password=False)


def measure_database(name: str, url: str, args, folder: Path) -> list:
    """`args.runs` runs on one database; its result rows (medians)."""
    from bench.results import Result

    bases, checkins, checks = [], [], []
    for run in range(args.runs):
        base, checkin, check = run_once(url, args.trainees, args.duration, folder)
        bases.append(base)
        checkins.append(checkin)
        checks.append(check)
        print(f"{name} run {run + 1}: baseline {base['rps']:.0f} req/s, check-in "
              f"{checkin['rps']:.0f} req/s (p99 {checkin['p99']:.1f} ms, non-2xx "
              f"{checkin['non2xx']}, {checkin['requests']} requests, CPU/request app "
              f"{checkin['app_ms']:.2f} + db {checkin['db_ms']:.2f} ms vs bare "
              f"{base['app_ms']:.2f} + {base['db_ms']:.2f}), rows {check}, load "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr, flush=True)

    def median(results, key):
        return statistics.median(r[key] for r in results)

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    size = f"{args.trainees:,} trainees, {args.runs} × {args.duration} s"
    base_rps, rps, p99 = median(bases, "rps"), median(checkins, "rps"), median(checkins, "p99")
    # The ratio of each run (both measured within the same minute), then the median.
    ratio = statistics.median(c["rps"] / b["rps"] for b, c in zip(bases, checkins, strict=True))
    non2xx = sum(c["non2xx"] for c in checkins)
    cpu = (f"CPU per request: check-in {median(checkins, 'app_ms'):.2f} ms app"
           + (f" + {median(checkins, 'db_ms'):.2f} ms db" if name == "postgresql" else "")
           + f", bare {median(bases, 'app_ms'):.2f} ms"
           + (f" + {median(bases, 'db_ms'):.2f} ms" if name == "postgresql" else ""))
    consistent = all(
        c["rows"] == c["distinct"] == c["audit"] == c["attended_sum"] == c["marked_count"]
        == c["report_unique"] for c in checks
    )
    # A short run (fewer than 2 × trainees requests) does not reach every trainee: fewer rows
    # there is not a loss, as long as every count agrees.
    covered = all(c["requests"] >= 2 * args.trainees for c in checkins)
    rows_ok = consistent and (not covered or all(c["rows"] == args.trainees for c in checks))
    measure_name = "self check-in POST (gunicorn 2 workers, wrk 16 connections)"
    return [
        Result(measure_name, name, size, rps, unit="req/s",
               baseline="bare Flask, one DB read", baseline_value=base_rps, ratio=ratio,
               target="≥ 0.30 of bare, every answer 2xx",
               ok=ratio >= 0.30 and non2xx == 0,
               note=f"{cpu}; non-2xx {non2xx}; load {load}"),
        Result("self check-in p99 latency", name, size, p99, unit="ms",
               baseline="bare Flask, one DB read", baseline_value=median(bases, "p99")),
        Result("self check-in rows after (attendance = audit = attended_count = marked_count"
               " = the report's unique trainees)",
               name, size, float(min(c["rows"] for c in checks)), unit="rows",
               target=f"= {args.trainees:,} trainees: none lost, none doubled", ok=rows_ok,
               note=", ".join(str(c["rows"]) for c in checks)
               + ("" if covered else "; short run: not every trainee reached")),
    ]


def main() -> None:
    from bench.results import emit

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--pg", default=os.environ.get("LMS_BENCH_DATABASE_URL", ""),
                        help="PostgreSQL URL (default: $LMS_BENCH_DATABASE_URL); its "
                        "<name>_checkin database is used")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    folder = Path(tempfile.mkdtemp(prefix="bench-checkin-"))
    targets = [] if args.no_sqlite else [("sqlite", f"sqlite:///{folder / 'bench.sqlite3'}")]
    if args.pg:
        targets.append(("postgresql", scratch_url(args.pg)))
    rows = []
    for name, url in targets:
        rows += measure_database(name, url, args, folder)
    emit(rows)


if __name__ == "__main__":
    main()
