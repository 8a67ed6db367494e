"""Programs, classes (one run of a program) and their sessions."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lms.core.columns import in_list
from lms.core.text import fold, nfc
from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

if TYPE_CHECKING:
    from lms.auth.models import User

PROGRAM_KINDS = ("course", "conference")
ENROLLMENT_MODES = ("open", "assigned")
# What an excused absence does to the attendance rate: counts as an absence (default),
# as present, or leaves the denominator.
EXCUSED_RULES = ("absent", "present", "excluded")

class_instructors = Table(
    "class_instructors",
    db.metadata,
    Column("class_id", ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class Program(db.Model):
    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint(in_list("kind", PROGRAM_KINDS), name="kind"),
        CheckConstraint("min_attendance_pct BETWEEN 0 AND 100", name="min_attendance_pct"),
        CheckConstraint(in_list("excused_rule", EXCUSED_RULES), name="excused_rule"),
        CheckConstraint("length(code) > 0 AND length(name) > 0", name="code_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="course")
    min_attendance_pct: Mapped[int] = mapped_column(default=80)
    excused_rule: Mapped[str] = mapped_column(String(16), default="absent")
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @validates("name", "code")
    def _text(self, _key, value):
        return nfc(value)


class Class(db.Model):
    __tablename__ = "classes"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        # The seat counter is the concurrency guard: an UPDATE that would overfill fails here.
        CheckConstraint(
            "enrolled_count >= 0 AND (capacity IS NULL OR enrolled_count <= capacity)",
            name="enrolled_within_capacity",
        ),
        CheckConstraint(in_list("enrollment_mode", ENROLLMENT_MODES), name="enrollment_mode"),
        CheckConstraint(
            "enrol_closes_on IS NULL OR enrol_opens_on IS NULL"
            " OR enrol_closes_on >= enrol_opens_on",
            name="enrollment_window",
        ),
        CheckConstraint("min_attendance_pct BETWEEN 0 AND 100", name="min_attendance_pct"),
        CheckConstraint(in_list("excused_rule", EXCUSED_RULES), name="excused_rule"),
        CheckConstraint(
            "(cancelled_at IS NULL AND cancel_reason IS NULL)"
            " OR (cancelled_at IS NOT NULL AND length(cancel_reason) > 0)",
            name="cancel_has_reason",
        ),
        CheckConstraint("length(code) > 0 AND length(title) > 0", name="code_title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    search_text: Mapped[str] = mapped_column(String(400), default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    start_date: Mapped[date] = mapped_column(index=True)
    end_date: Mapped[date]
    capacity: Mapped[int | None]
    enrolled_count: Mapped[int] = mapped_column(default=0)
    enrollment_mode: Mapped[str] = mapped_column(String(16), default="assigned")
    enrol_opens_on: Mapped[date | None]
    enrol_closes_on: Mapped[date | None]
    min_attendance_pct: Mapped[int] = mapped_column(default=80)
    excused_rule: Mapped[str] = mapped_column(String(16), default="absent")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The latest reopening after a close-out (who and why: the audit log). Kept after the
    # next close-out: a certificate issued before it may no longer match the outcomes.
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    program: Mapped[Program] = relationship(lazy="joined", innerjoin=True)
    instructors: Mapped[list[User]] = relationship(secondary=class_instructors)
    sessions: Mapped[list[ClassSession]] = relationship(
        back_populates="klass", order_by="(ClassSession.on_date, ClassSession.starts_at)"
    )

    @validates("title")
    def _title(self, _key, value):
        value = nfc(value)
        self.search_text = fold(f"{value} {self.code or ''}")
        return value

    @validates("code", "place", "cancel_reason")
    def _text(self, _key, value):
        return nfc(value)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_reopened(self) -> bool:
        """Reopened after its close-out and not closed out again: its outcomes may still
        change, so no certificate is issued (certificates.services.refuse_while_reopened)."""
        return self.reopened_at is not None and self.closed_at is None


class ClassSession(db.Model):
    __tablename__ = "class_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times"),
        CheckConstraint(
            "(cancelled_at IS NULL AND cancel_reason IS NULL)"
            " OR (cancelled_at IS NOT NULL AND length(cancel_reason) > 0)",
            name="cancel_has_reason",
        ),
        CheckConstraint("marked_count >= 0", name="marked_count"),
        Index("ix_class_sessions_class_date", "class_id", "on_date"),
        Index("ix_class_sessions_date_room", "on_date", "room"),
        # Covers the report's per-class aggregate (first session, held flag) without the table.
        Index("ix_class_sessions_report", "class_id", "cancelled_at", "on_date", "marked_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    on_date: Mapped[date]
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    topic: Mapped[str] = mapped_column(String(300), default="")
    room: Mapped[str] = mapped_column(String(120), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Per-session secret from which rotating check-in codes are derived (HMAC): no code table.
    checkin_secret: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # Rollup: attendance records of this session, kept in the same transaction as each mark.
    # A session with marks is one whose attendance "has been taken" (DOMAIN.md: class held).
    marked_count: Mapped[int] = mapped_column(default=0)

    klass: Mapped[Class] = relationship(back_populates="sessions")

    @validates("topic", "room", "cancel_reason")
    def _text(self, _key, value):
        return nfc(value)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None
