"""The base form of the app, and the small forms every blueprint uses."""

from flask import has_request_context
from flask_babel import get_translations
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf


class Form(FlaskForm):
    """Every form of the app: WTForms' own messages ("This field is required.") come from the
    app's catalog, so they are in the user's language (WTForms ships no Vietnamese)."""

    class Meta:
        def get_translations(self, form):
            return get_translations() if has_request_context() else None


class ActionForm(Form):
    """A CSRF-only form for POST buttons."""


class LanguageForm(Form):
    lang = HiddenField(validators=[AnyOf(("vi", "en"))])
