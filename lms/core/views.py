"""The home page: a sign-in prompt, or what each of the person's roles has to do now
(lms/core/home.py), with their starting points."""

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user

from lms.core import home
from lms.core.blueprint import bp
from lms.core.clock import local_now
from lms.core.forms import ActionForm, LanguageForm
from lms.core.labels import JOB_KIND_LABELS


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    from lms.notices.views import home_notices

    user, now = current_user._get_current_object(), local_now()
    # The director's to-do first: its report may start the reads again from one snapshot
    # (PostgreSQL), which would expire whatever was loaded before it.
    director = home.director_todo(user, now) if user.is_director else None
    return render_template(
        "core/home.html",
        director=director,
        home_notices=home_notices(user),
        instructor=home.instructor_day(user, now) if user.is_instructor else None,
        trainee=home.trainee_day(user, now) if user.is_trainee else None,
        scanning=None if user.is_director else home.clerk_sessions(user, now),
        today=now.date(),
        action_form=ActionForm(),
        job_kinds=JOB_KIND_LABELS,
    )


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
    target = request.referrer or ""
    # Only ever back to a page of this site.
    if not target.startswith(request.host_url):
        target = url_for("core.index")
    return redirect(target)
