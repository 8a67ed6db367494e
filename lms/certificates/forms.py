from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.core.dates import DateField
from lms.core.forms import Form


class RevokeForm(Form):
    reason = TextAreaField(_l("Reason for revoking"), validators=[DataRequired(), Length(max=500)])


class ReissueForm(Form):
    reason = TextAreaField(_l("What was corrected"), validators=[Optional(), Length(max=300)])


class VerifyCodeForm(Form):
    """Typed-in code: a plain GET lookup, nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=64)])


class VerifyNumberForm(Form):
    register_number = StringField(
        _l("Register number"), validators=[DataRequired(), Length(max=40)]
    )
    date_of_birth = DateField(
        _l("Date of birth"),
        validators=[DataRequired(_l("Enter the date of birth as dd/mm/yyyy."))],
        accept_iso=True,
    )
