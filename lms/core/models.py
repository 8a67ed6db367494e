"""Center-wide records: settings, the audit log, background jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.columns import in_list
from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

HEADER_KINDS = ("party", "state")  # the certificate's header: a Party body or a state body
JOB_STATUSES = ("queued", "running", "done", "failed")


class CenterSettings(db.Model):
    """The one row of settings that admins edit: names, header, place, signer, numbering."""

    __tablename__ = "center_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(in_list("header_kind", HEADER_KINDS), name="header_kind"),
        CheckConstraint(
            "checkin_opens_minutes >= 0 AND checkin_late_after_minutes >= 0"
            " AND lock_after_hours >= 0",
            name="durations",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    parent_body: Mapped[str] = mapped_column(String(200), default="")
    center_name: Mapped[str] = mapped_column(String(200), default="")
    header_kind: Mapped[str] = mapped_column(String(16), default="party")
    place: Mapped[str] = mapped_column(String(120), default="")
    signer_title: Mapped[str] = mapped_column(String(200), default="")
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    register_format: Mapped[str] = mapped_column(String(60), default="{seq:04d}/{year}/GCN")
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    checkin_opens_minutes: Mapped[int] = mapped_column(default=30)
    checkin_late_after_minutes: Mapped[int] = mapped_column(default=15)
    lock_after_hours: Mapped[int] = mapped_column(default=48)


class AuditLog(db.Model):
    """Append-only record of changes: who, when, what, from which value to which, how."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    session_id: Mapped[int | None] = mapped_column(index=True)
    old_value: Mapped[str | None] = mapped_column(String(200))
    new_value: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)


class Job(db.Model):
    """A background job (certificate batch, merged PDF, ZIP) and its progress."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(in_list("status", JOB_STATUSES), name="status"),
        CheckConstraint("progress >= 0 AND total >= 0", name="progress"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_path: Mapped[str | None] = mapped_column(String(400))
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written every few seconds by the process running the job: a "running" job whose
    # heartbeat stopped belongs to a process that died (lms.core.jobs.fail_stale_jobs).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
