"""The director's class page: sessions (add, series, edit, cancel), cancelling the class."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.classes import services, sessions
from lms.classes.blueprint import bp
from lms.classes.forms import CancelForm, CancelSessionForm, ReasonForm, SeriesForm, SessionForm
from lms.classes.models import Class, ClassSession
from lms.classes.rules import class_status
from lms.core.clock import local_today
from lms.core.forms import ActionForm
from lms.core.work import saving
from lms.enrollment.queries import roster_counts
from lms.extensions import db


def _load(class_id: int) -> Class:
    klass = sessions.load_class_with_sessions(class_id)
    if klass is None:
        abort(404)
    return klass


def _render_manage(klass: Class, **forms):
    today = local_today()
    last = max((s.on_date for s in klass.sessions if not s.is_cancelled), default=None)
    session_form = forms.get("session_form") or SessionForm(formdata=None)
    series_form = forms.get("series_form") or SeriesForm(formdata=None)
    if not session_form.on_date.data:
        session_form.on_date.data = klass.start_date
    if not series_form.first_date.data:
        series_form.first_date.data, series_form.last_date.data = klass.start_date, klass.end_date
    return render_template(
        "classes/class_manage.html",
        klass=klass,
        status=class_status(klass, today, last),
        counts=roster_counts(klass),
        conflicts=sessions.find_conflicts(klass),
        session_form=session_form,
        series_form=series_form,
        cancel_form=forms.get("cancel_form") or CancelForm(formdata=None),
        restore_form=ReasonForm(formdata=None, prefix="restore"),
        action_form=ActionForm(),
    )


def _warn_conflicts(klass: Class) -> None:
    found = sessions.find_conflicts(klass)
    if found:
        flash(
            _(
                "Saved, but %(n)d sessions overlap with another class that shares the room or "
                "an instructor: see the warnings below.",
                n=len(found),
            ),
            "warning",
        )


def _session_data(form: SessionForm) -> sessions.SessionData:
    return sessions.SessionData(
        on_date=form.on_date.data,
        starts_at=form.starts_at.data,
        ends_at=form.ends_at.data,
        topic=form.topic.data or "",
        room=form.room.data or "",
    )


@bp.get("/classes/<int:class_id>/manage")
def class_manage(class_id: int):
    return _render_manage(_load(class_id))


@bp.post("/classes/<int:class_id>/sessions")
def session_add(class_id: int):
    klass = _load(class_id)
    form = SessionForm()
    if form.validate_on_submit():
        data = _session_data(form)
        with saving() as done:
            sessions.add_session(klass, data, actor=current_user._get_current_object())
        if done:
            flash(_("Session added."), "success")
            _warn_conflicts(_load(class_id))
            return redirect(url_for("classes.class_manage", class_id=class_id))
    return _render_manage(_load(class_id), session_form=form), 400


@bp.post("/classes/<int:class_id>/sessions/series")
def session_series(class_id: int):
    klass = _load(class_id)
    form = SeriesForm()
    if form.validate_on_submit():
        data = sessions.SeriesData(
            first_date=form.first_date.data,
            last_date=form.last_date.data,
            starts_at=form.starts_at.data,
            ends_at=form.ends_at.data,
            weekdays=tuple(form.weekdays.data or ()),
            topic=form.topic.data or "",
            room=form.room.data or "",
        )
        with saving() as done:
            created = sessions.generate_series(
                klass, data, actor=current_user._get_current_object()
            )
        if done:
            flash(_("%(n)d sessions added.", n=len(created)), "success")
            _warn_conflicts(_load(class_id))
            return redirect(url_for("classes.class_manage", class_id=class_id))
    return _render_manage(_load(class_id), series_form=form), 400


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def session_edit(session_id: int):
    session = db.get_or_404(ClassSession, session_id)
    form = SessionForm(obj=session)
    if form.validate_on_submit():
        data = _session_data(form)
        with saving() as done:
            sessions.update_session(session, data, actor=current_user._get_current_object())
        if done:
            flash(_("Session saved."), "success")
            _warn_conflicts(_load(session.class_id))
            return redirect(url_for("classes.class_manage", class_id=session.class_id))
    return render_template(
        "classes/session_form.html",
        form=form,
        session=session,
        cancel_form=CancelSessionForm(formdata=None),
        marks=sessions.marks_at(session),
    )


@bp.post("/sessions/<int:session_id>/cancel")
def session_cancel(session_id: int):
    session = db.get_or_404(ClassSession, session_id)
    form = CancelSessionForm()
    if form.validate_on_submit():
        with saving() as done:
            sessions.cancel_session(
                session, form.reason.data, actor=current_user._get_current_object(),
                marks_confirmed=form.marks_confirmed.data,
            )
        if done:
            flash(_("Session cancelled."), "success")
        else:
            return redirect(url_for("classes.session_edit", session_id=session_id))
    else:
        flash(_("Give the reason for cancelling."), "error")
    return redirect(url_for("classes.class_manage", class_id=session.class_id))


@bp.post("/sessions/<int:session_id>/restore")
def session_restore(session_id: int):
    session = db.get_or_404(ClassSession, session_id)
    form = ReasonForm(prefix="restore")
    if form.validate_on_submit():
        with saving() as done:
            marks = sessions.restore_session(
                session, form.reason.data, actor=current_user._get_current_object()
            )
        if done:
            flash(_("Session restored: %(n)d attendance mark(s) count again.", n=marks),
                  "success")
    else:
        flash(_("Give the reason for restoring the session."), "error")
    return redirect(url_for("classes.class_manage", class_id=session.class_id))


@bp.post("/classes/<int:class_id>/cancel")
def class_cancel(class_id: int):
    klass = _load(class_id)
    form = CancelForm()
    if form.validate_on_submit():
        with saving() as done:
            services.cancel_class(klass, form.reason.data, actor=current_user._get_current_object())
        if done:
            flash(_("Class cancelled."), "success")
            return redirect(url_for("classes.class_manage", class_id=class_id))
    else:
        flash(_("Give the reason for cancelling."), "error")
    return _render_manage(_load(class_id), cancel_form=form), 400
