"""Programs and classes: create, edit, retire, cancel; the lists and the catalog.

Sessions live in lms/classes/sessions.py; the status of a class and its enrolment window in
lms/classes/rules.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, extract, func, or_, select
from sqlalchemy.orm import selectinload

from lms import notices
from lms.auth.models import User
from lms.classes.models import EXCUSED_RULES, PROGRAM_KINDS, Class, ClassSession, Program
from lms.classes.rules import DIRECTORS_ONLY, class_status, is_class_instructor
from lms.core.actors import Actor, require
from lms.core.audit import record
from lms.core.clock import local_today
from lms.core.text import fold, nfc
from lms.core.types import utcnow
from lms.enrollment.models import Enrollment
from lms.enrollment.services import fill_from_waitlist
from lms.errors import DomainError
from lms.extensions import db

MAX_CAPACITY = 100_000  # far above any hall; a bigger number is a typing mistake


# --- programs -------------------------------------------------------------------------------


@dataclass
class ProgramData:
    code: str
    name: str
    kind: str = "course"
    min_attendance_pct: int = 80
    excused_rule: str = "absent"


def _apply_program(program: Program, data: ProgramData) -> None:
    code, name = nfc(data.code) or "", nfc(data.name) or ""
    if not code or not name:
        raise DomainError(_l("A program needs a code and a name."))
    if data.kind not in PROGRAM_KINDS or data.excused_rule not in EXCUSED_RULES:
        raise DomainError(_l("Choose a valid kind and excused-absence rule."))
    if not 0 <= data.min_attendance_pct <= 100:
        raise DomainError(_l("The minimum attendance is a percent between 0 and 100."))
    other = db.session.scalar(select(Program.id).where(Program.code == code))
    if other is not None and other != program.id:
        raise DomainError(_l("The code %(code)s is already used.", code=code), field="code")
    program.code, program.name, program.kind = code, name, data.kind
    program.min_attendance_pct = data.min_attendance_pct
    program.excused_rule = data.excused_rule


def create_program(data: ProgramData, *, actor: Actor) -> Program:
    """Create a program (chương trình) with its default completion rule."""
    require(actor, "director", message=DIRECTORS_ONLY)
    program = Program()
    _apply_program(program, data)
    db.session.add(program)
    db.session.flush()
    record("program.create", program, actor=actor, new_value=program.code)
    return program


def update_program(program: Program, data: ProgramData, *, actor: Actor) -> Program:
    """Edit a program; classes keep the rule they were created with."""
    require(actor, "director", message=DIRECTORS_ONLY)
    _apply_program(program, data)
    db.session.flush()
    record("program.update", program, actor=actor, new_value=program.code)
    return program


def set_program_retired(program: Program, retired: bool, *, actor: Actor) -> None:
    """Retire a program (no new classes) or bring it back; its classes stay."""
    require(actor, "director", message=DIRECTORS_ONLY)
    program.retired_at = utcnow() if retired else None
    db.session.flush()
    record("program.retire" if retired else "program.restore", program, actor=actor)


def list_programs(*, include_retired: bool = True) -> list[Program]:
    query = select(Program).order_by(Program.retired_at.is_not(None), Program.name)
    if not include_retired:
        query = query.where(Program.retired_at.is_(None))
    return list(db.session.scalars(query))


# --- classes --------------------------------------------------------------------------------


@dataclass
class ClassData:
    program_id: int
    code: str
    title: str
    start_date: date
    end_date: date
    place: str = ""
    instructor_ids: list[int] = field(default_factory=list)
    capacity: int | None = None
    enrollment_mode: str = "assigned"
    enrol_opens_on: date | None = None
    enrol_closes_on: date | None = None
    min_attendance_pct: int = 80
    excused_rule: str = "absent"


def _apply_class(klass: Class, data: ClassData) -> None:
    program = db.session.get(Program, data.program_id)
    if program is None:
        raise DomainError(_l("Choose a program."), field="program_id")
    if program.retired_at is not None and program.id != klass.program_id:
        raise DomainError(_l("This program is retired: choose another."), field="program_id")
    code, title = nfc(data.code) or "", nfc(data.title) or ""
    if not code or not title:
        raise DomainError(_l("A class needs a code and a title."))
    if data.end_date < data.start_date:
        raise DomainError(_l("The end date is before the start date."), field="end_date")
    opens, closes = data.enrol_opens_on, data.enrol_closes_on
    if opens and closes and closes < opens:
        raise DomainError(
            _l("The enrolment window closes before it opens."), field="enrol_closes_on"
        )
    if data.capacity is not None and data.capacity < 1:
        raise DomainError(_l("The capacity is at least 1 (or empty: no limit)."), field="capacity")
    if data.capacity is not None and data.capacity > MAX_CAPACITY:
        raise DomainError(
            _l("The capacity is at most %(n)d (or empty: no limit).", n=MAX_CAPACITY),
            field="capacity",
        )
    if data.capacity is not None and data.capacity < klass.enrolled_count:
        raise DomainError(
            _l(
                "The capacity %(capacity)d is below the %(enrolled)d trainees already enrolled.",
                capacity=data.capacity,
                enrolled=klass.enrolled_count,
            ),
            field="capacity",
        )
    if data.enrollment_mode not in ("open", "assigned") or data.excused_rule not in EXCUSED_RULES:
        raise DomainError(_l("Choose a valid enrolment mode and excused-absence rule."))
    if not 0 <= data.min_attendance_pct <= 100:
        raise DomainError(_l("The minimum attendance is a percent between 0 and 100."))
    other = db.session.scalar(select(Class.id).where(Class.code == code))
    if other is not None and other != klass.id:
        raise DomainError(_l("The code %(code)s is already used.", code=code), field="code")
    instructors = []
    if data.instructor_ids:
        instructors = list(
            db.session.scalars(
                select(User).where(
                    User.id.in_(data.instructor_ids), User.is_instructor, User.active
                )
            )
        )
    if not instructors or len(instructors) != len(set(data.instructor_ids)):
        raise DomainError(_l("Choose one or more instructors."), field="instructor_ids")
    if klass.id is not None:
        outside = db.session.scalar(
            select(func.count(ClassSession.id)).where(
                ClassSession.class_id == klass.id,
                ClassSession.cancelled_at.is_(None),
                or_(ClassSession.on_date < data.start_date, ClassSession.on_date > data.end_date),
            )
        )
        if outside:
            raise DomainError(
                _l("%(n)d sessions would fall outside the new dates: move them first.", n=outside),
                field="start_date",
            )
    klass.program = program
    klass.code = code  # before the title: the title's validator folds both into search_text
    klass.title = title
    klass.place = data.place or ""
    klass.start_date, klass.end_date = data.start_date, data.end_date
    klass.capacity = data.capacity
    klass.enrollment_mode = data.enrollment_mode
    klass.enrol_opens_on, klass.enrol_closes_on = opens, closes
    klass.min_attendance_pct = data.min_attendance_pct
    klass.excused_rule = data.excused_rule
    klass.instructors = instructors


def create_class(data: ClassData, *, actor: Actor) -> Class:
    """Create a class (one run of a program)."""
    require(actor, "director", message=DIRECTORS_ONLY)
    klass = Class(enrolled_count=0)
    _apply_class(klass, data)
    db.session.add(klass)
    notices.instructors_assigned(klass)
    db.session.flush()
    record("class.create", klass, actor=actor, new_value=klass.code)
    return klass


def update_class(klass: Class, data: ClassData, *, actor: Actor) -> Class:
    """Edit a class; a raised capacity gives freed seats to the waitlist."""
    require(actor, "director", message=DIRECTORS_ONLY)
    if klass.is_cancelled:
        raise DomainError(_l("This class is cancelled; it can no longer be changed."))
    old_capacity = klass.capacity
    _apply_class(klass, data)
    notices.instructors_assigned(klass)
    db.session.flush()
    record("class.update", klass, actor=actor, new_value=klass.code)
    if klass.capacity is None or (old_capacity is not None and klass.capacity > old_capacity):
        fill_from_waitlist(klass)
    return klass


def cancel_class(klass: Class, reason: str, *, actor: Actor) -> Class:
    """Cancel a class: it keeps its data, records who and why, and never counts in reports."""
    require(actor, "director", message=DIRECTORS_ONLY)
    reason = nfc(reason) or ""
    if not reason:
        raise DomainError(_l("Give the reason for cancelling."), field="reason")
    if klass.is_cancelled:
        raise DomainError(_l("This class is already cancelled."))
    klass.cancelled_at = utcnow()
    klass.cancelled_by_id = actor.id
    klass.cancel_reason = reason
    db.session.flush()
    record("class.cancel", klass, actor=actor, reason=reason)
    notices.class_cancelled(klass)
    return klass


# --- status of many classes at once -----------------------------------------------------------


def last_session_dates(class_ids: list[int]) -> dict[int, date]:
    """The last non-cancelled session date of each class: one aggregate query."""
    if not class_ids:
        return {}
    rows = db.session.execute(
        select(ClassSession.class_id, func.max(ClassSession.on_date))
        .where(ClassSession.class_id.in_(class_ids), ClassSession.cancelled_at.is_(None))
        .group_by(ClassSession.class_id)
    )
    return dict(rows.all())


# --- lists ----------------------------------------------------------------------------------


def list_classes(
    *,
    year: int | None = None,
    since: date | None = None,
    program_id: int | None = None,
    status: str | None = None,
) -> list[tuple[Class, str]]:
    """Classes for the director's list with their status; two queries whatever the number.

    `since`: only classes starting on or after that day (the list's default: this year on)."""
    query = (
        select(Class)
        .options(selectinload(Class.instructors))
        .order_by(Class.start_date.desc(), Class.code)
    )
    if year:
        query = query.where(extract("year", Class.start_date) == year)
    if since:
        query = query.where(Class.start_date >= since)
    if program_id:
        query = query.where(Class.program_id == program_id)
    classes = list(db.session.scalars(query))
    today = local_today()
    last = last_session_dates([c.id for c in classes])
    rows = [(c, class_status(c, today, last.get(c.id))) for c in classes]
    if status:
        rows = [(klass, shown) for klass, shown in rows if shown == status]
    return rows


def _month_bounds(month: str | None) -> tuple[date, date] | None:
    """'2026-12' → the first and last day of that month; None if blank or malformed."""
    try:
        year, number = (int(part) for part in (month or "").split("-"))
        first = date(year, number, 1)
    except ValueError:
        return None
    following = date(year + (number == 12), number % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def catalog_query(
    today: date, *, program_id: int | None = None, month: str | None = None, q: str = ""
) -> Select:
    """Classes open to self-enrolment whose window has not closed, not cancelled."""
    query = (
        select(Class)
        .where(
            Class.enrollment_mode == "open",
            Class.cancelled_at.is_(None),
            Class.end_date >= today,
            func.coalesce(Class.enrol_closes_on, Class.start_date) >= today,
        )
        .options(selectinload(Class.instructors))
        .order_by(Class.start_date, Class.code)
    )
    if program_id:
        query = query.where(Class.program_id == program_id)
    bounds = _month_bounds(month)
    if bounds:
        query = query.where(and_(Class.start_date <= bounds[1], Class.end_date >= bounds[0]))
    words = fold(q).split()
    for word in words[:8]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Class.search_text.like(f"%{escaped}%", escape="\\"))
    return query


def list_catalog(**filters) -> list[Class]:
    return list(db.session.scalars(catalog_query(local_today(), **filters)))


def visible_class_for_trainee(class_id: int, user: User) -> Class | None:
    """A class page a person may open: an open-mode class, or one they are enrolled in or
    teach; directors see every class."""
    klass = db.session.get(Class, class_id)
    if klass is None:
        return None
    if user.is_director or klass.enrollment_mode == "open" or is_class_instructor(klass, user):
        return klass
    mine = db.session.scalar(
        select(Enrollment.id).where(Enrollment.class_id == klass.id, Enrollment.user_id == user.id)
    )
    return klass if mine else None
