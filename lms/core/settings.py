"""The center's settings row: read it from anywhere, check a register-number format."""

import string

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.core.models import CenterSettings
from lms.errors import DomainError
from lms.extensions import db

REGISTER_FIELDS = {"seq", "year"}
MAX_REGISTER_NUMBER = 40  # the length of Certificate.register_number
# Column defaults apply on INSERT only; an unsaved row needs them spelled out to be read.
_DEFAULTS = {
    column.name: column.default.arg
    for column in CenterSettings.__table__.columns
    if column.default is not None and column.name != "id"
}


def get_settings() -> CenterSettings:
    """The settings to read: the one row, or (before an admin saves any) an unsaved row of
    defaults. Reading never writes, so hot paths such as check-in stay one statement."""
    row = db.session.get(CenterSettings, 1)
    return row if row is not None else CenterSettings(id=1, **_DEFAULTS)


def settings_for_update() -> CenterSettings:
    """The one settings row to change; created with the defaults when missing (never fails)."""
    row = db.session.get(CenterSettings, 1)
    if row is not None:
        return row
    try:
        # A savepoint: two first requests may race to create the row; the loser reads it.
        with db.session.begin_nested():
            row = CenterSettings(id=1)
            db.session.add(row)
    except IntegrityError:
        row = db.session.get(CenterSettings, 1)
    return row


def format_register_number(fmt: str, *, seq: int, year: int) -> str:
    """A certificate's register number from the format, e.g. "0007/2026/GCN"."""
    return fmt.format(seq=seq, year=year)


def check_register_format(fmt: str | None) -> str:
    """The format, or a DomainError: it must use {seq} and {year} and nothing else."""
    fmt = (fmt or "").strip()
    try:
        # Only plain names: "{seq.__class__}" or "{year[0]}" would reach into objects.
        names = {name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None}
        if names - REGISTER_FIELDS:
            raise ValueError(names)
        sample = format_register_number(fmt, seq=1234, year=2026)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        raise DomainError(
            _l(
                "The register number format can only use {seq} and {year}, "
                "e.g. {seq:04d}/{year}/GCN."
            ),
            field="register_format",
        ) from None
    if not names >= REGISTER_FIELDS:
        raise DomainError(
            _l("The register number format must contain both {seq} and {year}."),
            field="register_format",
        )
    if len(sample) > MAX_REGISTER_NUMBER:
        raise DomainError(
            _l(
                "The register numbers would be longer than %(n)d characters.",
                n=MAX_REGISTER_NUMBER,
            ),
            field="register_format",
        )
    return fmt
