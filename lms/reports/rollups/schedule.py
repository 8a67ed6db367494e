"""When drain() runs in the web app: after a request that committed, once its answer is sent."""

from __future__ import annotations

import functools
import logging
import time

from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from lms.extensions import db
from lms.reports.rollups.drain import drain

_last_drain = [0.0]  # per process (each gunicorn worker its own)


def _drain_after(engine) -> None:
    """Runs after the response has gone out (call_on_close): the trainee does not wait. One
    batch: the worker serves nobody meanwhile (more batches per response raised the check-in's
    p99, docs/benchmarks.md). A backlog goes with the
    next write requests, or at once with `flask lms drain-report-keys`."""
    try:
        with engine.begin() as connection:
            drain(connection)
    except DBAPIError:  # busy or locked: the next write request's drain takes them
        logging.getLogger(__name__).warning("rollup drain skipped", exc_info=True)


def _schedule_drain(response):
    """After a request that committed a change, at most every ROLLUP_DRAIN_SECONDS per
    process: drain pending people once the response is sent. A GET, or a request that was
    refused (rolled back), never drains: it changes nothing (tests/security). The report is
    exact either way; draining only keeps its correction small."""
    interval = current_app.config["ROLLUP_DRAIN_SECONDS"]
    if interval is None or request.method == "GET" or not g.get("rollups_committed"):
        return response
    now = time.monotonic()
    if now - _last_drain[0] >= interval:
        _last_drain[0] = now
        response.call_on_close(functools.partial(_drain_after, db.engine))
    return response


def _note_commit(_session) -> None:
    if has_request_context():
        g.rollups_committed = True


def init_app(app) -> None:
    app.after_request(_schedule_drain)
    if not event.contains(db.session, "after_commit", _note_commit):
        event.listen(db.session, "after_commit", _note_commit)
