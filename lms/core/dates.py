"""Dates as people here type and read them: dd/mm/yyyy, whatever the browser's language.

An `<input type="date">` shows the browser's own format (mm/dd/yyyy in Chrome set to English)
and cannot be told otherwise, so date fields are text inputs: `DateField` reads dd/mm/yyyy (also
d/m/yyyy, with - or . between, or eight digits; and, where the field used to be a date input,
yyyy-mm-dd) and writes dd/mm/yyyy back. The page echoes the day in words under the field
("Thứ Hai, 07/12/2026": `day_in_words`), on the server and, as it is typed, by static/js/app.js.
"""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from lms.core.formatting import long_date
from lms.core.labels import WEEKDAY_LABELS

_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_DIGITS = re.compile(r"(\d{2})(\d{2})(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

BAD_DATE = _l("Write the date as dd/mm/yyyy.")


def parse_date(text: str | None, *, iso: bool = True) -> date | None:
    """The date written in `text` (dd/mm/yyyy and the forms above; yyyy-mm-dd too unless
    iso=False); None when empty. ValueError when it is not a date of the calendar
    (31/02/2026) or not written so."""
    text = (text or "").strip()
    if not text:
        return None
    if iso and (match := _ISO.fullmatch(text)):
        year, month, day = match.groups()
    elif match := _DAY_FIRST.fullmatch(text) or _DIGITS.fullmatch(text):
        day, month, year = match.groups()
    else:
        raise ValueError(text)
    return date(int(year), int(month), int(day))


def day_in_words(value: date | None) -> str:
    """ "Thứ Hai, 07/12/2026" / "Monday, 07/12/2026"; empty for no date."""
    if value is None:
        return ""
    return f"{WEEKDAY_LABELS[value.weekday()]}, {value:%d/%m/%Y}"


def document_date(value: date) -> str:
    """The date line of a document in its language: the formal "ngày 05 tháng 01 năm 2019",
    or "5 January 2019" in English. (Certificates stay Vietnamese: they use long_date.)"""
    locale = get_locale()
    if locale is not None and locale.language == "en":
        return format_date(value, "d MMMM y", locale="en")
    return long_date(value)


def weekday_names() -> list[str]:
    """Monday first, in the page's language (for the script that echoes the day)."""
    return [str(WEEKDAY_LABELS[n]) for n in range(7)]


class DateField(StringField):
    """A date typed as dd/mm/yyyy in a text input (see the module)."""

    is_date = True  # the form macro adds the day in words under it

    def __init__(self, label=None, validators=None, *, accept_iso: bool = False, **kwargs):
        # accept_iso: also yyyy-mm-dd, what the same field sent while it was an <input
        # type="date"> (a page left open in a browser, a script).
        self.accept_iso = accept_iso
        render_kw = {
            "inputmode": "numeric",
            "autocomplete": "off",
            "maxlength": 10,
            "placeholder": _l("dd/mm/yyyy"),
            "data-date": "",
            **(kwargs.pop("render_kw", None) or {}),
        }
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if isinstance(self.data, date):
            return f"{self.data:%d/%m/%Y}"
        return self.raw_data[0] if self.raw_data else ""  # what was typed, though wrong

    def process_formdata(self, valuelist) -> None:
        self.data = None
        if not valuelist:
            return
        try:
            self.data = parse_date(valuelist[0], iso=self.accept_iso)
        except ValueError:
            raise ValueError(BAD_DATE) from None

    @property
    def day_in_words(self) -> str:
        return day_in_words(self.data) if isinstance(self.data, date) else ""

    @property
    def weekday_names(self) -> list[str]:
        return weekday_names()
