"""Forms of the enrolment pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.forms import Form, coerce_id


class PickForm(Form):
    user_ids = SelectMultipleField(
        _l("Trainees"),
        coerce=coerce_id,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,  # the service checks each person; choices are only a page
    )


class UnitForm(Form):
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])
    include_subunits = BooleanField(_l("With its sub-units"), default=True)
    # Sent by the offer shown when the unit is larger than the seats left.
    fill_seats = BooleanField(_l("Fill the seats and put the others on the waitlist"))


class RosterImportForm(Form):
    file = FileField(_l("Roster file (CSV or XLSX)"), validators=[FileRequired()])
