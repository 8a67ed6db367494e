"""Forms of the reports pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional


class YearForm(FlaskForm):
    """The year picker (GET: no CSRF)."""

    class Meta:
        csrf = False

    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(2000, 2100)])


class PlanImportForm(FlaskForm):
    file = FileField(_l("Plan file (XLSX or CSV)"), validators=[FileRequired()])
