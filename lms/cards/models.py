"""Personal check-in cards and the clerks a director names to scan them for a class.

A card is an opaque random code (in its QR) and a short number to type; neither holds personal
data. A lost card is revoked and a new one issued: the old row stays (revoked_at set) so that
scanning it answers "card revoked", not "unknown". At most one card of a person is valid.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

CODE_LENGTH = 27  # "C1" + 25 random url-safe characters (150 bits)
NUMBER_DIGITS = 8


class TraineeCard(db.Model):
    __tablename__ = "trainee_cards"
    __table_args__ = (
        CheckConstraint(f"length(number) = {NUMBER_DIGITS}", name="number_length"),
        CheckConstraint(f"length(code) = {CODE_LENGTH}", name="code_length"),
        # One valid card per person (the revoked ones stay, to answer "card revoked").
        Index(
            "uq_trainee_cards_valid_user", "user_id", unique=True,
            sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    number: Mapped[str] = mapped_column(String(NUMBER_DIGITS), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ClassClerk(db.Model):
    """A person the director names to scan cards at the sessions of one class."""

    __tablename__ = "class_clerks"

    class_id: Mapped[int] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
