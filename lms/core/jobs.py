"""Background jobs: long work (a class of certificates, a merged PDF, a ZIP) outside the request.

    job = start_job("certificates.merged_pdf", {"class_id": 7}, actor=current_user)

Embedded setup (no REDIS_URL): the work runs in a thread of this process, with its own app
context and database session. With REDIS_URL (LMS_REDIS_URL) it is queued on RQ, and a worker
started from the project directory with the same LMS_* environment runs the same function:

    LMS_REDIS_URL=redis://... .venv/bin/rq worker lms --url "$LMS_REDIS_URL"

The worker builds its own app (lms.create_app()) when it has none. Progress is written to the
Job row and committed as the work goes; a finished file goes to STORAGE_DIR/jobs/<id>/ and its
path is kept on the Job, for the job's creator to download.

Faults: a job that raises is marked failed with its message (its open transaction rolled back).
A process killed mid-job cannot say so; while a job runs, a heartbeat thread stamps
Job.heartbeat_at every JOB_HEARTBEAT_SECONDS, and a "running" job whose heartbeat is older than
JOB_STALE_SECONDS is marked failed (fail_stale_jobs) the next time anyone looks at it or starts a
job. A failed job can be started again (restart_job). Finished jobs and their files are deleted
after JOB_RETENTION_DAYS (cleanup_jobs, on every start_job and `flask lms jobs-cleanup`).
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update

from lms.core.actors import SYSTEM, Actor, actor_id
from lms.core.models import Job
from lms.core.types import utcnow
from lms.errors import DomainError
from lms.extensions import db

JobWork = Callable[["JobContext"], None]
_KINDS: dict[str, JobWork] = {}
_threads: list[threading.Thread] = []


def job_kind(name: str) -> Callable[[JobWork], JobWork]:
    """Register the function that does the work of one kind of job."""

    def register(work: JobWork) -> JobWork:
        _KINDS[name] = work
        return work

    return register


class JobContext:
    """What a job's work function gets: its parameters, the actor, progress and the result."""

    def __init__(self, job: Job):
        self.job = job
        self.params: dict[str, Any] = dict(job.params or {})

    @property
    def actor(self):
        """Who started the job; SYSTEM for a job started by the command line or a schedule."""
        from lms.auth.models import User

        if self.job.created_by_id is None:
            return SYSTEM
        return db.session.get(User, self.job.created_by_id)

    def set_total(self, total: int) -> None:
        self.job.total = max(0, total)
        db.session.commit()

    def progress(self, done: int) -> None:
        """Record progress and commit it with the work done so far (small steps)."""
        self.job.progress = max(0, min(done, self.job.total or done))
        self.job.heartbeat_at = utcnow()
        db.session.commit()

    def result_file(self, name: str) -> Path:
        """Where to write the result; recorded on the Job when the work returns."""
        folder = _job_folder(self.job.id)
        folder.mkdir(parents=True, exist_ok=True)
        self.job.result_name = name
        self.job.result_path = str(folder / "result")
        return folder / "result"


