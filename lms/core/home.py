"""The home page of each role: what to do now, read in a bounded number of statements.

- director: classes with marks missing, classes waiting for close-out, certificates waiting to
  be issued, their own background jobs that failed, this year's figures against the plan;
- instructor: today's and the next sessions (one tap to the roster or the check-in screen),
  and their sessions that ended with marks missing;
- trainee: the next session (with the check-in button on its day), waitlist places, their
  certificates.

The queries live with their packages (attendance/todo.py, certificates/todo.py,
enrollment/todo.py and waitlist.py); this module only puts each role's page together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from lms.core.models import Job
from lms.core.types import utcnow
from lms.extensions import db


@dataclass
class DirectorToDo:
    missing: list = field(default_factory=list)  # attendance.todo.ClassCount
    close_out: list = field(default_factory=list)  # (class, last day, marks missing)
    certificates: list = field(default_factory=list)  # certificates.todo.Waiting
    failed_jobs: list[Job] = field(default_factory=list)
    year: object = None  # reports.report.Row: this year's totals (plan and actual)
    year_number: int = 0

    @property
    def nothing_waiting(self) -> bool:
        return not (self.missing or self.close_out or self.certificates or self.failed_jobs)


@dataclass
class InstructorDay:
    today: list = field(default_factory=list)  # ClassSession, with its class
    next: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # attendance.todo.SessionCount


@dataclass
class TraineeDay:
    next: list = field(default_factory=list)  # ClassSession, with its class
    waitlist: list = field(default_factory=list)  # (Enrollment, place)
    certificates: list = field(default_factory=list)  # Certificate, newest first


def failed_jobs(user_id: int, limit: int = 10) -> list[Job]:
    """The person's background jobs that failed and were not started again since (a job whose
    process died counts once fail_stale_jobs has marked it: the job page does on opening)."""
    since = utcnow() - timedelta(days=current_app.config["JOB_RETENTION_DAYS"])
    jobs = list(
        db.session.scalars(
            select(Job)
            .where(Job.created_by_id == user_id, Job.created_at >= since)
            .order_by(Job.created_at.desc())
            .limit(200)
        )
    )
    shown, later = [], set()
    for job in jobs:  # newest first: a failed job is settled by a later one of the same work
        key = (job.kind, repr(sorted((job.params or {}).items())))
        if job.status == "failed" and key not in later:
            shown.append(job)
        later.add(key)
    return shown[:limit]


def director_todo(user, now: datetime) -> DirectorToDo:
    from lms.attendance import todo as attendance
    from lms.certificates.todo import classes_with_certificates_to_issue
    from lms.reports.services import year_report

    # The report first: on PostgreSQL it starts the request's reads again from one snapshot
    # (a rollback), which would expire the classes loaded before it (one SELECT each).
    report = year_report(now.year, actor=user)
    missing = attendance.missing_marks_by_class(now)
    waiting = attendance.awaiting_close_out(now.date())
    classes = attendance.load_classes(set(missing) | {class_id for class_id, _day in waiting})
    return DirectorToDo(
        missing=attendance.classes_with_missing_marks(missing, classes)[: attendance.LIMIT],
        close_out=[
            (classes[class_id], day, missing.get(class_id, 0))
            for class_id, day in waiting[: attendance.LIMIT]
            if class_id in classes
        ],
        certificates=classes_with_certificates_to_issue(),
        failed_jobs=failed_jobs(user.id),
        year=report.total,
        year_number=now.year,
    )


def instructor_day(user, now: datetime) -> InstructorDay:
    from lms.attendance import todo as attendance

    sessions = attendance.instructor_sessions(user.id, now)
    today = now.date()
    return InstructorDay(
        today=[s for s in sessions if s.on_date == today],
        next=[s for s in sessions if s.on_date > today][:5],
        missing=attendance.sessions_with_missing_marks(user.id, now),
    )


def clerk_sessions(user, now: datetime) -> list:
    """Sessions today of the classes the person was named clerk of (to scan cards at)."""
    from lms.cards.services import scannable_sessions_today

    return scannable_sessions_today(user, now.date())


def trainee_day(user, now: datetime) -> TraineeDay:
    from lms.certificates.services import list_my_certificates
    from lms.enrollment.todo import next_sessions
    from lms.enrollment.waitlist import my_waitlist

    return TraineeDay(
        next=next_sessions(user.id, now),
        waitlist=my_waitlist(user.id),
        certificates=list_my_certificates(user)[:3],
    )
