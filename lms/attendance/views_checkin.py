"""Self check-in (the projector screen and the trainee's side) and walk-ins."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from lms import ratelimit
from lms.attendance import checkin as service
from lms.attendance.blueprint import bp
from lms.attendance.clock import local_now
from lms.attendance.fastpath import done_page
from lms.attendance.forms import CheckinForm, WalkinAddForm, WalkinNewForm, WalkinSearchForm
from lms.attendance.views import session_for_marker
from lms.attendance.walkin import add_walkin, search_people
from lms.auth.models import User
from lms.classes.models import ClassSession
from lms.classes.services import visible_class_for_trainee
from lms.core.forms import ActionForm, parse_id
from lms.core.retry import BusyError, run_with_retries
from lms.errors import DomainError
from lms.extensions import db, limiter
from lms.units.models import Unit
from lms.units.services import unit_choices


def _user():
    return current_user._get_current_object()


# --- the instructor's projector ----------------------------------------------------------


@bp.post("/sessions/<int:session_id>/checkin/open")
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
def projector(session_id: int):
    session = session_for_marker(session_id)
    state = _projector_state(session) if session.checkin_secret else None
    return render_template(
        "attendance/projector.html", session=session, klass=session.klass, state=state,
        open_form=ActionForm(), checkin_url=url_for(".checkin_form", _external=True),
    )


@bp.get("/sessions/<int:session_id>/checkin/code.json")
def projector_code(session_id: int):
    session = session_for_marker(session_id)
    if not session.checkin_secret:
        return jsonify({"error": "closed"}), 409
    return jsonify(_projector_state(session))


# --- the trainee's side ----------------------------------------------------------------------


@limiter.request_filter
def _limits_checked_in_the_view() -> bool:
    """The check-in routes count their own limits (_within_limits): Flask-Limiter skips them."""
    return request.endpoint in ("attendance.checkin_form", "attendance.checkin_landing")


def _user_limit() -> str:
    return current_app.config.get("RATELIMIT_CHECKIN", "10 per minute")


def _session_limit() -> str:
    return current_app.config.get("RATELIMIT_CHECKIN_SESSION_FAILURES", "300 per minute")


def _within_limits(session_id: int | None) -> bool:
    """Codes cannot be brute-forced: every POST of a user counts (RATELIMIT_CHECKIN), and a
    session's QR address refuses more tries once too many wrong ones came in from anyone
    (..._SESSION_FAILURES, counted by _count_failure). Counted directly (lms.ratelimit)."""
    if session_id is not None and not ratelimit.within(
        _session_limit(), "checkin-session", str(session_id)
    ):
        return False
    return ratelimit.hit(_user_limit(), "checkin-user", current_user.get_id())


def _count_failure(session_id: int | None) -> None:
    if session_id is not None:
        ratelimit.hit(_session_limit(), "checkin-session", str(session_id))


def _refused(message, session, session_id: int | None, status: int):
    """The check-in form again, with what the trainee typed and why it was refused; `session`
    only when its class is the trainee's to see (never name another's class)."""
    form = CheckinForm(meta={"csrf": False})
    return render_template(
        "attendance/checkin.html", form=form, error=message, session=session,
        session_id=session_id,
    ), status


def _submit(session_id: int | None):
    """One check-in; the answer page is small and static (no QR, no PDF on this path)."""
    # CSRFProtect has already checked this POST's token (before_request, every POST of the
    # app). The form object is built only to show a refusal.
    raw_code = request.form.get("code", "")
    if not raw_code.strip():
        form = CheckinForm(meta={"csrf": False})
        form.validate()  # the field's own message ("type the code")
        return render_template(
            "attendance/checkin.html", form=form, session=None, session_id=session_id
        ), 422
    user = _user()
    now = local_now()
    shown = None  # the session, once known to be the trainee's to see

    def check_in():
        # Read, rules, write and the answer page, then the one commit (run_with_retries);
        # the page is rendered before the commit, which would expire an ORM row it prints.
        nonlocal shown
        if session_id is None:
            found = shown = service.find_session_by_code(user, raw_code, now)
            result = service.check_in(user, found, raw_code, now=now)
        else:
            # The QR path, the hot one: session, settings, enrollment and mark in one read.
            try:
                found, settings, row = service.load_for_checkin(session_id, user)
            except NotFound:  # answered as for a session of someone else's class
                raise service.NotEnrolled() from None
            shown = found if row is not None else None
            result = service.check_in(
                user, found, raw_code, now=now, preloaded=(settings, row)
            )
        return done_page(result.session, result.status, already=result.already)

    # The answer ends with a commit even when nothing was written ("already checked in"): a
    # ROLLBACK would make psycopg forget its prepared statements (it must, after rolled-back
    # DDL), and PostgreSQL would parse and plan them again on every request
    # (docs/benchmarks.md).
    try:
        # A deadlock or serialisation failure (PostgreSQL) is retried a few times.
        return run_with_retries(check_in)
    except service.AlreadyCheckedIn as already:  # a concurrent request of this trainee won
        # (rare: run_with_retries has rolled back; the page reloads what it prints)
        return done_page(already.session, already.status, already=True)
    except BusyError:
        # A lost race outlasted the retries. Nothing was recorded: say so, and let the trainee
        # press again.
        current_app.logger.warning("check-in not recorded: the database stayed busy")
        return _refused(_("The system is busy and your check-in was not recorded. "
                          "Please press Check in again."), shown, session_id, 503)
    except DomainError as error:
        return _refused(error.message, shown, session_id, 422)


@bp.route("/checkin", methods=["GET", "POST"])
def checkin_form():
    if request.method == "POST":
        return _limited_submit(None)
    return render_template("attendance/checkin.html", form=CheckinForm(), session=None)


@bp.route("/checkin/<int:session_id>", methods=["GET", "POST"])
def checkin_landing(session_id: int):
    """The QR code's address: GET shows a pre-filled form (records nothing); POST checks in."""
    if request.method == "POST":
        return _limited_submit(session_id)
    # The session's class and time only for a class the person may see: for anyone else an
    # existing session and a missing one look the same (no existence oracle). The form still
    # posts here, so a walk-in who scanned the code is told to see the instructor.
    session = db.session.get(ClassSession, session_id)
    if session is not None and visible_class_for_trainee(session.class_id, _user()) is None:
        session = None
    form = CheckinForm(data={"code": request.args.get("code", "")[:7]})
    return render_template(
        "attendance/checkin.html", form=form, session=session, session_id=session_id
    )


def _limited_submit(session_id: int | None):
    if not _within_limits(session_id):
        abort(429)
    response = _submit(session_id)
    if isinstance(response, tuple) and response[1] == 422:  # a refused try
        _count_failure(session_id)
    return response


# --- walk-ins ---------------------------------------------------------------------------------


def _unit_choices():
    return [(0, _("Choose a unit")), *unit_choices()]  # the tree, in Vietnamese order


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
def walkin(session_id: int):
    return _render_walkin(session_for_marker(session_id))


def _walkin_done(session, enrollment_name: str):
    db.session.commit()
    flash(_("%(name)s has been enrolled and marked present.", name=enrollment_name), "success")
    return redirect(url_for(".roster", session_id=session.id))


@bp.post("/sessions/<int:session_id>/walkin/add")
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
