"""WTForms' built-in messages, listed so that `make extract-messages` copies them into the
app's catalog (lms.core.forms.Form translates them from there). Never called."""

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext


def _messages() -> None:  # pragma: no cover
    _l("Field must be equal to %(other_name)s.")
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    )
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    )
    ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
        1,
    )
    _l("Field must be between %(min)d and %(max)d characters long.")
    _l("Number must be at least %(min)s.")
    _l("Number must be at most %(max)s.")
    _l("Number must be between %(min)s and %(max)s.")
    _l("Date must be at least %(min)s.")
    _l("Date must be at most %(max)s.")
    _l("Date must be between %(min)s and %(max)s.")
    _l("This field is required.")
    _l("Invalid input.")
    _l("Invalid email address.")
    _l("Invalid URL.")
    _l("Invalid value, must be one of: %(values)s.")
    _l("Invalid value, can't be any of: %(values)s.")
    _l("Invalid CSRF Token.")
    _l("CSRF token missing.")
    _l("CSRF failed.")
    _l("CSRF token expired.")
    _l("The CSRF token is missing.")
    _l("The CSRF token is invalid.")
    _l("The CSRF token has expired.")
    _l("The CSRF session token is missing.")
    _l("The CSRF tokens do not match.")
    _l("Invalid Choice: could not coerce.")
    _l("Not a valid choice.")
    _l("Invalid choice(s): one or more data inputs could not be coerced.")
    _l("Not a valid datetime value.")
    _l("Not a valid date value.")
    _l("Not a valid time value.")
    _l("Not a valid integer value.")
    _l("Not a valid decimal value.")
    _l("Not a valid float value.")
