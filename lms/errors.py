"""DomainError (a rule said no, with a message a person can read) and the HTTP error pages."""

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from lms.extensions import db


class DomainError(Exception):
    """A business rule refused the action. The message is shown to the user as it is."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message  # may be a lazy translation: rendered in the reader's language
        self.field = field


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
        from lms.core.retry import BusyError, is_retryable

        db.session.rollback()
        if isinstance(error, BusyError) or is_retryable(error):
            # A collision or a lock that outlasted the retries: nothing is wrong, try again.
            app.logger.warning("database busy: %s", error)
            return render(503)
        app.logger.exception("unhandled error")
        return render(500)

    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
