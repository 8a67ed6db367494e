"""Forms of the reports pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from lms.core.forms import Form


class PlanImportForm(Form):
    file = FileField(_l("Plan file (XLSX or CSV)"), validators=[FileRequired()])
