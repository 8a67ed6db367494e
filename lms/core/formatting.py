"""How dates and numbers are written here: dd/mm/yyyy, 16.837, 117%."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from flask import current_app
from flask_babel import get_locale


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(local_zone())


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
    return format_decimal(value, locale=str(get_locale() or "vi"))


def fmt_percent(value: int | float | None) -> str:
    """A whole percent ("117%"); "—" where there is nothing to divide by."""
    if value is None:
        return "—"
    return f"{fmt_number(value)}%"
