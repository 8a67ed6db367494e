from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf


class ActionForm(FlaskForm):
    """A CSRF-only form for POST buttons."""


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[AnyOf(("vi", "en"))])
