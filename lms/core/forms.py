"""The base form of the app, and the small forms every blueprint uses."""

from flask import has_request_context
from flask_babel import get_translations
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf

MAX_ID = 2**63 - 1  # the largest value an id column holds (BIGINT; SQLite INTEGER)


def parse_id(value: object) -> int | None:
    """An id typed in a request (query string, hidden field): ASCII digits within what the
    database holds, else None. int() alone would take "٣" or 10**30 and the database driver
    would fail on it (a 500 instead of "not found")."""
    text = value.strip() if isinstance(value, str) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def coerce_id(value: object) -> int:
    """`coerce=` for fields holding ids: a bad one is a validation error, not a 500."""
    if isinstance(value, int) and 0 <= value <= MAX_ID:
        return value
    number = parse_id(value)
    if number is None:
        raise ValueError(value)
    return number


class Form(FlaskForm):
    """Every form of the app: WTForms' own messages ("This field is required.") come from the
    app's catalog, so they are in the user's language (WTForms ships no Vietnamese)."""

    class Meta:
        def get_translations(self, form):
            return get_translations() if has_request_context() else None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The hidden CSRF field is rendered without an id: a page with several forms (a row
        # of buttons, two forms side by side) would otherwise repeat id="csrf_token".
        if "csrf_token" in self._fields:
            self._fields["csrf_token"].id = False


class ActionForm(Form):
    """A CSRF-only form for POST buttons."""


class LanguageForm(Form):
    lang = HiddenField(validators=[AnyOf(("vi", "en"))])
