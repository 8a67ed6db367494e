"""Certificates: frozen at issue, numbered per year, verifiable by a random code."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        CheckConstraint("seq > 0", name="seq_positive"),
        CheckConstraint("length(verification_code) >= 26", name="code_length"),
        CheckConstraint(
            "(revoked_at IS NULL AND revoke_reason IS NULL)"
            " OR (revoked_at IS NOT NULL AND length(revoke_reason) > 0)",
            name="revoke_has_reason",
        ),
        # At most one valid certificate per enrollment (a reissue revokes the old one first).
        Index(
            "uq_certificates_valid_enrollment",
            "enrollment_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), index=True)
    year: Mapped[int]
    seq: Mapped[int]
    register_number: Mapped[str] = mapped_column(String(40), unique=True)
    verification_code: Mapped[str] = mapped_column(String(64), unique=True)
    # Frozen at issue: later edits of the person or the class never change a certificate.
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None]
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    class_code: Mapped[str] = mapped_column(String(40))
    class_title: Mapped[str] = mapped_column(String(300))
    program_name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date]
    end_date: Mapped[date]
    result: Mapped[str] = mapped_column(String(200), default="")
    signer_title: Mapped[str] = mapped_column(String(200), default="")
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    issued_on: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))


class CertificateCounter(db.Model):
    """The last register number used in a year; bumped under a row lock, never reused."""

    __tablename__ = "certificate_counters"
    __table_args__ = (CheckConstraint("last_seq >= 0", name="last_seq"),)

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)
