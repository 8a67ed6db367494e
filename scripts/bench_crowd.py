"""Benchmark: the conference morning's crowd through gunicorn (issue 17): 300 distinct trainees
sign in from one address and check in with the session's rotating code; no 5xx, every row once.

    .venv/bin/python scripts/bench_crowd.py [--people 300] [--phones 16] [--runs 1]
        [--pg URL | LMS_BENCH_DATABASE_URL=URL] [--no-sqlite]

Not a timed test, and not a load generator like wrk: each trainee is a "phone" with its own
cookies, going through the pages a person goes through, over HTTP to gunicorn (gunicorn.conf.py:
2 sync workers, the shipped sign-in limits switched on) from 127.0.0.1, the hall's one Wi-Fi
address as the server sees it. `--phones` of them at a time. Each phone: GET /login, POST a
wrong password first (one trainee in ten, as in tests/attendance/test_conference_morning.py),
POST the right one (expects 302), GET the check-in page, POST the code the session shows now
(expects 200). The app checks every password with its real scrypt hash and every form's CSRF
token.

Reports every answer by class (2xx/3xx, 4xx, 5xx), the time from the first request to the last
answer, and the rows afterwards: attendance rows of the session, distinct trainees among them,
the session's marked_count and the sum of attended_count, each = the people. Exits 1 on any
5xx, any trainee not signed in or not checked in, or a row missing or doubled.

Databases: SQLite in a temporary folder, and PostgreSQL when a URL is given: `--pg URL` is used
as it is (its tables are dropped and created: a scratch database); from LMS_BENCH_DATABASE_URL
(`make bench`) it uses `<name>_checkin` beside it, as scripts/bench_checkin.py does, never the
province database itself.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import os
import re
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scripts.bench_checkin as checkin_bench  # noqa: E402
from bench.processes import stop  # noqa: E402

SECRET = "bench-" + "c" * 40
PASSWORD = "hoi-nghi-2026"  # noqa: S105  (the bench's own trainees)
TYPO_EVERY = 10  # one trainee in ten mistypes the password once first
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def build(url: str, people: int):
    """The check-in bench's hall (one class, a session open for check-in now) whose
    `people` trainees sign in with PASSWORD: the real scrypt, checked at each sign-in."""
    from lms.auth.services import hash_password

    app, session_id, secret, _tokens = checkin_bench.build_hall(
        url, people, password_hash=hash_password(PASSWORD))
    return app, session_id, secret


class Phone:
    """One trainee's phone: its own cookies, one request at a time, each on a new connection
    (gunicorn's sync workers close it after each answer)."""

    def __init__(self, port: int, answers: list):
        self.port, self.answers, self.cookies = port, answers, {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for cookie in response.headers.get_all("Set-Cookie") or ():
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        self.answers.append(response.status)
        return response.status, text


def csrf(text: str) -> str:
    found = CSRF.search(text)
    return found.group(1) if found else ""


def trainee_morning(port: int, index: int, session_id: int, secret: bytes) -> tuple:
    """Sign in (after a typo for one in ten) and check in; (signed in, checked in, answers)."""
    from lms.attendance.checkin import code_for, time_step

    answers: list[int] = []
    phone = Phone(port, answers)
    username = f"bench{index}"
    try:
        _, page = phone.request("GET", "/login")
        token = csrf(page)
        if index % TYPO_EVERY == 0:
            _, page = phone.request("POST", "/login", {
                "login": username, "password": PASSWORD + "x", "csrf_token": token})
            token = csrf(page) or token
        status, _ = phone.request("POST", "/login", {
            "login": username, "password": PASSWORD, "csrf_token": token})
        signed_in = status == 302
        _, page = phone.request("GET", f"/checkin/{session_id}")
        code = code_for(secret, time_step())  # the code the session's screen shows now
        status, _ = phone.request("POST", f"/checkin/{session_id}", {
            "code": code, "csrf_token": csrf(page)})
        return signed_in, status == 200, answers
    except (OSError, http.client.HTTPException) as error:
        print(f"{username}: {error!r}", file=sys.stderr)
        return False, False, answers


def rows_after(app, session_id: int) -> dict:
    from sqlalchemy import func, select

    from lms.attendance.models import Attendance
    from lms.classes.models import ClassSession
    from lms.core.models import AuditLog
    from lms.enrollment.models import Enrollment
    from lms.extensions import db

    with app.app_context():
        scalar = db.session.scalar
        mine = Attendance.session_id == session_id
        result = {
            "rows": scalar(select(func.count()).select_from(Attendance).where(mine)),
            "distinct": scalar(select(func.count(func.distinct(Attendance.enrollment_id)))
                               .where(mine)),
            "audit": scalar(select(func.count()).select_from(AuditLog).where(
                AuditLog.action == "attendance", AuditLog.session_id == session_id)),
            "attended_sum": scalar(select(func.sum(Enrollment.attended_count))) or 0,
            "marked_count": scalar(
                select(ClassSession.marked_count).where(ClassSession.id == session_id)),
        }
        db.session.remove()
        db.engine.dispose()
        return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_once(url: str, people: int, phones: int, folder: Path) -> dict:
    checkin_bench.wait_past_local_midnight()
    app, session_id, secret = build(url, people)
    port = free_port()
    checkin_bench.PORT = port  # start_gunicorn binds there
    server = checkin_bench.start_gunicorn(
        "wsgi:app", {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": SECRET},
        folder / "gunicorn.log")
    try:
        for _ in range(8):  # both workers load the app (GETs change nothing)
            Phone(port, []).request("GET", "/login")
        began = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(phones) as pool:
            outcomes = list(pool.map(
                lambda i: trainee_morning(port, i, session_id, secret), range(people)))
        elapsed = time.perf_counter() - began
    finally:
        stop(server)
    statuses = Counter(code for _, _, answers in outcomes for code in answers)
    return {
        "seconds": elapsed,
        "ok": sum(n for code, n in statuses.items() if code < 400),
        "4xx": sum(n for code, n in statuses.items() if 400 <= code < 500),
        "5xx": sum(n for code, n in statuses.items() if code >= 500),
        "statuses": dict(sorted(statuses.items())),
        "signed_in": sum(1 for s, _, _ in outcomes if s),
        "checked_in": sum(1 for _, c, _ in outcomes if c),
        **rows_after(app, session_id),
    }


def measure_database(name: str, url: str, args, folder: Path) -> tuple[list, bool]:
    from bench.results import Result

    rows, good = [], True
    for run in range(args.runs):
        r = run_once(url, args.people, args.phones, folder)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        exact = (r["rows"] == r["distinct"] == r["audit"] == r["attended_sum"]
                 == r["marked_count"] == args.people)
        ok = (r["5xx"] == 0 and exact and r["signed_in"] == r["checked_in"] == args.people)
        good &= ok
        print(f"{name} run {run + 1}: {r['seconds']:.1f} s, answers {r['statuses']}, signed in "
              f"{r['signed_in']}, checked in {r['checked_in']}, rows {r['rows']} (distinct "
              f"{r['distinct']}, audit {r['audit']}, attended_count {r['attended_sum']}, "
              f"marked_count {r['marked_count']}), load {load}", file=sys.stderr, flush=True)
        rows.append(Result(
            f"crowd: {args.people} trainees sign in from one address and check in "
            f"(gunicorn 2 workers, {args.phones} phones at a time)",
            name, f"{args.people} trainees, run {run + 1}", r["seconds"], unit="s",
            target="no 5xx; every trainee in; rows = trainees, none doubled; < 5 min", ok=ok
            and r["seconds"] < 300,
            note=f"answers 2xx/3xx {r['ok']}, 4xx {r['4xx']}, 5xx {r['5xx']}; rows {r['rows']}, "
                 f"distinct {r['distinct']}, audit {r['audit']}, marked_count "
                 f"{r['marked_count']}; load {load}"))
    return rows, good


def main() -> int:
    from bench.results import emit

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--phones", type=int, default=16, help="trainees at a time")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--pg", default="", help="a scratch PostgreSQL database (emptied)")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-crowd-"))
    targets = [] if args.no_sqlite else [("sqlite", f"sqlite:///{folder / 'crowd.sqlite3'}")]
    if args.pg:
        targets.append(("postgresql", args.pg))
    elif os.environ.get("LMS_BENCH_DATABASE_URL"):
        targets.append(("postgresql",
                        checkin_bench.scratch_url(os.environ["LMS_BENCH_DATABASE_URL"])))
    rows, good = [], True
    for name, url in targets:
        found, ok = measure_database(name, url, args, folder)
        rows += found
        good &= ok
    emit(rows)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
