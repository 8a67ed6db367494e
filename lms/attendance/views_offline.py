"""Marking without network: the service worker that keeps the roster page on the device, the
batch of marks the page sends when the network returns, and the director's decisions on marks
made after a session locked (lms.attendance.offline)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.attendance import offline
from lms.attendance.blueprint import bp
from lms.attendance.models import OfflineMark
from lms.cards.services import require_scanner
from lms.classes.models import ClassSession
from lms.core.forms import ActionForm
from lms.core.work import saving
from lms.extensions import db

MAX_BODY = 256 * 1024  # 500 marks of ~200 bytes, with room; anything larger is refused unread


@bp.get("/sessions/offline-sw.js")
def offline_sw():
    """The service worker, served under /sessions/ so that its scope covers the roster pages
    (/sessions/<id>/attendance); it holds no data of its own."""
    path = Path(current_app.static_folder) / "js" / "offline-sw.js"
    response = Response(path.read_bytes(), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/sessions/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.post("/sessions/<int:session_id>/attendance/sync")
def offline_sync(session_id: int):
    """One batch of marks made offline (JSON, CSRF header); the answer says what became of
    each. A refused batch answers 400 with the reason and records nothing. The scan page
    sends its scans here too (its clerks: scans only, checked by the service)."""
    session = db.get_or_404(ClassSession, session_id)
    require_scanner(session.klass, actor=current_user._get_current_object())
    if (request.content_length or 0) > MAX_BODY:
        refusal = _("This batch of marks is too large; nothing was recorded.")
        return jsonify({"error": refusal}), 413
    payload = request.get_json(silent=True)
    results: list = []
    with saving(quiet=True) as done:
        items = offline.parse_batch(payload, session_id)
        results = offline.receive_offline_marks(
            session, items, actor=current_user._get_current_object()
        )
    if not done:
        return jsonify({"error": str(done.error.message)}), 400
    return jsonify({"results": [
        {"key": r.key, "enrollment_id": r.enrollment_id, "outcome": r.outcome, "stored": r.stored,
         "message": r.message}
        for r in results
    ]})


@bp.post("/offline-marks/<int:mark_id>/<any(accept, reject):decision>")
def offline_decide(mark_id: int, decision: str):
    mark = db.get_or_404(OfflineMark, mark_id)
    form = ActionForm()
    if form.validate_on_submit():
        with saving() as done:
            decided = offline.decide_offline_mark(mark, accept=decision == "accept",
                                                  actor=current_user._get_current_object())
        if done and decided == "superseded":
            flash(_("The mark was not written: this person was marked again after it was "
                    "made, and the later mark stays. It is kept in the change log as "
                    "superseded."), "warning")
        elif done:
            flash(_("The mark was accepted and written.") if decision == "accept"
                  else _("The mark was rejected."), "success")
    session = db.session.get(ClassSession, mark.session_id)
    return redirect(url_for(".grid", class_id=session.class_id))
