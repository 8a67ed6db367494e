"""Forms of the director's class pages."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.classes.services import MAX_CAPACITY
from lms.core.dates import DateField
from lms.core.forms import Form
from lms.core.labels import (
    ENROLLMENT_MODE_LABELS,
    EXCUSED_RULE_LABELS,
    PROGRAM_KIND_LABELS,
    WEEKDAY_LABELS,
)


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (usable with a thumb)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class ProgramForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=_choices(PROGRAM_KIND_LABELS))
    min_attendance_pct = IntegerField(
        _l("Minimum attendance to complete (%)"),
        default=80,
        validators=[InputRequired(), NumberRange(0, 100)],
    )
    excused_rule = SelectField(_l("An excused absence"), choices=_choices(EXCUSED_RULE_LABELS))


class ClassForm(Form):
    program_id = SelectField(_l("Program"), coerce=int, validators=[DataRequired()])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    place = StringField(_l("Place"), validators=[Length(max=300)])
    start_date = DateField(_l("First day"), validators=[DataRequired()], accept_iso=True)
    end_date = DateField(_l("Last day"), validators=[DataRequired()], accept_iso=True)
    instructor_ids = CheckboxesField(_l("Instructors"), coerce=int)
    capacity = IntegerField(
        _l("Capacity (empty: no limit)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_CAPACITY)],
    )
    enrollment_mode = SelectField(_l("Enrolment"), choices=_choices(ENROLLMENT_MODE_LABELS))
    enrol_opens_on = DateField(
        _l("Self-enrolment opens on"), validators=[Optional()], accept_iso=True
    )
    enrol_closes_on = DateField(
        _l("Self-enrolment closes on"), validators=[Optional()], accept_iso=True
    )
    min_attendance_pct = IntegerField(
        _l("Minimum attendance to complete (%)"),
        default=80,
        validators=[InputRequired(), NumberRange(0, 100)],
    )
    excused_rule = SelectField(_l("An excused absence"), choices=_choices(EXCUSED_RULE_LABELS))


class CancelForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])


class CancelSessionForm(CancelForm):
    # The checkbox "set aside N marks" carries N: the service refuses any other count.
    marks_confirmed = IntegerField(validators=[Optional()])


class ReasonForm(Form):
    """A director's correction (restore a session, reopen a class): the reason is audited."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])


class SessionForm(Form):
    on_date = DateField(_l("Date"), validators=[DataRequired()], accept_iso=True)
    starts_at = TimeField(_l("Starts at"), validators=[DataRequired()])
    ends_at = TimeField(_l("Ends at"), validators=[DataRequired()])
    topic = StringField(_l("Topic"), validators=[Length(max=300)])
    room = StringField(_l("Room"), validators=[Length(max=120)])


class SeriesForm(Form):
    first_date = DateField(_l("From"), validators=[DataRequired()], accept_iso=True)
    last_date = DateField(_l("To"), validators=[DataRequired()], accept_iso=True)
    weekdays = CheckboxesField(
        _l("On (none ticked: every day)"), coerce=int, choices=_choices(WEEKDAY_LABELS)
    )
    starts_at = TimeField(_l("Starts at"), validators=[DataRequired()])
    ends_at = TimeField(_l("Ends at"), validators=[DataRequired()])
    topic = StringField(_l("Topic"), validators=[Length(max=300)])
    room = StringField(_l("Room"), validators=[Length(max=120)])
