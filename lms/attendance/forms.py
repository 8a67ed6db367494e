"""Forms of the attendance pages. The roster's per-row fields are parsed in roster_marks()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.core.forms import Form, parse_id
from lms.core.text import nfc


class RosterForm(Form):
    """CSRF and the reason a director gives for changing a locked session."""

    reason = TextAreaField(_l("Reason for changing a locked session"), validators=[Optional(),
                           Length(max=1000)])


class ImportMarksForm(Form):
    """Marks typed in from paper: the file, the scope, and (locked sessions) a reason. The
    preview carries the checked file on to the confirmation in `payload` (base64)."""

    session_id = SelectField(_l("Sessions"), coerce=int, validate_choice=False)
    file = FileField(_l("CSV or XLSX file"))
    reason = TextAreaField(_l("Reason for changing a locked session"),
                           validators=[Optional(), Length(max=1000)])
    payload = HiddenField()


class CheckinForm(Form):
    code = StringField(
        _l("Check-in code"),
        validators=[DataRequired(_l("Type the 6-digit code shown on the screen."))],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 7,
                   "pattern": "[0-9 ]*", "class": "code-input"},
    )


class WalkinSearchForm(Form):
    class Meta:
        csrf = False  # a GET search: changes nothing

    q = StringField(_l("Name or username"), validators=[Optional(), Length(max=100)])


class WalkinAddForm(Form):
    user_id = HiddenField(validators=[DataRequired()])


class WalkinNewForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    unit = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])


def roster_marks(form: MultiDict) -> dict[int, tuple[str, str]]:
    """The rows the person changed on this page: status or note differs from what the page
    showed (o-ID, on-ID). Unchanged rows are never sent on, so a mark saved meanwhile from
    another device survives. The service compares with the database once more."""
    marks: dict[int, tuple[str, str]] = {}
    for key, status in form.items():
        eid = parse_id(key[2:]) if key.startswith("s-") else None
        if eid is None:
            continue
        original = form.get(f"o-{eid}", "")
        original_note = nfc(form.get(f"on-{eid}", "")) or ""
        note = form.get(f"n-{eid}")
        note = original_note if note is None else (nfc(note) or "")
        if status != original or note != original_note:
            marks[eid] = (status, note)
    return marks
