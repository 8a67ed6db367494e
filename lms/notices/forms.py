"""Forms of the notice pages."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length, Optional

from lms.core.forms import Form

LANGUAGE_CHOICES = [SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]


class PreferencesForm(Form):
    language = SelectField(
        _l("Language of my notices and e-mails"),
        choices=LANGUAGE_CHOICES,
        validators=[AnyOf(("vi", "en"), message=_l("Choose one of the options."))],
    )
    reminders = BooleanField(
        _l("Send me reminders (tomorrow's sessions; attendance still to take)"), default=True
    )
    email = StringField(
        _l("E-mail"),
        validators=[Optional(), Length(max=254, message=_l("At most %(max)d characters."))],
    )
    password = PasswordField(
        _l("Your password (only to change the e-mail)"),
        validators=[Optional(), Length(max=200, message=_l("At most %(max)d characters."))],
    )


class ReadForm(Form):
    """Mark one notice read (its id), or all of them (all=1)."""

    notice_id = HiddenField()
    all = HiddenField()


class ResendForm(Form):
    notice_id = HiddenField()


class OutboxFilterForm(Form):
    """A GET form: changes nothing, no CSRF; never validated (the view reads what fits)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), coerce=str)
    state = SelectField(_l("State"), coerce=str)
    class_id = SelectField(_l("Class"), coerce=str)
