"""Attendance typed in from paper: the import page (file, preview, confirm) and its
pre-filled template. The rules are in lms.attendance.importing."""

from __future__ import annotations

import base64
import binascii

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.attendance.access import class_for_marker
from lms.attendance.blueprint import bp
from lms.attendance.clock import attendance_settings, is_locked, local_now
from lms.attendance.forms import ImportMarksForm
from lms.attendance.importing import TEMPLATE_COLUMNS, import_marks, plan_import, template_rows
from lms.core.exports import Sheet, csv_bytes, xlsx_bytes
from lms.core.tabular import TableError
from lms.core.work import saving

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user():
    return current_user._get_current_object()


def _session_choices(klass) -> list[tuple[int, str]]:
    choices = [(0, _("Every session of the class"))]
    for s in klass.sessions:
        label = f"{s.on_date:%d/%m/%Y} {s.starts_at:%H:%M}"
        if s.is_cancelled:
            label += " (" + _("cancelled") + ")"
        choices.append((s.id, label))
    return choices


def _chosen_session(klass, session_id: int | None):
    return next((s for s in klass.sessions if s.id == session_id), None) if session_id else None


@bp.route("/classes/<int:class_id>/attendance/import", methods=["GET", "POST"])
def import_page(class_id: int):
    klass = class_for_marker(class_id)
    form = ImportMarksForm()
    form.session_id.choices = _session_choices(klass)
    if request.method == "GET":
        form.session_id.data = request.args.get("session", 0, type=int)
    plan, errors, message = None, [], None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read() if upload else b""
        confirming = not data and "confirm" in request.form
        if confirming:
            try:
                data = base64.b64decode(form.payload.data or "", validate=True)
            except (binascii.Error, ValueError):
                data = b""
        if not data:
            form.file.errors = [_("Choose a file.")]
        else:
            session = _chosen_session(klass, form.session_id.data)
            service = import_marks if confirming else plan_import
            try:
                with saving(form) as done:
                    plan = service(klass, data, actor=_user(), session=session,
                                   reason=form.reason.data)
            except TableError as error:  # saving() has rolled back
                errors, message = error.errors, error.message
                plan = None
            else:
                if done and confirming:
                    flash(ngettext("Import finished: %(num)d mark written.",
                                   "Import finished: %(num)d marks written.", plan.writes)
                          if plan.writes else _("Import finished: nothing has changed."),
                          "success")
                    return redirect(url_for(".grid", class_id=klass.id))
                if done:
                    form.payload.data = base64.b64encode(data).decode("ascii")
                else:
                    plan = None
    session = _chosen_session(klass, form.session_id.data)
    settings, now = attendance_settings(), local_now()
    locked_any = any(is_locked(s, settings, now) for s in klass.sessions
                     if not s.is_cancelled and (session is None or s.id == session.id))
    return render_template(
        "attendance/import.html", klass=klass, form=form, plan=plan, errors=errors,
        message=message, session=session, columns=TEMPLATE_COLUMNS, locked_any=locked_any,
    ), (422 if errors or message else 200)


@bp.get("/classes/<int:class_id>/attendance/import-template.<fmt>")
def import_template(class_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    klass = class_for_marker(class_id)
    session = _chosen_session(klass, request.args.get("session", 0, type=int))
    rows = template_rows(klass, actor=_user(), session=session)
    header = list(TEMPLATE_COLUMNS)
    if fmt == "csv":
        body, mimetype = csv_bytes(header, rows), "text/csv"
    else:
        sheet = Sheet(_("Attendance"), header, rows, widths={0: 18, 1: 28, 2: 14, 3: 16, 4: 30})
        body, mimetype = xlsx_bytes([sheet]), XLSX
    suffix = f"-{session.on_date:%Y%m%d}" if session else ""
    filename = f"nhap-diem-danh-{klass.code}{suffix}.{fmt}"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
