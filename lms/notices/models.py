"""Notices: one row per message to one person, shown on their dashboard and (when e-mail is on)
sent through the outbox. The row is the outbox: it is written in the transaction of the change
that caused it, and the sender moves its `mail_state` (lms/notices/outbox.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

if TYPE_CHECKING:
    from lms.auth.models import User

NOTICE_KINDS = (
    "enrolled",  # a seat, self-enrolled or assigned by a director
    "waitlisted",  # a place on the waitlist
    "promoted",  # from the waitlist to a seat
    "reminder",  # tomorrow's sessions (one per trainee per day)
    "session_moved",
    "session_cancelled",
    "class_cancelled",
    "certificate",  # a certificate issued (or reissued)
    "class_assigned",  # to an instructor
    "marks_missing",  # to an instructor, the day after a session (one per instructor per day)
)
# pending: to send from next_attempt_at; sending: claimed, the SMTP exchange may have begun;
# sent: the server answered 250 to the message; failed: refused for good or out of retries;
# uncertain: found "sending" after the sender died (may have arrived, never resent by itself);
# skipped: not for e-mail (e-mail off, no address, a refused address): dashboard only.
MAIL_STATES = ("pending", "sending", "sent", "failed", "uncertain", "skipped")
SKIP_REASONS = ("off", "no_address", "bounced", "inactive")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Notice(db.Model):
    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint(_in("kind", NOTICE_KINDS), name="kind"),
        CheckConstraint(_in("mail_state", MAIL_STATES), name="mail_state"),
        CheckConstraint(
            "skipped_because IS NULL OR " + _in("skipped_because", SKIP_REASONS),
            name="skipped_because",
        ),
        CheckConstraint("(mail_state = 'skipped') = (skipped_because IS NOT NULL)", name="skip"),
        CheckConstraint("mail_state <> 'sent' OR sent_at IS NOT NULL", name="sent_at"),
        CheckConstraint("mail_state <> 'pending' OR next_attempt_at IS NOT NULL", name="due"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_notices_user", "user_id", "id"),
        Index("ix_notices_due", "mail_state", "next_attempt_at"),
        Index("ix_notices_class", "class_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(24))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="SET NULL"))
    # Plain values frozen when the notice was written (the class as it was, the old and new
    # times of a moved session); the text is made from them in the reader's language.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # One notice per (kind, person, day) for the scheduled ones: running the command twice
    # writes nothing twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    mail_state: Mapped[str] = mapped_column(String(12), default="pending")
    skipped_because: Mapped[str | None] = mapped_column(String(16))
    # Fixed when the notice is written, before any attempt: every attempt and a resend carry
    # the same one, so a receiving system (and a person reading the server's log) can tell a
    # second copy from a new message.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    mail_to: Mapped[str | None] = mapped_column(String(254))  # the address of the last attempt
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last claim
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_answer: Mapped[str | None] = mapped_column(Text)  # the server's last answer

    user: Mapped[User] = relationship()


class NoticePreference(db.Model):
    """A person's choices about notices, and the address a mail server refused."""

    __tablename__ = "notice_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    reminders: Mapped[bool] = mapped_column(default=True)
    # The address as it was when refused: the person's address is "bounced" while it still
    # equals this, so editing the e-mail (admin or own preferences) is what lets mail go again.
    bounced_email: Mapped[str | None] = mapped_column(String(254))
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bounce_answer: Mapped[str | None] = mapped_column(Text)
