"""How dates and numbers are written here: dd/mm/yyyy, 16.837, 117%."""

from datetime import date, datetime
from functools import cache

from babel import Locale
from babel.numbers import format_decimal
from flask_babel import get_locale

from lms.core.clock import to_local


def fmt_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy with a four-digit year, in every language (Babel's short vi form has two)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value) if value.tzinfo else value
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def fmt_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_local(value) if value.tzinfo else value
    return f"{fmt_date(local)} {local:%H:%M}"


def fmt_time(value) -> str:
    return "" if value is None else f"{value:%H:%M}"


def long_date(value: date) -> str:
    """The formal Vietnamese form: "ngày 05 tháng 01 năm 2019"."""
    return f"ngày {value.day:02d} tháng {value.month:02d} năm {value.year}"


def fmt_number(value: int | float | None) -> str:
    if value is None:
        return "—"
    locale = get_locale() or Locale.parse("vi")
    if isinstance(value, int):
        # Whole numbers are most of what pages show (a grid of 300 rows has thousands):
        # Babel's format_decimal is much slower for the same result ("16.837"; docs/benchmarks.md).
        return f"{value:,}".replace(",", _group_symbol(locale))
    return format_decimal(value, locale=locale)


@cache
def _group_symbol(locale: Locale) -> str:
    return locale.number_symbols["latn"]["group"]


def fmt_percent(value: int | float | None) -> str:
    """A whole percent ("117%"); "—" where there is nothing to divide by."""
    if value is None:
        return "—"
    return f"{fmt_number(value)}%"
