"""Self check-in (the projector screen and the trainee's side) and walk-ins."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.access import SIGNED_IN, access
from lms.attendance import checkin as service
from lms.attendance.blueprint import bp
from lms.attendance.clock import local_now
from lms.attendance.forms import CheckinForm, WalkinAddForm, WalkinNewForm, WalkinSearchForm
from lms.attendance.views import session_for_marker
from lms.attendance.walkin import add_walkin, search_people
from lms.auth.models import User
from lms.core.forms import ActionForm, parse_id
from lms.errors import DomainError
from lms.extensions import db, limiter
from lms.units.models import Unit


def _user():
    return current_user._get_current_object()


# --- the instructor's projector ----------------------------------------------------------


@bp.post("/sessions/<int:session_id>/checkin/open")
@access("instructor", "director")
def open_checkin(session_id: int):
    session = session_for_marker(session_id)
    if ActionForm().validate_on_submit():
        try:
            service.open_checkin(session, actor=_user())
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for(".roster", session_id=session_id))
        db.session.commit()
    return redirect(url_for(".projector", session_id=session_id))


def _projector_state(session) -> dict:
    step = service.time_step()
    code = service.code_for(session.checkin_secret, step)
    url = url_for(".checkin_landing", session_id=session.id, code=code, _external=True)
    return {
        "code": code,
        "qr": service.qr_svg(url),
        "checked_in": service.count_checked_in(session.id),
        "enrolled": session.klass.enrolled_count,
        "seconds_left": service.STEP_SECONDS - int(local_now().timestamp()) % service.STEP_SECONDS,
    }


@bp.get("/sessions/<int:session_id>/checkin/screen")
@access("instructor", "director")
def projector(session_id: int):
    session = session_for_marker(session_id)
    state = _projector_state(session) if session.checkin_secret else None
    return render_template(
        "attendance/projector.html", session=session, klass=session.klass, state=state,
        open_form=ActionForm(), checkin_url=url_for(".checkin_form", _external=True),
    )


@bp.get("/sessions/<int:session_id>/checkin/code.json")
@access("instructor", "director")
def projector_code(session_id: int):
    session = session_for_marker(session_id)
    if not session.checkin_secret:
        return jsonify({"error": "closed"}), 409
    return jsonify(_projector_state(session))


# --- the trainee's side ----------------------------------------------------------------------


def _user_key() -> str:
    return f"checkin-user:{current_user.get_id() if current_user.is_authenticated else ''}"


def _session_key() -> str:
    return f"checkin-session:{(request.view_args or {}).get('session_id', 'any')}"


def _user_limit() -> str:
    return current_app.config.get("RATELIMIT_CHECKIN", "10 per minute")


def _session_limit() -> str:
    return current_app.config.get("RATELIMIT_CHECKIN_SESSION_FAILURES", "300 per minute")


def _failed(response) -> bool:
    return response.status_code == 422


_DONE_PAGES: dict[tuple, str] = {}
_DONE_PAGES_MAX = 512


def _done_page(session, status: str, *, already: bool) -> str:
    """The answer page, rendered once per distinct content and reused (hundreds of trainees
    of one session get the same page). The key holds every value the template prints, so a
    changed title, time or room renders anew: never stale. Nothing personal is on the page."""
    key = (
        session.id, session.class_id, session.klass.title, session.on_date, session.starts_at,
        session.ends_at, session.topic, session.room, status, already, str(get_locale()),
    )
    page = _DONE_PAGES.get(key)
    if page is None:
        page = render_template(
            "attendance/checkin_done.html", session=session, status=status, already=already
        )
        if len(_DONE_PAGES) >= _DONE_PAGES_MAX:
            _DONE_PAGES.clear()
        _DONE_PAGES[key] = page
    return page


def _submit(session_id: int | None):
    """One check-in; the answer page is small and static (no QR, no PDF on this path)."""
    # CSRFProtect has already checked this POST's token (before_request, every POST of the
    # app); the form checking it a second time only cost time on the hottest path.
    form = CheckinForm(meta={"csrf": False})
    if not form.validate_on_submit():
        return render_template("attendance/checkin.html", form=form, session=None), 422
    user = _user()
    now = local_now()
    session = None
    try:
        if session_id is None:
            session = service.find_session_by_code(user, form.code.data, now)
            result = service.check_in(user, session, form.code.data, now=now)
        else:
            # The QR path, the hot one: session, settings, enrolment and mark in one read.
            session, settings, row = service.load_for_checkin(session_id, user)
            result = service.check_in(
                user, session, form.code.data, now=now, preloaded=(settings, row)
            )
    except service.AlreadyCheckedIn as already:
        page = _done_page(already.session, already.status, already=True)
        db.session.rollback()
        return page
    except DomainError as error:
        db.session.rollback()
        return render_template(
            "attendance/checkin.html", form=form, error=error.message, session=session
        ), 422
    # Rendered before the commit: the commit expires the loaded rows, and reloading them
    # only to print a title would double this hot path's statements.
    page = _done_page(result.session, result.status, already=result.already)
    if not result.already:  # a repeat wrote nothing: the request's teardown ends the read
        db.session.commit()
    return page


@bp.route("/checkin", methods=["GET", "POST"])
@access(SIGNED_IN)
@limiter.limit(_user_limit, key_func=_user_key, methods=["POST"])
def checkin_form():
    if request.method == "POST":
        return _submit(None)
    return render_template("attendance/checkin.html", form=CheckinForm(), session=None)


@bp.route("/checkin/<int:session_id>", methods=["GET", "POST"])
@access(SIGNED_IN)
@limiter.limit(_user_limit, key_func=_user_key, methods=["POST"])
@limiter.limit(_session_limit, key_func=_session_key, methods=["POST"], deduct_when=_failed)
def checkin_landing(session_id: int):
    """The QR code's address: GET shows a pre-filled form (records nothing); POST checks in."""
    if request.method == "POST":
        return _submit(session_id)
    session = service.load_session(session_id)
    form = CheckinForm(data={"code": request.args.get("code", "")[:7]})
    return render_template("attendance/checkin.html", form=form, session=session)


