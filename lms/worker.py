"""The RQ worker's entry points: `rq worker lms` runs lms.worker.run_job(job_id) for each job,
and lms.worker.send_notices() after a commit that wrote notices to mail (lms/notices/outbox.py).

Kept apart from lms.core.jobs so that nothing inside the application imports the app factory.
"""

from flask import has_app_context

from lms import create_app
from lms.core import jobs
from lms.extensions import db


def run_job(job_id: str) -> None:
    """Run one job inside an app context (made here when the worker has none)."""
    if has_app_context():
        jobs.run_job(job_id)
        return
    with create_app().app_context():
        try:
            jobs.run_job(job_id)
        finally:
            db.session.remove()


def send_notices() -> None:
    """Send the notices that are due."""
    from lms.notices.outbox import send_due

    if has_app_context():
        send_due()
        return
    with create_app().app_context():
        try:
            send_due()
        finally:
            db.session.remove()
