"""Several instances, proven (issue 18, point 5): two gunicorn instances of the app (as
deploy/lms.service runs it, behind one site) on two ports, one PostgreSQL database (its own,
created here and upgraded with `flask db upgrade`), one Redis (a database number and a key
prefix of its own) and one RQ worker (deploy/lms-worker.service). Through HTTP, as browsers
behind nginx (PROXY_HOPS=1, each browser its own X-Forwarded-For):

1. a session cookie from one instance works on the other (and its CSRF token);
2. sign-in attempts spread across both instances are counted together (failures);
3. 50 trainees enrolling at once into 30 seats, split across both: exactly 30 enrolled and 20
   waitlisted;
4. a certificate batch started on one instance is run by the RQ worker, and its result is
   downloadable from the other;
5. one instance SIGKILLed while instructors save rosters through both: every save that was
   answered (2xx/3xx) is in the database, none is half-saved, the counters agree.

Needs PostgreSQL (LMS_TEST_DATABASE_URL: CI's second pass) and Redis on 127.0.0.1:6379;
skipped otherwise. ~40 s."""

from __future__ import annotations

import http.client
import io
import itertools
import json
import random
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import redis
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from lms.attendance.models import Attendance
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.classes.models import ClassSession
from lms.core.models import Job
from lms.enrollment.models import Enrollment
from lms.extensions import db
from tests.attendance.conftest import session_times_around_now
from tests.conftest import PG_URL, make_app
from tests.deploy.cluster import Browser, form_fields, rq_worker
from tests.factories import PASSWORD, Factories
from tests.faults.live import ROOT, drop_database_later, gunicorn_servers, server_env

REDIS_URL = "redis://127.0.0.1:6379/13"  # this test's own Redis database
SEATS, TRAINEES = 30, 50
ROSTER, SESSIONS = 20, 300
STATUSES = ("present", "late", "excused", "absent")


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (LMS_TEST_DATABASE_URL)"),
    pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379"),
]


@pytest.fixture
def database():
    """A new PostgreSQL database for this test, upgraded as in production; dropped after."""
    url = make_url(PG_URL)
    name = f"{url.database}_cluster_{uuid.uuid4().hex[:8]}"
    server = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database_later(server, name)


@pytest.fixture
def shared_redis():
    """The key prefix of this run's rate-limit counters; the RQ queue emptied before and the
    run's keys deleted after."""
    import rq

    connection = redis.Redis.from_url(REDIS_URL)
    rq.Queue("lms", connection=connection).empty()
    prefix = f"lms-cluster-{uuid.uuid4().hex[:8]}"
    yield prefix
    keys = connection.keys(f"*{prefix}*")
    if keys:
        connection.delete(*keys)
    connection.close()


def _seed(make: Factories) -> dict:
    """The center the instances serve; returns the ids and names the test needs."""
    make.settings()
    director = make.director(username="giamdoc", full_name="Nguyễn Thế Thạch")
    make.trainee(username="hoa")  # whose password an attacker guesses
    trainees = [make.trainee(username=f"hv{n:02d}") for n in range(TRAINEES)]
    open_class = make.klass(capacity=SEATS, title="Lớp mở 30 chỗ")

    finished = make.klass(start_date=date(2019, 10, 14), end_date=date(2019, 10, 18),
                          title="Lớp bồi dưỡng đảng viên mới khóa 3")
    for _ in range(6):
        make.enrollment(finished, make.trainee(), outcome="completed", attended_count=5)

    instructors = [make.instructor(username=f"gv{n}") for n in range(2)]
    day, starts, ends = session_times_around_now()
    marking = make.klass(start_date=day, instructors=instructors)
    unit = make.unit()
    roster = [make.enrollment(marking, make.trainee(unit=unit)).id for _ in range(ROSTER)]
    db.session.execute(insert(ClassSession), [
        {"class_id": marking.id, "on_date": day, "starts_at": starts, "ends_at": ends,
         "topic": f"Chuyên đề {n}", "room": "Hội trường A"} for n in range(SESSIONS)
    ])
    sessions = db.session.scalars(
        select(ClassSession.id).where(ClassSession.class_id == marking.id)
    ).all()
    db.session.commit()
    return {
        "director": director.username, "director_name": director.full_name,
        "trainees": [t.username for t in trainees], "open_class": open_class.id,
        "finished": finished.id, "instructors": [i.username for i in instructors],
        "roster": roster, "sessions": list(sessions), "marking_class": marking.id,
    }


