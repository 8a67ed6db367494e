"""People: one account per person, with any combination of roles."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lms.core.columns import SortKey
from lms.core.text import fold, nfc, vn_sort_key
from lms.core.types import UTCDateTime, new_token, utcnow
from lms.extensions import db

if TYPE_CHECKING:
    from lms.units.models import Unit

ROLES = ("trainee", "instructor", "director", "admin")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("username = lower(username) AND length(username) >= 2", name="username"),
        CheckConstraint("email IS NULL OR email = lower(email)", name="email_lower"),
        CheckConstraint("NOT is_trainee OR unit_id IS NOT NULL", name="trainee_has_unit"),
        CheckConstraint("length(full_name) > 0", name="full_name"),
        CheckConstraint("language IN ('vi', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None]
    member_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Flask-Login's "alternative token": the cookie carries this, not the id, so rotating it
    # (sign-out, password change, deactivation) invalidates every captured session cookie.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    active: Mapped[bool] = mapped_column(default=True)
    is_trainee: Mapped[bool] = mapped_column(default=False)
    is_instructor: Mapped[bool] = mapped_column(default=False)
    is_director: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    # Made by the demo loader (lms/demo): refused at sign-in with LMS_ENV=production.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    search_name: Mapped[str] = mapped_column(String(300), index=True, default="")
    sort_key: Mapped[str] = mapped_column(SortKey, index=True, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language of this person's notices and e-mails (lms/notices).
    language: Mapped[str] = mapped_column(String(2), default="vi", server_default="vi")

    unit: Mapped[Unit | None] = relationship(lazy="joined", innerjoin=False)

    @validates("full_name")
    def _full_name(self, _key, value):
        value = nfc(value)
        self.search_name = fold(value)
        self.sort_key = vn_sort_key(value)
        return value

    @validates("username", "email")
    def _lower(self, _key, value):
        value = nfc(value)
        return value.lower() if value else None

    @validates("member_id")
    def _member_id(self, _key, value):
        return nfc(value) or None

    # Flask-Login
    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r for r in ROLES if getattr(self, f"is_{r}"))

    @roles.setter
    def roles(self, names) -> None:
        unknown = set(names) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")
        for role in ROLES:
            setattr(self, f"is_{role}", role in names)

    def has_role(self, *names: str) -> bool:
        return any(getattr(self, f"is_{n}") for n in names)

    def rotate_session_token(self) -> None:
        self.session_token = new_token()

    def __repr__(self) -> str:
        return f"<User {self.username}>"
