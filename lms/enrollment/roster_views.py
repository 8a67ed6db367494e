"""The class roster (directors and the class's instructors), its CSV/XLSX export and the
printable sign-in sheet (danh sách ký) of one session."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.classes.models import Class, ClassSession
from lms.core.exports import Sheet, csv_bytes, xlsx_bytes
from lms.core.formatting import fmt_date, fmt_time, long_date
from lms.core.forms import ActionForm
from lms.core.labels import ENROLLMENT_STATUS_LABELS
from lms.core.settings import get_settings
from lms.enrollment import queries
from lms.enrollment.blueprint import bp
from lms.extensions import db


def _roster_class(class_id: int) -> Class:
    klass = queries.roster_class(class_id, current_user._get_current_object())
    if klass is None:
        abort(404)  # other instructors and unknown classes alike
    return klass


def _sort() -> str:
    sort = request.args.get("sort", "name")
    return sort if sort in queries.ROSTER_SORTS else "name"


@bp.get("/classes/<int:class_id>/roster")
def roster(class_id: int):
    klass = _roster_class(class_id)
    status = request.args.get("status") or None
    if status not in ENROLLMENT_STATUS_LABELS:
        status = None
    return render_template(
        "enrollment/roster.html",
        klass=klass,
        rows=queries.list_roster(klass, sort=_sort(), status=status),
        counts=queries.roster_counts(klass),
        sessions=[s for s in klass.sessions if not s.is_cancelled],
        sort=_sort(),
        status=status,
        action_form=ActionForm(),
    )


def _export_rows(klass: Class) -> tuple[list[str], list[list]]:
    header = [
        _("No."),
        _("Full name"),
        _("Username"),
        _("Member id"),
        _("Unit"),
        _("Status"),
        _("Enrolled from"),
    ]
    rows = [
        [
            number,
            e.user.full_name,
            e.user.username,
            e.user.member_id or "",
            e.unit.name,
            str(ENROLLMENT_STATUS_LABELS[e.status]),
            fmt_date(e.enrolled_on),
        ]
        for number, e in enumerate(queries.list_roster(klass, sort=_sort()), start=1)
    ]
    return header, rows


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/classes/<int:class_id>/roster.csv")
def roster_csv(class_id: int):
    klass = _roster_class(class_id)
    header, rows = _export_rows(klass)
    return _download(csv_bytes(header, rows), "text/csv", f"roster-{klass.id}.csv")


@bp.get("/classes/<int:class_id>/roster.xlsx")
def roster_xlsx(class_id: int):
    klass = _roster_class(class_id)
    header, rows = _export_rows(klass)
    sheet = Sheet(title=klass.code, header=header, rows=rows, widths={1: 32, 4: 32, 5: 14})
    return _download(
        xlsx_bytes([sheet]),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"roster-{klass.id}.xlsx",
    )


@bp.get("/classes/<int:class_id>/sessions/<int:session_id>/sign-in-sheet.pdf")
def sign_in_sheet(class_id: int, session_id: int):
    from lms.core.pdf import render_pdf

    klass = _roster_class(class_id)
    session = db.session.get(ClassSession, session_id)
    if session is None or session.class_id != klass.id:
        abort(404)
    settings = get_settings()
    people = [
        {"name": e.user.full_name, "unit": e.unit.name}
        for e in queries.list_roster(klass, sort=_sort(), status="enrolled")
    ]
    pdf = render_pdf(
        "enrollment/sign_in_sheet.html",
        stylesheets=("pdf.css", "sign-in-sheet.css"),
        parent_body=settings.parent_body if settings else "",
        center_name=settings.center_name if settings else "",
        header_kind=settings.header_kind if settings else "party",
        place=settings.place if settings else "",
        class_title=klass.title,
        class_code=klass.code,
        session_date=fmt_date(session.on_date),
        session_long_date=long_date(session.on_date),
        session_time=f"{fmt_time(session.starts_at)}–{fmt_time(session.ends_at)}",
        topic=session.topic,
        room=session.room or klass.place,
        people=people,
    )
    return _download(pdf, "application/pdf", f"sign-in-{klass.id}-{session.on_date}.pdf")
