"""Benchmark: self check-in under gunicorn + wrk, against a bare Flask baseline in the same run.

    .venv/bin/python scripts/bench_checkin.py [--trainees 3000] [--runs 3] [--duration 10]
    LMS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/db \
        .venv/bin/python scripts/bench_checkin.py

Not a timed test. For each run it builds a class with N enrolled trainees and a session open
for check-in now, starts gunicorn (gunicorn.conf.py: 2 sync workers) and points wrk
(2 threads, 16 connections, keep-alive) at it. Every request is a different signed-in trainee
(session cookie and CSRF token forged with the app's own secret) posting the current code,
so each trainee posts a few times: the first records, the others answer "already checked in".
Afterwards it counts rows: exactly one attendance, one audit row and one attended_count per
trainee, and the session's marked_count equal to the trainees.

The baseline is a bare Flask + Flask-SQLAlchemy app (below, not part of the product) whose one
endpoint reads one user row by primary key from the same database, served the same way,
measured before and after the check-in run (the mean of the two).
Prints one table of medians: req/s, p50, p99, ratio to the baseline (median of the per-run
ratios), rows after = trainees. The machine is shared: the load average is printed with it.
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


def build(url: str, count: int):
    """A fresh schema, one class of `count` trainees, a session open for check-in now."""
    from flask_login.utils import _create_identifier
    from itsdangerous import URLSafeTimedSerializer
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
             "search_name": f"hoc vien {i}", "sort_key": f"{i:06d}"}
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
        return app, session.id, bytes(session.checkin_secret), pairs


def checkin_lua(pairs, session_id: int, code: str, cookie_name: str) -> str:
    lines = ["local cookies = {"]
    lines += [f'  {{"{cookie}", "{csrf}"}},' for cookie, csrf in pairs]
    lines.append("}")
    lines.append(f'local path = "/checkin/{session_id}"')
    lines.append(f'local code = "{code}"')
    lines.append(f'local cookie_name = "{cookie_name}"')
    lines.append("""local n = 0
init = function(args)
  -- each wrk thread walks the trainees from its own random offset
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  n = math.random(#cookies)
end
request = function()
  n = n + 1
  local pair = cookies[(n % #cookies) + 1]
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

    with app.app_context():
        scalar = db.session.scalar
        result = {
            "rows": scalar(select(func.count()).select_from(Attendance)),
            "distinct": scalar(select(func.count(func.distinct(Attendance.enrollment_id)))),
            "audit": scalar(select(func.count()).select_from(AuditLog)),
            "attended_sum": scalar(select(func.sum(Enrollment.attended_count))) or 0,
            "marked_count": scalar(
                select(ClassSession.marked_count).where(ClassSession.id == session_id)
            ),
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


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wrk(script: Path, path: str, duration: int) -> dict:
    output = subprocess.run(  # noqa: S603  (fixed arguments, no shell)
        [shutil.which("wrk") or "wrk", "-t2", "-c16", f"-d{duration}s", "--latency",
         "-s", str(script), f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout

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


def run_once(url: str, trainees: int, duration: int, folder: Path) -> tuple[dict, dict, dict]:
    from lms.attendance.checkin import code_for, time_step

    app, session_id, secret, pairs = build(url, trainees)
    env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": SECRET, "BENCH_USERS": str(trainees)}
    log = folder / "gunicorn.log"

    base_lua = folder / "baseline.lua"
    base_lua.write_text("")
    server = start_gunicorn("scripts.bench_checkin:baseline_app()", env, log)
    try:
        wrk(base_lua, "/read", 2)  # warm-up: the baseline gets its best figure
        base = wrk(base_lua, "/read", duration)
    finally:
        stop(server)

    server = start_gunicorn("wsgi:app", env, log)
    try:
        # The code lives 30-60 s: take it now, and start a new step if this one ends too soon.
        if 30 - time.time() % 30 < 2:
            time.sleep(30 - time.time() % 30 + 0.1)
        code = code_for(secret, time_step())
        lua = folder / "checkin.lua"
        lua.write_text(checkin_lua(pairs, session_id, code, app.config["SESSION_COOKIE_NAME"]))
        checkin = wrk(lua, "/", duration)
    finally:
        stop(server)
    # The baseline again after the check-in, averaged with the first: the other users of this
    # shared machine come and go, and a baseline on one side only would bias the ratio.
    server = start_gunicorn("scripts.bench_checkin:baseline_app()", env, log)
    try:
        wrk(base_lua, "/read", 2)
        after = wrk(base_lua, "/read", duration)
    finally:
        stop(server)
    base = {key: (base[key] + after[key]) / 2 for key in ("rps", "p50", "p99")}
    return base, checkin, counts(app, session_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-checkin-"))
    url = os.environ.get("LMS_BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite3'}"
    bases, checkins, checks = [], [], []
    for run in range(args.runs):
        base, checkin, check = run_once(url, args.trainees, args.duration, folder)
        bases.append(base)
        checkins.append(checkin)
        checks.append(check)
        print(f"run {run + 1}: baseline {base['rps']:.0f} req/s, check-in {checkin['rps']:.0f} "
              f"req/s (p99 {checkin['p99']:.1f} ms, non-2xx {checkin['non2xx']}, "
              f"{checkin['requests']} requests), rows {check}", file=sys.stderr)

    def median(results, key):
        return statistics.median(r[key] for r in results)

    base_rps = median(bases, "rps")
    ok = all(
        c["rows"] == c["distinct"] == c["audit"] == c["attended_sum"] == c["marked_count"]
        == args.trainees for c in checks
    )
    rows = ", ".join(f"{c['rows']}" for c in checks)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nSelf check-in, {args.runs} run(s) of {args.duration} s, median; "
          f"database {url.split(':')[0]}; {args.trainees} trainees; load average {load}")
    print(f"{'endpoint':<34}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}  rows after")
    print(f"{'bare Flask, one DB read (GET)':<34}{base_rps:>8.0f}{median(bases, 'p50'):>9.2f}"
          f"{median(bases, 'p99'):>9.2f}{1:>8.2f}  -")
    rps = median(checkins, "rps")
    # The ratio of each run (both measured within the same minute), then the median.
    ratio = statistics.median(c["rps"] / b["rps"] for b, c in zip(bases, checkins, strict=True))
    non2xx = sum(c["non2xx"] for c in checkins)
    print(f"{'check-in POST /checkin/<id>':<34}{rps:>8.0f}{median(checkins, 'p50'):>9.2f}"
          f"{median(checkins, 'p99'):>9.2f}{ratio:>8.2f}  {rows} "
          f"(= {args.trainees}: {'yes' if ok else 'NO'})")
    print(f"non-2xx answers to check-in: {non2xx}; targets: >= 1000 req/s, p99 < 50 ms, "
          f"ratio >= 0.40, rows = trainees")
    consistent = all(
        c["rows"] == c["distinct"] == c["audit"] == c["attended_sum"] == c["marked_count"]
        for c in checks
    )
    print(f"rows = distinct trainees = audit rows = sum(attended_count) = marked_count in every "
          f"run: {'yes' if consistent else 'NO'}")
    if any(c["requests"] < 2 * args.trainees for c in checkins):
        print("note: a run made fewer than 2 x trainees requests, so each wrk thread did not "
              "reach every trainee: rows < trainees there is not a loss")


if __name__ == "__main__":
    main()
