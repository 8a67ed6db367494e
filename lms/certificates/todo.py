"""Certificates waiting to be issued, for the director's home page: one statement.

The exact count (completed enrolments without a valid certificate) reads every completed
enrolment of the center, too slow at province size (docs/benchmarks.md). The report rollups
already hold, per class, its completions and valid certificates, kept by triggers, so the
oldest classes where these differ are found there; they, and the classes ever reopened (where a
certificate that went stale can hide a missing one in the totals), are counted exactly."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select, union

from lms.certificates.models import Certificate
from lms.classes.models import Class
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.reports.models import ClassUnitCount


@dataclass(frozen=True)
class Waiting:
    class_id: int
    title: str
    code: str
    waiting: int  # completed enrollments without a valid certificate


def classes_with_certificates_to_issue(limit: int = 20) -> list[Waiting]:
    """Classes with completed enrolments that have no valid certificate yet, oldest first."""
    waiting = func.count(Enrollment.id) - func.count(Certificate.id)
    short = (
        select(ClassUnitCount.class_id)
        .join(Class, Class.id == ClassUnitCount.class_id)
        # A class with a certificate waiting has a unit with more completions than
        # certificates (unless a stale certificate hides it: the reopened classes below).
        .where(ClassUnitCount.completions > ClassUnitCount.certificates)
        .group_by(ClassUnitCount.class_id, Class.start_date)
        .order_by(Class.start_date, ClassUnitCount.class_id)
        .limit(limit)
        .subquery()
    )
    reopened = select(Class.id).where(Class.reopened_at.is_not(None))
    rows = db.session.execute(
        select(Class.id, Class.title, Class.code, waiting)
        .join(Enrollment, Enrollment.class_id == Class.id)
        .outerjoin(
            Certificate,
            and_(Certificate.enrollment_id == Enrollment.id, Certificate.revoked_at.is_(None)),
        )
        .where(Enrollment.outcome == "completed",
               Class.id.in_(union(select(short.c.class_id), reopened)))
        .group_by(Class.id, Class.title, Class.code, Class.start_date)
        .having(waiting > 0)
        .order_by(Class.start_date, Class.id)
        .limit(limit)
    )
    return [Waiting(*row) for row in rows]
