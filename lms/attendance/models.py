"""Attendance: one trainee at one session. No row means "not yet marked"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.columns import in_list
from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

STATUSES = ("present", "late", "excused", "absent")
# The counter of the enrollment (Enrollment.<name>_count) each status feeds. The database keeps
# the counters (lms.reports.rollups.counters): no Python code writes them.
COUNTER = {"present": "attended", "late": "attended", "excused": "excused", "absent": "absent"}
ATTENDED = tuple(s for s in STATUSES if COUNTER[s] == "attended")  # present or late
METHODS = ("roster", "checkin", "import", "walkin")


class Attendance(db.Model):
    __tablename__ = "attendances"
    __table_args__ = (
        UniqueConstraint("session_id", "enrollment_id"),
        CheckConstraint(in_list("status", STATUSES), name="status"),
        CheckConstraint(in_list("method", METHODS), name="method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    method: Mapped[str] = mapped_column(String(16))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)



# What became of a mark sent later from a device that was offline (lms.attendance.offline).
OFFLINE_OUTCOMES = (
    "applied",  # written to the attendance row (or it already said the same)
    "superseded",  # a later mark (by the time it was made) was kept instead
    "pending",  # made after the session locked: a director accepts or rejects it
    "accepted",  # pending, accepted by a director (then written)
    "rejected",  # pending, rejected by a director, or a later mark beat it (never written)
    "refused",  # the session was cancelled or the class closed out: kept, never written
)


class OfflineMark(db.Model):
    """One mark made on a device and sent later, received exactly once: the device's key per
    mark is unique, so a batch sent twice writes nothing the second time."""

    __tablename__ = "offline_marks"
    __table_args__ = (
        UniqueConstraint("client_key"),
        CheckConstraint(in_list("status", STATUSES), name="status"),
        CheckConstraint(in_list("outcome", OFFLINE_OUTCOMES), name="outcome"),
        CheckConstraint(
            "(outcome IN ('accepted', 'rejected')) = (decided_at IS NOT NULL)", name="decided"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(36))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the device's clock
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# The audit log's append-only triggers travel with the schema (see audit_guard).
from lms.attendance import audit_guard  # noqa: E402, F401
