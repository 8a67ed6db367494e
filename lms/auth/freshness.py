"""Session time limits and "fresh" sign-in for sensitive actions.

A signed-in session ends after SESSION_IDLE_MINUTES without a request, or
SESSION_MAX_HOURS after sign-in, whichever comes first. Sensitive actions (role changes,
certificate revocation) need a sign-in or password confirmation within FRESH_MINUTES.
"""

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

SEEN_RESOLUTION = 60  # seconds: refresh the "last seen" stamp at most once a minute


def mark_signed_in() -> None:
    now = int(time.time())
    session.permanent = True
    session["auth_at"] = now
    session["seen_at"] = now


def enforce_session_limits() -> None:
    """before_request: end a session that is idle or too old."""
    if "_user_id" not in session:
        return
    now = int(time.time())
    config = current_app.config
    auth_at = session.get("auth_at", 0)
    seen_at = session.get("seen_at", 0)
    if (
        now - auth_at > config["SESSION_MAX_HOURS"] * 3600
        or now - seen_at > config["SESSION_IDLE_MINUTES"] * 60
    ):
        logout_user()
        session.pop("auth_at", None)
        session.pop("seen_at", None)
        flash(_("Your session has expired. Please sign in again."), "info")
        return
    if now - seen_at >= SEEN_RESOLUTION:
        session["seen_at"] = now


def is_fresh() -> bool:
    age = int(time.time()) - session.get("auth_at", 0)
    return age <= current_app.config["FRESH_MINUTES"] * 60


def fresh_required(view: Callable) -> Callable:
    """The view runs only if the password was given recently; otherwise ask for it again."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated and not is_fresh():
            flash(_("Please confirm your password to continue."), "info")
            return redirect(url_for("auth.confirm", next=_back_to()))
        return view(*args, **kwargs)

    return wrapper


def _back_to() -> str:
    """Where to return after confirming: this page for a GET; for a POST (a button), the page
    the button was on, since the POST itself cannot be replayed by a redirect."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("core.index")
