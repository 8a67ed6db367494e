"""Forms of the admin pages. Choices that come from the database are set by the views.

WTForms ships no Vietnamese catalog, so every validator here carries its own translated
message instead of WTForms' English default.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.dates import DateField
from lms.core.forms import Form
from lms.core.labels import HEADER_KIND_LABELS, ROLE_LABELS

BAD_CHOICE = _l("Choose one of the options.")


def required() -> InputRequired:
    return InputRequired(message=_l("This field is required."))


def at_most(n: int) -> Length:
    return Length(max=n, message=_l("At most %(max)d characters."))


def password_length() -> Length:
    return Length(min=8, max=200, message=_l("Between %(min)d and %(max)d characters."))


def options(pairs) -> list[SelectChoice]:
    """Choices for a select box from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a whole number.")) from None


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class UserForm(Form):
    full_name = StringField(_l("Full name"), validators=[required(), at_most(200)])
    username = StringField(_l("Username"), validators=[required(), at_most(64)])
    email = StringField(_l("E-mail"), validators=[Optional(), at_most(254)])
    date_of_birth = DateField(_l("Date of birth (dd/mm/yyyy)"))
    member_id = StringField(_l("Party member id"), validators=[Optional(), at_most(32)])
    unit_id = SelectField(
        _l("Unit"),
        coerce=_optional_int,
        invalid_choice_message=BAD_CHOICE,
        invalid_value_message=BAD_CHOICE,
    )
    roles = CheckboxesField(
        _l("Roles"),
        choices=options(ROLE_LABELS.items()),
        validators=[InputRequired(message=_l("Choose at least one role."))],
        invalid_choice_message=BAD_CHOICE,
    )
    active = BooleanField(_l("Active (can sign in)"), default=True)
    password = PasswordField(
        _l("Initial password (optional)"), validators=[Optional(), password_length()]
    )


class FilterForm(Form):
    """The users list's search box and filters: a GET form, no CSRF (it changes nothing).
    Never validated: the view reads what makes sense and ignores the rest."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"))
    role = SelectField(_l("Role"), choices=options([("", _l("All roles")), *ROLE_LABELS.items()]))
    unit = SelectField(_l("Unit"), coerce=str)
    status = SelectField(
        _l("Status"),
        choices=options(
            [("", _l("All")), ("active", _l("Active")), ("inactive", _l("Deactivated"))]
        ),
    )


class ResetPasswordForm(Form):
    new_password = PasswordField(_l("New password"), validators=[required(), password_length()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[required(), EqualTo("new_password", _l("The two passwords differ."))],
    )


class ImportForm(Form):
    file = FileField(
        _l("CSV or XLSX file"), validators=[FileRequired(message=_l("Choose a file."))]
    )
    password = PasswordField(
        _l("Initial password for new users (optional)"),
        validators=[Optional(), password_length()],
    )


class UnitForm(Form):
    code = StringField(_l("Code"), validators=[required(), at_most(32)])
    name = StringField(_l("Name"), validators=[required(), at_most(200)])
    parent_id = SelectField(
        _l("Parent unit"),
        coerce=_optional_int,
        invalid_choice_message=BAD_CHOICE,
        invalid_value_message=BAD_CHOICE,
    )


def _minutes(label, high: int) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[
            required(),
            NumberRange(0, high, message=_l("Enter a whole number from %(min)s to %(max)s.")),
        ],
    )


class SettingsForm(Form):
    parent_body = StringField(_l("Parent body (top left)"), validators=[at_most(200)])
    center_name = StringField(_l("Center name"), validators=[required(), at_most(200)])
    header_kind = RadioField(
        _l("Header (top right)"),
        choices=options(HEADER_KIND_LABELS.items()),
        validators=[required()],
        invalid_choice_message=BAD_CHOICE,
    )
    place = StringField(_l("Place (for “Place, date”)"), validators=[at_most(120)])
    signer_title = StringField(_l("Signer's title"), validators=[at_most(200)])
    signer_name = StringField(_l("Signer's name"), validators=[at_most(200)])
    register_format = StringField(
        _l("Register number format"), validators=[required(), at_most(60)]
    )
    checkin_opens_minutes = _minutes(_l("Check-in opens (minutes before the start)"), 24 * 60)
    checkin_late_after_minutes = _minutes(_l("Late after (minutes after the start)"), 24 * 60)
    lock_after_hours = _minutes(_l("Attendance locks (hours after the session)"), 24 * 31)


class SignatureForm(Form):
    image = FileField(
        _l("Signature or seal image (PNG or JPEG)"),
        validators=[FileRequired(message=_l("Choose a file."))],
    )
