from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import TextInput, html_params

from lms.core.forms import Form


class BareTextInput(TextInput):
    """A text input that carries no value="" attribute while empty (password managers and
    simple scripted clients recognise the sign-in field more reliably)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        value = field._value()
        if value:
            kwargs["value"] = value
        if field.flags.required:
            kwargs.setdefault("required", True)
        params = html_params(name=field.name, type=self.input_type, **kwargs)  # escapes values
        return Markup(f"<input {params}>")  # noqa: S704  (html_params escaped every value)


class LoginForm(Form):
    login = StringField(
        _l("Username or e-mail"),
        validators=[DataRequired(), Length(max=254)],
        widget=BareTextInput(),
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class PasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=8, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", _l("The two passwords differ."))],
    )


class ConfirmForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()
