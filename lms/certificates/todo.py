"""Certificates waiting to be issued, for the director's home page: one statement."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select

from lms.certificates.models import Certificate
from lms.classes.models import Class
from lms.enrollment.models import Enrollment
from lms.extensions import db


@dataclass(frozen=True)
class Waiting:
    class_id: int
    title: str
    code: str
    waiting: int  # completed enrolments without a valid certificate


def classes_with_certificates_to_issue(limit: int = 20) -> list[Waiting]:
    """Classes with completed enrolments that have no valid certificate yet, oldest first."""
    waiting = func.count(Enrollment.id) - func.count(Certificate.id)
    rows = db.session.execute(
        select(Class.id, Class.title, Class.code, waiting)
        .join(Enrollment, Enrollment.class_id == Class.id)
        .outerjoin(
            Certificate,
            and_(Certificate.enrollment_id == Enrollment.id, Certificate.revoked_at.is_(None)),
        )
        .where(Enrollment.outcome == "completed")
        .group_by(Class.id, Class.title, Class.code, Class.start_date)
        .having(waiting > 0)
        .order_by(Class.start_date, Class.id)
        .limit(limit)
    )
    return [Waiting(*row) for row in rows]
