"""Blueprints, template helpers and the headers every response carries."""

from functools import partial
from importlib import import_module

from flask import Blueprint, Flask, Response, abort, request, session
from werkzeug.routing import IntegerConverter

from lms.core import dates, formatting
from lms.core.forms import MAX_ID

# Every module that holds views, in the order their blueprints are registered. Each imports its
# package's blueprint (`bp`, from <package>/blueprint.py or the module itself) and adds routes
# to it; importing the module here is what registers them. A new view module goes in this list.
VIEW_MODULES = (
    "lms.core.views",
    "lms.auth.views",
    "lms.admin.views",
    "lms.admin.unit_views",
    "lms.admin.import_views",
    "lms.admin.settings_views",
    "lms.classes.views",
    "lms.classes.session_views",
    "lms.classes.hub_views",
    "lms.enrollment.views",
    "lms.enrollment.roster_views",
    "lms.attendance.views",
    "lms.attendance.views_checkin",
    "lms.attendance.views_import",
    "lms.cards.views",
    "lms.attendance.views_offline",
    "lms.certificates.views",
    "lms.reports.views",
    "lms.notices.views",
)


def register_web(app: Flask) -> None:
    # `<int:...>` in every route: at most what an id column holds. A larger number is a 404,
    # not an overflow in the database driver (a 500). Set before any rule is added.
    app.url_map.converters["int"] = partial(IntegerConverter, max=MAX_ID)
    app.before_request(_refuse_nul)
    blueprints: dict[str, Blueprint] = {}
    for name in VIEW_MODULES:
        blueprint = import_module(name).bp
        blueprints.setdefault(blueprint.name, blueprint)
    for blueprint in blueprints.values():
        app.register_blueprint(blueprint)

    app.jinja_env.filters.update(
        date=formatting.fmt_date,
        datetime=formatting.fmt_datetime,
        time=formatting.fmt_time,
        number=formatting.fmt_number,
        percent=formatting.fmt_percent,
        long_date=formatting.long_date,
        day=dates.day_in_words,
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
