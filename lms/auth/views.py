"""Sign-in, sign-out, own password."""

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lms.auth import services, throttle
from lms.auth.blueprint import bp
from lms.auth.forms import ConfirmForm, LoginForm, PasswordForm
from lms.auth.freshness import mark_signed_in
from lms.core.forms import ActionForm
from lms.core.work import saving
from lms.extensions import limiter


def _safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme, no host, no protocol-relative '//' or '\\'."""
    if not target:
        return url_for("core.index")
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
    ):
        return url_for("core.index")
    return target


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:  # failures only are counted (lms/auth/throttle.py): a hall's crowd gets in
            user = throttle.authenticate(form.login.data, form.password.data)
        except throttle.TooManyFailures:
            abort(429)
        if user is not None:
            login_user(user)
            mark_signed_in()
            return redirect(_safe_next(form.next.data))
        flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    form = ActionForm()
    if form.validate_on_submit():
        with saving():
            services.sign_out(current_user._get_current_object())
        logout_user()
        flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])  # the current password is guessed here too
def change_password():
    """The current password is asked on this form and checked in the same request: a fresher
    proof than FRESH_MINUTES, so no separate confirmation page."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with saving() as done:  # no form: the refusals are flashed above the form, as before
            services.change_password(
                user, form.current_password.data, form.new_password.data, actor=user
            )
        if done:
            login_user(user)  # the token rotated: this session carries the new one
            mark_signed_in()
            flash(_("Your password has been changed. Other devices are signed out."), "success")
            return redirect(url_for("core.index"))
    return render_template("auth/password.html", form=form)


@bp.route("/login/confirm", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def confirm():
    """Ask for the password again before a sensitive action."""
    form = ConfirmForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(current_user.username, form.password.data)
        if user is not None and user.id == current_user.id:
            mark_signed_in()
            return redirect(_safe_next(form.next.data))
        flash(_("Wrong password."), "error")
    return render_template("auth/confirm.html", form=form)
