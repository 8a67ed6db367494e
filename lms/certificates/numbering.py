"""Register numbers: sequential per year, never reused, unique under concurrent issuing.

The counter row of the year is bumped with one guarded UPDATE ... RETURNING inside the issuing
transaction. The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite), so two
issuers queue behind each other; a transaction that rolls back rolls its bump back too, so no
number is ever "used" without a certificate that carries it, and none is handed out twice.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite

from lms.certificates.models import CertificateCounter
from lms.core.settings import check_register_format, format_register_number
from lms.errors import DomainError
from lms.extensions import db

DEFAULT_FORMAT = "{seq:04d}/{year}/GCN"


def _ensure_counter(year: int) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(CertificateCounter)
        .values(year=year, last_seq=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    db.session.execute(statement)


def lock_counter(year: int) -> int:
    """Take the year's counter lock (held until commit/rollback); returns the last number used.

    Everything read after this call sees the work of issuers that finished before us.
    """
    _ensure_counter(year)
    return db.session.execute(
        text(
            "UPDATE certificate_counters SET last_seq = last_seq WHERE year = :y RETURNING last_seq"
        ),
        {"y": year},
    ).scalar_one()


def take_numbers(year: int, count: int) -> list[int]:
    """Reserve `count` consecutive numbers of `year` in this transaction."""
    if count <= 0:
        return []
    _ensure_counter(year)
    last = db.session.execute(
        text(
            "UPDATE certificate_counters SET last_seq = last_seq + :n"
            " WHERE year = :y RETURNING last_seq"
        ),
        {"n": count, "y": year},
    ).scalar_one()
    return list(range(last - count + 1, last + 1))


def format_number(fmt: str, *, seq: int, year: int) -> str:
    """The register number as printed: "0123/2019/GCN" (an unsafe format falls back)."""
    try:
        fmt = check_register_format(fmt)
    except DomainError:  # the settings page refuses such formats; an old row may hold one
        fmt = DEFAULT_FORMAT
    return format_register_number(fmt, seq=seq, year=year)