def test_two_instances_one_database_one_redis_one_worker(database, shared_redis, tmp_path):
    began = time.monotonic()
    app = make_app(tmp_path, DATABASE_URL=database, STORAGE_DIR=str(tmp_path / "shared"))
    env = server_env(app, LMS_REDIS_URL=REDIS_URL, LMS_PROXY_HOPS="1",
                     LMS_RATELIMIT_KEY_PREFIX=shared_redis)
    upgrade = subprocess.run(  # noqa: S603  (our own interpreter)
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert upgrade.returncode == 0, upgrade.stderr[-2000:]
    print(f"upgraded after {time.monotonic() - began:.1f} s")
    with app.app_context():
        world = _seed(Factories())
        db.session.remove()
        db.engine.dispose()
    print(f"seeded after {time.monotonic() - began:.1f} s")

    extra = {k: env[k] for k in ("LMS_REDIS_URL", "LMS_PROXY_HOPS", "LMS_RATELIMIT_KEY_PREFIX")}
    extra["LMS_RATELIMIT_LOGIN_ACCOUNT_ADDRESS"] = "10 per minute"  # failures, one account+address
    with (
        gunicorn_servers(app, tmp_path / "gunicorn.log", count=2, **extra) as (one, two),
        rq_worker(env, REDIS_URL, tmp_path / "worker.log", f"lms-test-{shared_redis}"),
    ):
        print(f"cluster up after {time.monotonic() - began:.1f} s")
        _session_cookie_works_on_both(one.base, two.base, world)
        print(f"  {time.monotonic() - began:.1f} s: _session_cookie_works_on_both")
        _sign_in_limit_is_shared(one.base, two.base)
        print(f"  {time.monotonic() - began:.1f} s: _sign_in_limit_is_shared")
        _enrollments_split_across_instances(one.base, two.base, world, app)
        print(f"  {time.monotonic() - began:.1f} s: _enrollments_split_across_instances")
        _batch_runs_on_the_worker(one.base, two.base, world, tmp_path / "worker.log")
        print(f"  {time.monotonic() - began:.1f} s: _batch_runs_on_the_worker")
        _kill_one_instance_under_load(one, two, world, app)
        print(f"  {time.monotonic() - began:.1f} s: _kill_one_instance_under_load")
    print(f"whole test {time.monotonic() - began:.1f} s")


def _session_cookie_works_on_both(a: str, b: str, world: dict) -> None:
    director = Browser("127.0.0.10")
    assert director.get(b, "/classes").status == 302  # not signed in: to the sign-in page
    answer = director.sign_in(a, world["director"], PASSWORD)
    assert answer.status == 302, answer.text[:300]
    page = director.get(b, "/classes")  # the cookie instance A set, read by instance B
    assert page.status == 200
    assert world["director_name"] in page.text
    # A form from B, posted to A: the CSRF token lives in the shared signed session.
    answer = director.submit(b, "/account/password", "/logout", post_to=a)
    assert answer.status == 302
    assert director.get(b, "/classes").status == 302  # signed out on both


def _sign_in_limit_is_shared(a: str, b: str) -> None:
    """RATELIMIT_LOGIN_ACCOUNT_ADDRESS is 10 failures a minute here: ten wrong passwords
    alternating A, B, A... are answered; the eleventh and twelfth are refused by either instance."""
    attacker = Browser("127.0.0.66")
    codes = [attacker.sign_in(base, "hoa", f"wrong-{n}").status
             for n, base in zip(range(12), itertools.cycle((a, b)), strict=False)]
    assert codes == [200] * 10 + [429, 429], codes


def _enrollments_split_across_instances(a: str, b: str, world: dict, app) -> None:
    class_path = f"/classes/{world['open_class']}"
    action = f"{class_path}/enrol"
    people = [Browser(f"127.0.1.{n + 1}") for n in range(TRAINEES)]
    instance = dict(zip(world["trainees"], itertools.cycle((a, b)), strict=False))
    forms = {}

    def ready(args):
        person, username = args
        assert person.sign_in(instance[username], username, PASSWORD).status == 302
        forms[username] = person.form(instance[username], class_path, action)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(ready, zip(people, world["trainees"], strict=True)))

    start = threading.Barrier(TRAINEES)

    def enrol(args):
        person, username = args
        start.wait()
        return person.request(instance[username], "POST", action, forms[username]).status

    with ThreadPoolExecutor(TRAINEES) as pool:
        codes = list(pool.map(enrol, zip(people, world["trainees"], strict=True)))
    assert codes == [302] * TRAINEES, Counter(codes)
    with app.app_context():
        statuses = Counter(db.session.scalars(
            select(Enrollment.status).where(Enrollment.class_id == world["open_class"])
        ))
        assert statuses == {"enrolled": SEATS, "waitlisted": TRAINEES - SEATS}
        db.session.remove()
        db.engine.dispose()


def _batch_runs_on_the_worker(a: str, b: str, world: dict, worker_log) -> None:
    director = Browser("127.0.0.11")
    assert director.sign_in(b, world["director"], PASSWORD).status == 302
    page = f"/classes/{world['finished']}/certificates"
    for what, started_on, read_on in (("issue", a, b), ("zip", b, a)):
        action = f"{page}/{what}"
        answer = director.submit(started_on, page, action)
        assert answer.status == 302, answer.text[:300]
        job_id = answer.location.rstrip("/").rsplit("/", 1)[-1]
        status = _wait_for_job(director, read_on, job_id)
        assert status["status"] == "done", status
        assert job_id in worker_log.read_text(), "the RQ worker did not run the job"
    # The ZIP, made by the worker, downloaded from the other instance than the one that
    # started it: six PDFs.
    download = director.get(read_on, status["download_url"])
    assert download.status == 200
    with zipfile.ZipFile(io.BytesIO(download.body)) as archive:
        names = archive.namelist()
        assert len(names) == 6
        assert all(archive.read(n).startswith(b"%PDF") for n in names)


