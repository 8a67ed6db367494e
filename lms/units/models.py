"""Organisational units: a tree (district → ward / party committee → cell, or an agency)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lms.core.text import fold, nfc
from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("length(code) > 0 AND length(name) > 0", name="code_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(String(200), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")

    @validates("name")
    def _name(self, _key, value):
        value = nfc(value)
        self.search_name = fold(value)
        return value

    @validates("code")
    def _code(self, _key, value):
        return nfc(value)

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
