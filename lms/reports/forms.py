"""Forms of the reports pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from lms.core.forms import Form


class YearForm(Form):
    """The year picker (GET: no CSRF)."""

    class Meta:
        csrf = False

    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(2000, 2100)])


class PlanImportForm(Form):
    file = FileField(_l("Plan file (XLSX or CSV)"), validators=[FileRequired()])