# --- walk-ins ---------------------------------------------------------------------------------


def _unit_choices():
    units = db.session.execute(
        select(Unit.id, Unit.name).where(Unit.active).order_by(Unit.name)
    ).all()
    return [(0, _("Choose a unit"))] + [(u.id, u.name) for u in units]


def _render_walkin(session, new_form=None, status=200):
    search = WalkinSearchForm(request.args)
    query = (search.q.data or "")[:100]  # the form's limit; longer is no name, and LIKE refuses it
    results = search_people(query, session.class_id) if query else []
    new_form = new_form or WalkinNewForm(formdata=None)
    new_form.unit.choices = _unit_choices()
    return render_template(
        "attendance/walkin.html", session=session, klass=session.klass, search=search,
        results=results, add_form=WalkinAddForm(), new_form=new_form,
    ), status


@bp.get("/sessions/<int:session_id>/walkin")
@access("instructor", "director")
def walkin(session_id: int):
    return _render_walkin(session_for_marker(session_id))


def _walkin_done(session, enrollment_name: str):
    db.session.commit()
    flash(_("%(name)s has been enrolled and marked present.", name=enrollment_name), "success")
    return redirect(url_for(".roster", session_id=session.id))


@bp.post("/sessions/<int:session_id>/walkin/add")
@access("instructor", "director")
def walkin_add(session_id: int):
    session = session_for_marker(session_id)
    form = WalkinAddForm()
    user_id = parse_id(form.user_id.data)
    user = db.session.get(User, user_id) if user_id is not None else None
    if not form.validate_on_submit() or user is None:
        flash(_("Choose a person from the search results."), "error")
        return redirect(url_for(".walkin", session_id=session_id))
    try:
        add_walkin(session, actor=_user(), user=user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for(".walkin", session_id=session_id))
    return _walkin_done(session, user.full_name)


@bp.post("/sessions/<int:session_id>/walkin/new")
@access("instructor", "director")
def walkin_new(session_id: int):
    session = session_for_marker(session_id)
    form = WalkinNewForm()
    form.unit.choices = _unit_choices()
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit.data)
        try:
            enrollment = add_walkin(session, actor=_user(), full_name=form.full_name.data,
                                    unit=unit)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            return _walkin_done(session, enrollment.user.full_name)
    return _render_walkin(session, new_form=form, status=422)