def _wait_for_job(person: Browser, base: str, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        answer = person.get(base, f"/jobs/{job_id}/status")
        assert answer.status == 200, answer.status
        status = json.loads(answer.text)
        if status["status"] in ("done", "failed") or time.monotonic() > deadline:
            return status
        time.sleep(0.3)


def _kill_one_instance_under_load(one, two, world: dict, app) -> None:
    """Four instructor threads open a roster and save marks for all 20, each save a session
    of its own, through both instances; instance one is SIGKILLed once 15 saves were answered,
    and the load goes on on the other until 10 more were. Answered saves must all be stored;
    unanswered ones whole or not at all."""
    browsers = []
    for n, username in enumerate(world["instructors"]):
        person = Browser(f"127.0.2.{n + 1}")
        assert person.sign_in(two.base, username, PASSWORD).status == 302
        browsers.append(person)
    queue = iter(world["sessions"])
    lock = threading.Lock()
    killed, done = threading.Event(), threading.Event()
    answered: dict[int, dict[int, str]] = {}
    unanswered: dict[int, dict[int, str]] = {}
    codes: Counter = Counter()
    after_kill: Counter = Counter()

    failures: list[str] = []

    def save_rosters(person: Browser, seed: int) -> None:
        try:
            save_until_done(person, random.Random(seed))  # noqa: S311
        except Exception as error:  # reported by the test, not lost in the thread
            with lock:
                failures.append(repr(error))

    def save_until_done(person: Browser, rng: random.Random) -> None:
        bases = itertools.cycle((one.base, two.base))
        while not done.is_set():
            with lock:
                session_id = next(queue, None)
            if session_id is None:
                return
            base = next(bases)
            if killed.is_set():
                base = two.base  # the load balancer has taken the dead one out
            path = f"/sessions/{session_id}/attendance"
            marks = {eid: rng.choice(STATUSES) for eid in world["roster"]}
            try:
                page = person.get(base, path)
                if page.status != 200:
                    with lock:
                        codes[f"GET {page.status}"] += 1
                    continue
                form = form_fields(page.text, path, path)
                form |= {f"s-{eid}": status for eid, status in marks.items()}
                status = person.request(base, "POST", path, form, timeout=30).status
            except (OSError, http.client.HTTPException):
                # refused, reset, or the answer cut off: the instance died under this request
                with lock:
                    unanswered[session_id] = marks
                continue
            with lock:
                codes[status] += 1
                if killed.is_set():
                    after_kill[status] += 1
                if 200 <= status < 400:
                    answered[session_id] = marks

    threads = [threading.Thread(target=save_rosters, args=(browsers[n % 2], n))
               for n in range(4)]
    for thread in threads:
        thread.start()

    def wait_for(counter: Counter, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while counter[302] < count and time.monotonic() < deadline:
            time.sleep(0.05)

    wait_for(codes, 15)
    one.kill()
    killed.set()
    wait_for(after_kill, 10)
    done.set()
    for thread in threads:
        thread.join(60)
    print(f"kill: {dict(codes)} answered, {len(unanswered)} unanswered, "
          f"after the kill {dict(after_kill)}")
    assert failures == []
    assert not [c for c in codes if not isinstance(c, int) or c >= 400], codes
    assert after_kill[302] >= 10, "the surviving instance kept serving"

    with app.app_context():
        stored: dict[int, dict[int, str]] = {}
        for session_id, enrollment_id, status in db.session.execute(
            select(Attendance.session_id, Attendance.enrollment_id, Attendance.status)
        ):
            stored.setdefault(session_id, {})[enrollment_id] = status
        for session_id, marks in answered.items():
            assert stored.get(session_id) == marks, f"session {session_id}: answered, not stored"
        for session_id, marks in unanswered.items():
            assert stored.get(session_id) in (None, marks), f"session {session_id}: half-saved"
        assert set(stored) <= set(answered) | set(unanswered)
        counts = dict(db.session.execute(
            select(ClassSession.id, ClassSession.marked_count).where(
                ClassSession.class_id == world["marking_class"]
            )
        ).all())
        assert all(counts[s] == len(stored.get(s, {})) for s in counts)
        attended = db.session.scalar(
            select(func.sum(Enrollment.attended_count)).where(
                Enrollment.class_id == world["marking_class"]
            )
        )
        present = sum(1 for marks in stored.values() for s in marks.values()
                      if s in ("present", "late"))
        assert attended == present
        # Nothing else was written by the killed requests: no job, no certificate.
        assert db.session.scalar(select(func.count()).select_from(Job)) == 2
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 6
        assert db.session.scalar(select(func.count()).select_from(User)) > TRAINEES
        db.session.remove()
        db.engine.dispose()
