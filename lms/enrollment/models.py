"""Enrolments: a trainee in a class, with the attendance rollup that reports read."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.columns import in_list
from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

if TYPE_CHECKING:
    from lms.auth.models import User
    from lms.classes.models import Class
    from lms.units.models import Unit

ENROLLMENT_STATUSES = ("enrolled", "waitlisted", "withdrawn")
ENROLLMENT_SOURCES = ("self", "assigned", "import", "walkin")
OUTCOMES = ("completed", "not_completed")


class Enrollment(db.Model):
    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("class_id", "user_id"),
        CheckConstraint(in_list("status", ENROLLMENT_STATUSES), name="status"),
        CheckConstraint(in_list("source", ENROLLMENT_SOURCES), name="source"),
        CheckConstraint(
            "outcome IS NULL OR " + in_list("outcome", OUTCOMES), name="outcome"
        ),
        CheckConstraint("outcome IS NULL OR status = 'enrolled'", name="outcome_only_enrolled"),
        CheckConstraint(
            "attended_count >= 0 AND excused_count >= 0 AND absent_count >= 0", name="rollup"
        ),
        Index("ix_enrollments_class_status", "class_id", "status"),
        Index("ix_enrollments_waitlist", "class_id", "status", "queued_at"),
        # Covers the annual report's aggregate: the enrollments of held classes are read from
        # this index alone (no table lookups), which keeps the report fast at millions of rows.
        Index(
            "ix_enrollments_report",
            "class_id",
            "status",
            "attended_count",
            "user_id",
            "unit_id",
            "outcome",
            "id",  # PostgreSQL: the certificate join stays index-only (SQLite has the rowid)
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The trainee's unit when the enrollment was made: unit reports keep the old names.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="enrolled")
    source: Mapped[str] = mapped_column(String(16), default="self")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The local date from which sessions count towards this trainee's attendance rate.
    enrolled_on: Mapped[date | None]
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a waitlisted trainee gets a freed seat; cleared once shown on their dashboard.
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promotion_seen: Mapped[bool] = mapped_column(default=True)
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Rollup of this enrollment's attendance records, kept in the same transaction as each mark:
    # attended = present + late. Reports read these instead of the attendance table.
    attended_count: Mapped[int] = mapped_column(default=0)
    excused_count: Mapped[int] = mapped_column(default=0)
    absent_count: Mapped[int] = mapped_column(default=0)

    klass: Mapped[Class] = relationship()
    user: Mapped[User] = relationship()
    unit: Mapped[Unit] = relationship()
