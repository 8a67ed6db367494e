"""The home page: a sign-in prompt, or the signed-in person's starting points."""

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user

from lms.core.blueprint import bp
from lms.core.forms import LanguageForm


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    from lms.notices.views import home_notices

    return render_template("core/home.html", home_notices=home_notices(current_user))


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
