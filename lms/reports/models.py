"""Annual plans (kế hoạch năm) and their revision history."""

from __future__ import annotations

from datetime import date, datetime
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


# The report's rollups: derived rows kept exact by database triggers (lms.reports.rollups) in
# the same transaction as every change of the rows they count, whatever code path writes them.
# No foreign keys: they are counts, rebuilt from the source rows by rollups.rebuild().


class ClassUnitCount(db.Model):
    """Per class and enrolment unit: enrolled, participants (present or late at least once),
    completions and valid certificates of its enrolled enrolments."""

    __tablename__ = "class_unit_counts"
    __table_args__ = {"sqlite_with_rowid": False}

    class_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    unit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    enrolled: Mapped[int] = mapped_column(default=0)
    participants: Mapped[int] = mapped_column(default=0)
    completions: Mapped[int] = mapped_column(default=0)
    certificates: Mapped[int] = mapped_column(default=0)


class TraineeKey(db.Model):
    """Per person, year and report key (kind "t" total, "p" program, "q" quarter, "m" month,
    "u" unit): the first date of a held class of that key and year where the person is a
    trainee-attendance. What unique-trainee counts are made of."""

    __tablename__ = "trainee_keys"
    __table_args__ = {"sqlite_with_rowid": False}

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    first_date: Mapped[date]


class TraineeKeyCount(db.Model):
    """How many people have their first date of a key on a day: unique trainees of a key up to
    a day of its year are a sum over at most 366 rows, whatever the number of people."""

    __tablename__ = "trainee_key_counts"
    __table_args__ = {"sqlite_with_rowid": False}

    first_date: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    people: Mapped[int] = mapped_column(default=0)


class PendingTraineeKeys(db.Model):
    """A person whose keys changed and are not yet stored in trainee_keys (appended by the
    triggers, taken off by rollups.drain; the report corrects for them meanwhile). The same
    person may be listed more than once."""

    __tablename__ = "trainee_keys_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int]


# The rollups' triggers travel with the schema (create_all runs them; see rollups).
from lms.reports import rollups  # noqa: E402, F401