def start_job(kind: str, params: dict, *, actor: Actor) -> Job:
    """Create a job and start it. Commits: the worker must see the Job row."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    cleanup_jobs()
    job = Job(
        id=str(uuid.uuid4()),
        kind=kind,
        params=params,
        status="queued",
        created_by_id=actor_id(actor),
    )
    db.session.add(job)
    db.session.commit()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        queue = Queue("lms", connection=Redis.from_url(redis_url))
        queue.enqueue("lms.worker.run_job", job.id, job_timeout=3600, result_ttl=0)
    else:
        thread = threading.Thread(
            target=_run_in_thread, args=(app, job.id), name=f"job-{job.id[:8]}", daemon=True
        )
        _threads.append(thread)
        thread.start()
    return job


def _run_in_thread(app: Flask, job_id: str) -> None:
    with app.app_context():
        try:
            _run(job_id)
        finally:
            db.session.remove()


def run_job(job_id: str) -> None:
    """Run one job in the current app context (the RQ worker's entry point, lms.worker.run_job,
    makes one first)."""
    _run(job_id)


def _run(job_id: str) -> None:
    job = db.session.get(Job, job_id)
    if job is None or job.status not in ("queued",):
        return
    job.status = "running"
    job.heartbeat_at = utcnow()
    db.session.commit()
    heartbeat = _Heartbeat(job_id, current_app.config["JOB_HEARTBEAT_SECONDS"])
    try:
        _KINDS[job.kind](JobContext(job))
    except Exception as error:  # the job fails, the worker and the app keep going
        heartbeat.stop()
        db.session.rollback()
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        job = db.session.get(Job, job_id)
        job.status = "failed"
        message = getattr(error, "message", None)
        job.error = str(message) if message is not None else str(_l("Internal error."))
        job.finished_at = utcnow()
        db.session.commit()
        return
    heartbeat.stop()
    db.session.refresh(job)
    if job.status != "running":  # declared dead meanwhile (a very long stall): leave it failed
        db.session.commit()
        return
    job.status = "done"
    job.progress = job.total
    job.finished_at = utcnow()
    db.session.commit()


class _Heartbeat:
    """Stamps Job.heartbeat_at every few seconds from a thread, on its own connection, while
    the job's work runs (a long PDF chunk commits nothing for a while but is alive)."""

    def __init__(self, job_id: str, every: float):
        self.job_id = job_id
        self.engine = db.engine
        self.every = every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="job-heartbeat", daemon=True)
        self.thread.start()

    def _beat(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        update(Job)
                        .where(Job.id == self.job_id, Job.status == "running")
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # noqa: S112  (a missed beat is harmless; the next one retries)
                continue

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(10)


def _stale_condition(now: datetime):
    config = current_app.config
    beat_cutoff = now - timedelta(seconds=config["JOB_STALE_SECONDS"])
    queue_cutoff = now - timedelta(seconds=config["JOB_QUEUED_TIMEOUT_SECONDS"])
    return or_(
        (Job.status == "running")
        & (or_(Job.heartbeat_at < beat_cutoff, Job.heartbeat_at.is_(None))),
        (Job.status == "queued") & (Job.created_at < queue_cutoff),
    )


STALE_MESSAGE = _l(
    "The job was interrupted (the server stopped while it ran). "
    "What it finished is kept; start it again to do the rest."
)


def fail_stale_jobs(now: datetime | None = None, *, job_id: str | None = None) -> int:
    """Mark failed the jobs whose process died: "running" with no heartbeat for
    JOB_STALE_SECONDS, or "queued" and never picked up for JOB_QUEUED_TIMEOUT_SECONDS.
    Commits. Returns how many."""
    now = now or utcnow()
    statement = (
        update(Job)
        .where(_stale_condition(now))
        .values(status="failed", error=str(STALE_MESSAGE), finished_at=now)
    )
    if job_id is not None:
        statement = statement.where(Job.id == job_id)
    count = db.session.execute(statement).rowcount or 0
    db.session.commit()
    return count


def check_job(job: Job) -> Job:
    """The job as it is now: a dead "running" job found stale is marked failed first.
    Reads only, unless the job is stale (the status page polls this)."""
    if job.status in ("queued", "running"):
        stale = db.session.scalar(
            select(Job.id).where(Job.id == job.id, _stale_condition(utcnow()))
        )
        if stale is not None:
            fail_stale_jobs(job_id=job.id)
            db.session.refresh(job)
    return job


def restart_job(job: Job, *, actor: Actor) -> Job:
    """Start a failed job again with the same parameters (the batch kinds are resumable:
    issuing skips what is issued). Commits."""
    if job.status != "failed":
        raise DomainError(_l("Only a failed job can be started again."))
    return start_job(job.kind, dict(job.params or {}), actor=actor)


def _job_folder(job_id: str) -> Path:
    return Path(current_app.config["STORAGE_DIR"]) / "jobs" / job_id


def cleanup_jobs(now: datetime | None = None) -> int:
    """Bounded retention: fail the stale jobs, then delete the finished jobs older than
    JOB_RETENTION_DAYS with their files, and job folders that no job owns any more. Commits.
    Returns how many jobs were deleted."""
    now = now or utcnow()
    fail_stale_jobs(now)
    cutoff = now - timedelta(days=current_app.config["JOB_RETENTION_DAYS"])
    old = db.session.scalars(
        select(Job.id).where(Job.status.in_(("done", "failed")), Job.finished_at < cutoff)
    ).all()
    for job_id in old:
        shutil.rmtree(_job_folder(job_id), ignore_errors=True)
    if old:
        db.session.execute(delete(Job).where(Job.id.in_(old)))
        db.session.commit()
    root = Path(current_app.config["STORAGE_DIR"]) / "jobs"
    if root.is_dir():
        folders = [f for f in root.iterdir() if f.is_dir()]
        known = set(db.session.scalars(select(Job.id).where(Job.id.in_([f.name for f in folders]))))
        for folder in folders:
            modified = datetime.fromtimestamp(folder.stat().st_mtime, tz=now.tzinfo)
            if folder.name not in known and modified < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
    return len(old)


def wait_for_jobs(timeout: float = 60) -> None:
    """Join the worker threads of this process (tests; a clean shutdown)."""
    deadline = time.monotonic() + timeout
    while _threads:
        thread = _threads.pop()
        thread.join(max(0.0, deadline - time.monotonic()))
