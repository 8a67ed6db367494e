"""Attendance pages: the instructor's entry page, the roster, the class grid, close-out and
the trainee's own attendance. Check-in and walk-in pages are in views_checkin.py; both modules
register on lms.attendance.blueprint.bp."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.attendance import exports, services
from lms.attendance.access import (
    class_for_marker,
    session_for_marker,  # views_checkin.py still imports it from here, not from access.py
)
from lms.attendance.blueprint import bp, translated_labels
from lms.attendance.clock import attendance_settings, is_locked, locks_at
from lms.attendance.closeout import close_out, list_missing_marks, reopen
from lms.attendance.forms import RosterForm, roster_marks
from lms.attendance.grid import OUTSIDE, class_grid, my_attendance, my_classes
from lms.attendance.models import STATUSES
from lms.attendance.offline import list_pending, list_superseded
from lms.attendance.queries import list_roster, list_session_audit
from lms.classes.forms import ReasonForm
from lms.classes.models import Class, ClassSession, class_instructors
from lms.core.clock import local_now, local_today
from lms.core.forms import ActionForm
from lms.core.text import vn_text_key
from lms.core.work import saving
from lms.extensions import db

EXCUSED_RULE_TEXT = {
    "absent": _l("an excused absence counts as an absence"),
    "present": _l("an excused absence counts as present"),
    "excluded": _l("an excused absence is left out of the count"),
}


def _user():
    return current_user._get_current_object()


@bp.get("/teaching")
def teaching():
    user = _user()
    today = local_today()
    statement = (
        select(Class)
        .where(Class.cancelled_at.is_(None), Class.closed_at.is_(None))
        .options(selectinload(Class.sessions))
        .order_by(Class.start_date, Class.id)
    )
    if not user.is_director:
        statement = statement.join(
            class_instructors, class_instructors.c.class_id == Class.id
        ).where(class_instructors.c.user_id == user.id)
    classes = list(db.session.scalars(statement))
    first, last = today - timedelta(days=2), today + timedelta(days=14)
    upcoming = sorted(
        (
            s
            for klass in classes
            for s in klass.sessions
            if not s.is_cancelled and first <= s.on_date <= last
        ),
        key=lambda s: (s.on_date, s.starts_at),
    )
    return render_template(
        "attendance/teaching.html", classes=classes, upcoming=upcoming, today=today,
        open_form=ActionForm(),
    )


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
def roster(session_id: int):
    session = session_for_marker(session_id)
    form = RosterForm()
    typed: dict[int, tuple[str, str]] = {}
    if form.validate_on_submit():
        marks = roster_marks(request.form)
        with saving() as done:  # refusals flashed above the roster, as the reason's too
            result = services.mark_attendance(
                session, marks, actor=_user(), method="roster", reason=form.reason.data
            )
        if done:
            if result.changed:
                flash(ngettext("Saved: %(num)d change.", "Saved: %(num)d changes.",
                               result.changed), "success")
            else:
                flash(_("Nothing has changed: nothing to save."), "info")
            return redirect(url_for(".roster", session_id=session_id))
        typed = marks
    return _render_roster(session, form, typed)


def _render_roster(session: ClassSession, form: RosterForm, typed: dict):
    settings = attendance_settings()
    now = local_now()
    rows = list_roster(session)
    counts = {status: 0 for status in STATUSES}
    for row in rows:
        if row.status:
            counts[row.status] += 1
    units = sorted({(row.unit_id, row.unit_name) for row in rows if row.unit_id},
                   key=lambda u: vn_text_key(u[1]))
    return render_template(
        "attendance/roster.html",
        **translated_labels(),
        # Filled in with each row's name by the template's `format`: `_()` with a variable
        # inside the row loop copies the template's whole context each time (Jinja passes it
        # the loop's variables): a large share of this page's time (docs/benchmarks.md).
        attendance_of=_("Attendance of %(name)s"),
        note_for=_("Note for %(name)s"),
        session=session,
        klass=session.klass,
        rows=rows,
        typed=typed,
        counts=counts,
        unmarked=len(rows) - sum(counts.values()),
        units=units,
        form=form,
        locked=is_locked(session, settings, now),
        locks_at=locks_at(session, settings),
        audit_rows=list_session_audit(session.id),
        superseded=list_superseded(session.id),
        superseded_label=_("superseded by a later mark"),
        open_form=ActionForm(),
    )


@bp.get("/classes/<int:class_id>/attendance")
def grid(class_id: int):
    klass = class_for_marker(class_id)
    now = local_now()
    data = class_grid(klass, now)
    missing_total, missing = (0, [])
    if _user().is_director and klass.closed_at is None:
        missing_total, missing = list_missing_marks(klass, now)
    return render_template(
        "attendance/grid.html", grid=data, klass=klass, outside=OUTSIDE, **translated_labels(),
        excused_rule_text=EXCUSED_RULE_TEXT[klass.excused_rule],
        missing_total=missing_total, missing=missing, close_form=ActionForm(),
        pending=list_pending(klass.id) if _user().is_director else [],
    )


@bp.get("/classes/<int:class_id>/attendance.<fmt>")
def grid_export(class_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    klass = class_for_marker(class_id)
    data = class_grid(klass, local_now())
    body, mimetype = exports.grid_file(data, fmt)
    filename = f"diem-danh-{klass.code}.{fmt}"
    return Response(
        body, mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/classes/<int:class_id>/close-out")
def close_out_class(class_id: int):
    klass = db.get_or_404(Class, class_id)
    form = ActionForm()
    if form.validate_on_submit():
        with saving() as done:
            result = close_out(klass, actor=_user())
        if done:
            flash(
                _("The class is closed out: %(completed)d completed, %(not_completed)d not "
                  "completed.", completed=result.completed, not_completed=result.not_completed),
                "success",
            )
    return redirect(url_for("classes.hub", class_id=class_id))


@bp.post("/classes/<int:class_id>/reopen")
def reopen_class(class_id: int):
    klass = db.get_or_404(Class, class_id)
    form = ReasonForm(prefix="reopen")
    if form.validate_on_submit():
        with saving() as done:
            reopen(klass, form.reason.data, actor=_user())
        if done:
            flash(_("The class is reopened: marks can be corrected, then close it out again."),
                  "success")
    else:
        flash(_("Give the reason for reopening the class."), "error")
    return redirect(url_for("classes.hub", class_id=class_id))


@bp.get("/my/attendance")
def my_index():
    return render_template("attendance/my_index.html", enrollments=my_classes(_user()))


@bp.get("/my/attendance/<int:class_id>")
def my_class(class_id: int):
    data = my_attendance(_user(), class_id, local_now())
    return render_template("attendance/my_class.html", data=data, outside=OUTSIDE)

