"""Annual plans (kế hoạch năm) and their revision history."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

if TYPE_CHECKING:
    from lms.auth.models import User
    from lms.classes.models import Program

QUARTER_FIELDS = tuple(f"q{q}_{what}" for what in ("classes", "attendances") for q in range(1, 5))


class AnnualPlan(db.Model):
    __tablename__ = "annual_plans"
    __table_args__ = (
        UniqueConstraint("year", "program_id"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
        CheckConstraint("planned_classes >= 0 AND planned_attendances >= 0", name="planned"),
        *(CheckConstraint(f"{f} IS NULL OR {f} >= 0", name=f) for f in QUARTER_FIELDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    planned_classes: Mapped[int] = mapped_column(default=0)
    planned_attendances: Mapped[int] = mapped_column(default=0)
    q1_classes: Mapped[int | None]
    q2_classes: Mapped[int | None]
    q3_classes: Mapped[int | None]
    q4_classes: Mapped[int | None]
    q1_attendances: Mapped[int | None]
    q2_attendances: Mapped[int | None]
    q3_attendances: Mapped[int | None]
    q4_attendances: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    program: Mapped[Program] = relationship()


class PlanRevision(db.Model):
    """One changed figure of a plan: who, when, old and new value."""

    __tablename__ = "plan_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("annual_plans.id"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[int | None]
    new_value: Mapped[int | None]
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    plan: Mapped[AnnualPlan] = relationship()
    changed_by: Mapped[User | None] = relationship()
