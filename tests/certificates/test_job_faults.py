"""A certificate batch that fails or whose worker dies halfway.

What a director gets (docs/security.md): the batch issues in chunks, each chunk one
transaction (numbers, frozen data, PDFs, audit). A failure keeps the chunks committed before it,
each whole; the chunk it hit leaves no trace (its numbers are not used up); the job says
"failed" with how far it got; "Start again" issues the rest, numbering on without a gap.
"""

import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.certificates import batch, services
from lms.certificates.models import Certificate, CertificateCounter
from lms.core.jobs import cleanup_jobs, start_job, wait_for_jobs
from lms.core.models import Job
from lms.core.types import utcnow
from lms.extensions import db
from tests.faults.helpers import InjectedFault, kill_worker_halfway


@pytest.fixture
def app_config():
    return {"JOB_STALE_SECONDS": 2, "JOB_HEARTBEAT_SECONDS": 0.5}


@pytest.fixture
def klass_of(make, completed):
    def build(n):
        enrollments = [completed() for _ in range(n)]
        db.session.commit()
        return enrollments[0].klass

    return build


def _finish(job_id) -> Job:
    wait_for_jobs(120)
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _issued() -> list[tuple[int, bool]]:
    db.session.expire_all()
    return [
        (c.seq, c.pdf is not None)
        for c in db.session.scalars(select(Certificate).order_by(Certificate.seq))
    ]


def _counter() -> int:
    return db.session.scalar(select(CertificateCounter.last_seq)) or 0


def test_a_batch_failing_halfway_keeps_whole_chunks_and_resumes_without_gaps(
    client, login, make, klass_of, monkeypatch
):
    monkeypatch.setattr(batch, "ISSUE_CHUNK", 10)
    klass = klass_of(30)
    director = make.director()
    db.session.commit()
    real_render, calls = services.render_certificate, {"n": 0}

    def render_failing_on_the_15th(cert, **kwargs):
        calls["n"] += 1
        if calls["n"] == 15:  # the 5th certificate of the second chunk
            raise InjectedFault("renderer crashed")
        return real_render(cert, **kwargs)

    monkeypatch.setattr(services, "render_certificate", render_failing_on_the_15th)
    job = _finish(start_job("certificates.issue_all", {"class_id": klass.id}, actor=director).id)
    assert (job.status, job.progress, job.total) == ("failed", 10, 30)
    assert _issued() == [(n, True) for n in range(1, 11)]  # the first chunk, whole
    assert _counter() == 10  # the failed chunk used up no number

    # The director sees the failure and a button that starts the job again.
    login(director)
    page = client.get(f"/jobs/{job.id}")
    assert "Chạy lại" in page.text
    monkeypatch.setattr(services, "render_certificate", real_render)
    response = client.post(f"/jobs/{job.id}/retry")
    assert response.status_code == 302
    again = _finish(response.headers["Location"].rsplit("/", 1)[1])
    assert (again.status, again.progress, again.total) == ("done", 20, 20)
    assert _issued() == [(n, True) for n in range(1, 31)]  # 1..30: no gap, no double
    assert _counter() == 30
    assert client.post(f"/jobs/{again.id}/retry").status_code == 302  # refused: not failed
    assert db.session.scalar(select(func.count()).select_from(Job)) == 2


def test_a_killed_worker_leaves_whole_chunks_and_its_job_is_marked_failed(
    app, client, login, make, klass_of
):
    klass = klass_of(12)
    director = make.director()
    job = Job(
        id="11111111-2222-3333-4444-555555555555",
        kind="certificates.issue_all",
        params={"class_id": klass.id},
        status="queued",
        created_by_id=director.id,
    )
    db.session.add(job)
    db.session.commit()
    # The worker process issues in chunks of 5 and is killed with SIGKILL while it renders the
    # second certificate of its second chunk (that chunk's rows inserted, not committed).
    kill_worker_halfway(
        app,
        """
        from lms.certificates import batch, services
        from lms.worker import run_job
        batch.ISSUE_CHUNK = 5
        real_render, calls = services.render_certificate, [0]
        def render(cert, **kwargs):
            calls[0] += 1
            if calls[0] == 7:
                halfway()
            return real_render(cert, **kwargs)
        services.render_certificate = render
        run_job("11111111-2222-3333-4444-555555555555")
        """,
    )
    assert _issued() == [(n, True) for n in range(1, 6)]
    assert _counter() == 5
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "running"  # nobody could say otherwise

    time.sleep(2.5)  # JOB_STALE_SECONDS without a heartbeat
    login(director)
    status = client.get(f"/jobs/{job.id}/status").get_json()
    assert status["status"] == "failed"
    assert "gián đoạn" in status["error"]
    response = client.post(f"/jobs/{job.id}/retry")
    again = _finish(response.headers["Location"].rsplit("/", 1)[1])
    assert again.status == "done", again.error
    assert _issued() == [(n, True) for n in range(1, 13)]


def test_a_slow_job_with_a_heartbeat_is_not_declared_dead(make, klass_of, monkeypatch):
    klass = klass_of(2)
    director = make.director()
    db.session.commit()
    real_issue = batch.issue_certificates

    def slow_issue(*args, **kwargs):
        time.sleep(3.5)  # longer than JOB_STALE_SECONDS: only the heartbeat keeps it alive
        return real_issue(*args, **kwargs)

    monkeypatch.setattr(batch, "issue_certificates", slow_issue)
    job = start_job("certificates.issue_all", {"class_id": klass.id}, actor=director)
    time.sleep(2.8)
    cleanup_jobs()  # marks stale jobs failed: this one is alive
    job = _finish(job.id)
    assert job.status == "done", job.error


def test_finished_jobs_and_their_files_are_deleted_after_the_retention(app, make):
    director = make.director()
    storage = os.path.join(app.config["STORAGE_DIR"], "jobs")
    now = utcnow()
    ages = {"old-done": 8, "old-failed": 30, "recent": 1}
    for job_id, days in ages.items():
        db.session.add(
            Job(
                id=job_id,
                kind="certificates.zip",
                status="failed" if "failed" in job_id else "done",
                created_by_id=director.id,
                finished_at=now - timedelta(days=days),
            )
        )
        os.makedirs(os.path.join(storage, job_id))
        with open(os.path.join(storage, job_id, "result"), "wb") as handle:
            handle.write(b"PK")
    orphan = os.path.join(storage, "orphan")
    os.makedirs(orphan)
    old = time.time() - 8 * 86400
    os.utime(orphan, (old, old))
    db.session.commit()

    assert cleanup_jobs() == 2
    assert sorted(os.listdir(storage)) == ["recent"]
    db.session.expire_all()
    assert db.session.scalars(select(Job.id)).all() == ["recent"]


def test_starting_a_job_runs_the_cleanup(app, make, klass_of):
    klass = klass_of(1)
    director = make.director()
    db.session.add(
        Job(
            id="dead",
            kind="certificates.zip",
            status="running",
            created_by_id=director.id,
            heartbeat_at=utcnow() - timedelta(minutes=5),
        )
    )
    db.session.commit()
    _finish(start_job("certificates.issue_all", {"class_id": klass.id}, actor=director).id)
    db.session.expire_all()
    assert db.session.get(Job, "dead").status == "failed"
