"""Background jobs: long work (a class of certificates, a merged PDF, a ZIP) outside the request.

    job = start_job("certificates.merged_pdf", {"class_id": 7}, actor=current_user)

Embedded setup (no REDIS_URL): the work runs in a thread of this process, with its own app
context and database session. With REDIS_URL (LMS_REDIS_URL) it is queued on RQ, and a worker
started from the project directory with the same LMS_* environment runs the same function:

    LMS_REDIS_URL=redis://... .venv/bin/rq worker lms --url "$LMS_REDIS_URL"

The worker builds its own app (lms.create_app()) when it has none. Progress is written to the
Job row and committed as the work goes; a finished file goes to STORAGE_DIR/jobs/<id>/ and its
path is kept on the Job, for the job's creator to download.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy.exc import DBAPIError

from lms.core.models import Job
from lms.core.types import utcnow
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
        from lms.auth.models import User

        return db.session.get(User, self.job.created_by_id)

    def set_total(self, total: int) -> None:
        self.job.total = max(0, total)
        db.session.commit()

    def progress(self, done: int) -> None:
        """Record progress and commit it with the work done so far (small steps)."""
        self.job.progress = max(0, min(done, self.job.total or done))
        db.session.commit()

    def result_file(self, name: str) -> Path:
        """Where to write the result; recorded on the Job when the work returns."""
        folder = Path(current_app.config["STORAGE_DIR"]) / "jobs" / self.job.id
        folder.mkdir(parents=True, exist_ok=True)
        self.job.result_name = name
        self.job.result_path = str(folder / "result")
        return folder / "result"


def start_job(kind: str, params: dict, *, actor) -> Job:
    """Create a job and start it. Commits: the worker must see the Job row."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(
        id=str(uuid.uuid4()),
        kind=kind,
        params=params,
        status="queued",
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(job)
    db.session.commit()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        queue = Queue("lms", connection=Redis.from_url(redis_url))
        queue.enqueue("lms.core.jobs.run_job", job.id, job_timeout=3600, result_ttl=0)
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
    """Entry point of the RQ worker: runs one job inside an app context."""
    if has_app_context():
        _run(job_id)
        return
    from lms import create_app

    with create_app().app_context():
        try:
            _run(job_id)
        finally:
            db.session.remove()


def _run(job_id: str) -> None:
    job = db.session.get(Job, job_id)
    if job is None or job.status not in ("queued",):
        return
    job.status = "running"
    db.session.commit()
    try:
        _KINDS[job.kind](JobContext(job))
    except Exception as error:  # the job fails, the worker and the app keep going
        db.session.rollback()
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        job = db.session.get(Job, job_id)
        job.status = "failed"
        message = getattr(error, "message", None)
        job.error = str(message) if message is not None else "internal error"
        job.finished_at = utcnow()
        db.session.commit()
        return
    job.status = "done"
    job.progress = job.total
    job.finished_at = utcnow()
    db.session.commit()


def wait_for_jobs(timeout: float = 60) -> None:
    """Join the worker threads of this process (tests; a clean shutdown)."""
    deadline = time.monotonic() + timeout
    while _threads:
        thread = _threads.pop()
        thread.join(max(0.0, deadline - time.monotonic()))


def _retryable(error: DBAPIError) -> bool:
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if code in ("40001", "40P01"):  # serialization failure, deadlock detected
        return True
    return "database is locked" in str(error.orig)


def commit_with_retries(work: Callable[[], Any], *, attempts: int = 4) -> Any:
    """Run work() and commit; on a serialization failure or a deadlock, roll back and run it
    again (a bounded number of times). For the callers that own the commit: views and jobs."""
    for attempt in range(attempts):
        try:
            result = work()
            db.session.commit()
            return result
        except DBAPIError as error:
            db.session.rollback()
            if attempt == attempts - 1 or not _retryable(error):
                raise
            time.sleep(0.02 * 2**attempt)
    raise AssertionError("unreachable")
