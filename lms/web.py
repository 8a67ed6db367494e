"""Blueprints, template helpers and the headers every response carries."""

from functools import partial

from flask import Flask, Response, abort, request, session
from werkzeug.routing import IntegerConverter

from lms.core import formatting
from lms.core.forms import MAX_ID


def register_web(app: Flask) -> None:
    from lms.admin.views import bp as admin_bp
    from lms.attendance.views import bp as attendance_bp
    from lms.auth.views import bp as auth_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.classes.views import bp as classes_bp
    from lms.core.views import bp as core_bp
    from lms.enrollment.views import bp as enrollment_bp
    from lms.notices.views import bp as notices_bp
    from lms.reports.views import bp as reports_bp

    # `<int:...>` in every route: at most what an id column holds. A larger number is a 404,
    # not an overflow in the database driver (a 500). Set before any rule is added.
    app.url_map.converters["int"] = partial(IntegerConverter, max=MAX_ID)
    app.before_request(_refuse_nul)
    for blueprint in (
        core_bp,
        auth_bp,
        admin_bp,
        classes_bp,
        enrollment_bp,
        attendance_bp,
        certificates_bp,
        reports_bp,
        notices_bp,
    ):
        app.register_blueprint(blueprint)

    app.jinja_env.filters.update(
        date=formatting.fmt_date,
        datetime=formatting.fmt_datetime,
        time=formatting.fmt_time,
        number=formatting.fmt_number,
        percent=formatting.fmt_percent,
        long_date=formatting.long_date,
    )
    app.after_request(_security_headers)

    @app.context_processor
    def _labels():
        from lms.core.labels import ROLE_LABELS

        return {"role_names": ROLE_LABELS}


def _refuse_nul() -> None:
    """NUL in a path, query or form value is never typed by a person; PostgreSQL cannot store
    it (a 500 deep in the driver) and SQLite cuts strings at it. Refused with the 400 page.
    Uploaded files are not form values: they are checked by their own readers."""
    if "\x00" in request.path:
        abort(400)
    for values in (request.args, request.form) if request.method == "POST" else (request.args,):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _security_headers(response: Response) -> Response:
    from flask import current_app

    headers = response.headers
    # A view may set its own (kept); the names are read once: setdefault scans every header
    # once per call, a twentieth of the check-in's time in Python calls.
    present = {name.lower() for name in headers.keys()}  # noqa: SIM118  (Headers: names)
    wanted = SECURITY_HEADERS
    if current_app.config["ENV"] == "production":
        wanted = (*wanted, HSTS)
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    if "_user_id" in session:
        # Signed-in pages hold personal data: never keep them in a shared cache or the back button.
        # Decided from the session (set by login_user, also for a cookie whose user no longer
        # loads: stricter, never looser), not current_user.is_authenticated, which after the
        # view's commit would reload the expired user row: one more SELECT on every request.
        headers["Cache-Control"] = "no-store"
    return response
