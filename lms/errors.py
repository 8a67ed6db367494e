"""DomainError (a rule said no, with a message a person can read) and the HTTP error pages."""

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, SecurityError

from lms.extensions import db


class DomainError(Exception):
    """A business rule refused the action. The message is shown to the user as it is."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message  # may be a lazy translation: rendered in the reader's language
        self.field = field


RETRYABLE_SQLSTATES = ("40001", "40P01")  # serialization failure, deadlock detected
BUSY_MESSAGE = _l(
    "The system is busy with other changes at this moment. Nothing was saved: please try again."
)


class BusyError(DomainError):
    """The database kept refusing the work (collisions or locks) after every attempt."""

    def __init__(self) -> None:
        super().__init__(BUSY_MESSAGE)


def is_retryable(error: BaseException) -> bool:
    """A collision that another attempt can resolve: not a bug, not bad input."""
    if not isinstance(error, DBAPIError):
        return False
    orig = error.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(orig)


ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("File too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("The system is busy"),
}
ERROR_HINTS = {
    400: _l("The request could not be understood. Reload the page and try again."),
    403: _l("You do not have permission to open this page."),
    404: _l("The page you asked for does not exist or is not visible to you."),
    405: _l("This page cannot be used this way."),
    413: _l("The file is larger than the allowed size."),
    429: _l("Too many attempts in a short time. Wait a minute and try again."),
    500: _l("The server failed to handle the request. Nothing was saved; please try again."),
    503: _l(
        "The system is busy with other changes at this moment. Nothing was saved: "
        "please try again."
    ),
}


def _untrusted_host(error: SecurityError):
    """A Host outside TRUSTED_HOSTS (production: PUBLIC_BASE_URL's host): a plain 400, since no
    URL can be built for such a request (the error page's links would fail)."""
    return "Bad Request: untrusted host\n", 400, {"Content-Type": "text/plain; charset=utf-8"}


def register_error_handlers(app: Flask) -> None:
    def render(code: int):
        return render_template(
            "errors/error.html", code=code, title=ERROR_TITLES[code], hint=ERROR_HINTS[code]
        ), code

    def handle_http(error: HTTPException):
        code = error.code or 500
        if code not in ERROR_TITLES:
            return error
        if code >= 500:
            db.session.rollback()
        return render(code)

    def handle_unexpected(error: Exception):
        db.session.rollback()
        if isinstance(error, BusyError) or is_retryable(error):
            # A collision or a lock that outlasted the retries: nothing is wrong, try again.
            app.logger.warning("database busy: %s", error)
            return render(503)
        app.logger.exception("unhandled error")
        return render(500)

    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
