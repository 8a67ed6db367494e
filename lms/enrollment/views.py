"""Enrolment pages: enrol/withdraw, assignment by directors, "My classes", the calendar feed.

The roster, its exports and the sign-in sheet are in lms/enrollment/roster_views.py.
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from lms.auth.models import User
from lms.cards.printing import my_card
from lms.classes.models import Class
from lms.core.clock import local_today, local_zone
from lms.core.forms import ActionForm
from lms.core.tabular import TableError
from lms.core.text import fold
from lms.core.types import utcnow
from lms.core.work import attempt, saving
from lms.enrollment import ical, queries, services
from lms.enrollment.blueprint import bp
from lms.enrollment.eligibility import enrollable_clause
from lms.enrollment.forms import PickForm, RosterImportForm, UnitForm
from lms.enrollment.models import Enrollment
from lms.enrollment.overflow import SeatsShort, enrol_unit
from lms.enrollment.waitlist import waitlist_positions
from lms.errors import DomainError
from lms.extensions import db
from lms.units.models import Unit
from lms.units.services import unit_choices


def _actor() -> User:
    return current_user._get_current_object()


# --- self-enrollment -------------------------------------------------------------------------


@bp.post("/classes/<int:class_id>/enrol")
def enrol(class_id: int):
    klass = db.get_or_404(Class, class_id)
    if klass.enrollment_mode != "open" or not ActionForm().validate_on_submit():
        abort(404 if klass.enrollment_mode != "open" else 400)
    try:
        done = attempt(lambda: services.enrol_self(klass, actor=_actor()))
    except IntegrityError:  # the same person twice at once (double click); rolled back
        flash(_("You are already on the list of this class."), "info")
    else:
        if done and done.result.status == "enrolled":
            flash(_("You are enrolled."), "success")
        elif done:  # not an error: a place in the queue, said as such
            place = waitlist_positions([done.result.id]).get(done.result.id, 0)
            flash(_("The class is full: you are no. %(n)d on the waitlist.", n=place), "info")
    return redirect(url_for("classes.class_page", class_id=class_id))


@bp.post("/classes/<int:class_id>/withdraw")
def withdraw(class_id: int):
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.class_id == class_id, Enrollment.user_id == current_user.id
        )
    )
    if enrollment is None or not ActionForm().validate_on_submit():
        abort(404)
    waiting = enrollment.status == "waitlisted"
    if attempt(lambda: services.withdraw(enrollment, actor=_actor())):
        left = _("You have left the waitlist.") if waiting else None
        flash(left or _("You have withdrawn from the class."), "success")
    return redirect(url_for("classes.class_page", class_id=class_id))


@bp.post("/enrollments/<int:enrollment_id>/withdraw")
def director_withdraw(enrollment_id: int):
    enrollment = db.get_or_404(Enrollment, enrollment_id)
    withdrawing = ActionForm().validate_on_submit()
    if withdrawing and attempt(lambda: services.withdraw(enrollment, actor=_actor())):
        flash(_("%(name)s is withdrawn.", name=enrollment.user.full_name), "success")
    return redirect(url_for("enrollment.roster", class_id=enrollment.class_id))


# --- assignment by directors ----------------------------------------------------------------


def _unit_choices() -> list[SelectChoice]:
    return [SelectChoice(unit_id, label) for unit_id, label in unit_choices()]  # the tree


def _report(result: services.AssignResult) -> None:
    waitlisted = getattr(result, "waitlisted", None)
    if result.added or not waitlisted:
        flash(_("%(n)d trainees enrolled.", n=len(result.added)), "success")
    if waitlisted:
        flash(_("%(n)d put on the waitlist, in the order of the roster.",
                n=len(result.waitlisted)), "info")
    if result.already:
        names = ", ".join(u.full_name for u in result.already[:30])
        more = len(result.already) - 30
        flash(
            _(
                "Already enrolled, left as they were (%(n)d): %(names)s",
                n=len(result.already),
                names=names + (f" … (+{more})" if more > 0 else ""),
            ),
            "info",
        )


def _assign(klass: Class, kind: str | None, pick_form, unit_form, import_form):
    """Enrol the people the submitted form names (one of three ways to name them)."""
    actor = _actor()
    if kind == "pick" and pick_form.validate_on_submit():
        users = list(db.session.scalars(select(User).where(User.id.in_(pick_form.user_ids.data))))
        if not users:
            raise DomainError(_("Tick at least one trainee."))
        return services.assign_trainees(klass, users, actor=actor)
    if kind == "unit" and unit_form.validate_on_submit():
        unit = db.get_or_404(Unit, unit_form.unit_id.data)
        return enrol_unit(klass, unit, include_subunits=unit_form.include_subunits.data,
                          fill=unit_form.fill_seats.data, actor=actor)
    if kind == "import" and import_form.validate_on_submit():
        return services.import_roster(klass, import_form.file.data.read(), actor=actor)
    raise DomainError(_("Check the form and try again."))


@bp.route("/classes/<int:class_id>/assign", methods=["GET", "POST"])
def assign(class_id: int):
    klass = db.get_or_404(Class, class_id)
    q = request.args.get("q", "")[:100]
    pick_form, unit_form, import_form = PickForm(), UnitForm(), RosterImportForm()
    unit_form.unit_id.choices = _unit_choices()
    row_errors, offer = [], None
    if request.method == "POST":
        try:
            with saving() as done:
                result = _assign(
                    klass, request.form.get("kind"), pick_form, unit_form, import_form
                )
        except TableError as error:  # saving() has rolled back
            row_errors = error.errors
            flash(str(error.message) if error.message else _("Nothing was saved."), "error")
        else:
            if done:
                _report(result)
                return redirect(url_for("enrollment.assign", class_id=class_id))
            if isinstance(done.error, SeatsShort):  # refused: offer to fill the seats instead
                offer = done.error
    candidates = []
    if q:
        candidates = list(
            db.session.scalars(
                select(User)
                .where(enrollable_clause(), User.search_name.like(f"%{fold(q)}%"))
                .order_by(User.sort_key)
                .limit(100)
            )
        )
    return render_template(
        "enrollment/assign.html",
        klass=klass,
        q=q,
        candidates=candidates,
        pick_form=pick_form,
        unit_form=unit_form,
        import_form=import_form,
        row_errors=row_errors,
        offer=offer,
        seats_left=None if klass.capacity is None else klass.capacity - klass.enrolled_count,
    )


# --- My classes, calendar -------------------------------------------------------------------


@bp.get("/my/classes")
def my_classes():
    user = _actor()
    # The news of a waitlist promotion stays until the trainee dismisses it (a POST): a GET
    # changes nothing, and news seen in passing, or on a phone that lost the page, is not lost.
    promotions = queries.pending_promotions(user)
    return render_template(
        "enrollment/my_classes.html",
        mine=queries.my_enrollments(user),
        sessions=queries.upcoming_sessions(user),
        teaching=queries.taught_classes(user),
        promotions=promotions,
        card=my_card(user) if user.is_trainee else None,
        calendar_url=url_for("enrollment.calendar_feed", token=user.calendar_token, _external=True),
        action_form=ActionForm(),
        today=local_today(),
    )


@bp.post("/my/classes/promotions/dismiss")
def dismiss_promotions():
    if ActionForm().validate_on_submit():
        with saving():
            services.dismiss_promotions(actor=_actor())
    return redirect(url_for("enrollment.my_classes"))


@bp.post("/my/calendar/rotate")
def rotate_calendar():
    if ActionForm().validate_on_submit():
        with saving() as done:
            services.rotate_calendar_token(_actor(), actor=_actor())
        if done:
            flash(_("Your calendar has a new address; the old one no longer works."), "success")
    return redirect(url_for("enrollment.my_classes"))


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    user = queries.user_by_calendar_token(token)
    if user is None:
        abort(404)
    since = local_today() - timedelta(days=365)
    body = ical.calendar_text(
        queries.calendar_sessions(user, since=since),
        zone=local_zone(),
        name=_("Sessions of %(name)s", name=user.full_name),
        host=request.host.split(":")[0] or "lms",
        now=utcnow(),
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="lms.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    current_app.logger.debug("calendar feed for user %s", user.id)
    return response
