"""Forms of the admin pages. Choices that come from the database are set by the views."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
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
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.labels import HEADER_KIND_LABELS, ROLE_LABELS


class DateField(StringField):
    """A date typed as dd/mm/yyyy (the way people here write it), whatever the browser."""

    def _value(self) -> str:
        if isinstance(self.data, date):
            return f"{self.data:%d/%m/%Y}"
        return self.raw_data[0] if self.raw_data else ""

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        try:
            self.data = datetime.strptime(text, "%d/%m/%Y").date()
        except ValueError:
            raise ValueError(_l("Write the date as dd/mm/yyyy.")) from None


def options(pairs) -> list[SelectChoice]:
    """Choices for a select box from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class UserForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=2, max=64)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    date_of_birth = DateField(_l("Date of birth (dd/mm/yyyy)"))
    member_id = StringField(_l("Party member id"), validators=[Optional(), Length(max=32)])
    unit_id = SelectField(_l("Unit"), coerce=_optional_int, validate_choice=True)
    roles = CheckboxesField(
        _l("Roles"), choices=options(ROLE_LABELS.items()), validators=[DataRequired()]
    )
    active = BooleanField(_l("Active (can sign in)"), default=True)
    password = PasswordField(
        _l("Initial password (optional)"), validators=[Optional(), Length(min=8, max=200)]
    )


class FilterForm(FlaskForm):
    """The users list's search box and filters: a GET form, no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=options([("", _l("All roles")), *ROLE_LABELS.items()]))
    unit = SelectField(_l("Unit"), coerce=_optional_int, validate_choice=False)
    status = SelectField(
        _l("Status"),
        choices=options(
            [("", _l("All")), ("active", _l("Active")), ("inactive", _l("Deactivated"))]
        ),
    )


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=8, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", _l("The two passwords differ."))],
    )


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired()])
    password = PasswordField(
        _l("Initial password for new users (optional)"),
        validators=[Optional(), Length(min=8, max=200)],
    )


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    parent_id = SelectField(_l("Parent unit"), coerce=_optional_int, validate_choice=True)


class SettingsForm(FlaskForm):
    parent_body = StringField(_l("Parent body (top left)"), validators=[Length(max=200)])
    center_name = StringField(_l("Center name"), validators=[DataRequired(), Length(max=200)])
    header_kind = RadioField(
        _l("Header (top right)"),
        choices=options(HEADER_KIND_LABELS.items()),
        validators=[InputRequired()],
    )
    place = StringField(_l("Place (for “Place, date”)"), validators=[Length(max=120)])
    signer_title = StringField(_l("Signer's title"), validators=[Length(max=200)])
    signer_name = StringField(_l("Signer's name"), validators=[Length(max=200)])
    register_format = StringField(
        _l("Register number format"), validators=[DataRequired(), Length(max=60)]
    )
    checkin_opens_minutes = IntegerField(
        _l("Check-in opens (minutes before the start)"),
        validators=[InputRequired(), NumberRange(0, 24 * 60)],
    )
    checkin_late_after_minutes = IntegerField(
        _l("Late after (minutes after the start)"),
        validators=[InputRequired(), NumberRange(0, 24 * 60)],
    )
    lock_after_hours = IntegerField(
        _l("Attendance locks (hours after the session)"),
        validators=[InputRequired(), NumberRange(0, 24 * 31)],
    )


class SignatureForm(FlaskForm):
    image = FileField(_l("Signature or seal image (PNG or JPEG)"), validators=[FileRequired()])

    def validate_image(self, field) -> None:
        if field.data is not None and not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Choose a file."))
