from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from lms.core.forms import Form


class ScanForm(Form):
    """The code read from a card's QR, or its 8-digit number typed by hand."""

    code = StringField(_l("Card number"), validators=[InputRequired(), Length(max=200)],
                       render_kw={"inputmode": "numeric", "autocomplete": "off",
                                  "autocapitalize": "off", "spellcheck": "false"})


class ClerkForm(Form):
    username = StringField(_l("Username of the clerk"),
                           validators=[InputRequired(), Length(max=80)],
                           render_kw={"autocomplete": "off", "autocapitalize": "off"})


class UnitCardsForm(Form):
    unit = SelectField(_l("Unit"), coerce=int, validate_choice=True)
