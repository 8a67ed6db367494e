"""Walk-ins: a person present but not enrolled is enrolled and marked present in one go.

The enrolment step lives here because the enrolment blueprint's services are built in
parallel; it follows the same rules (capacity guarded by a conditional UPDATE, the unit
recorded on the enrolment) and should be unified with lms.enrollment.services when merged.
"""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from lms.attendance.clock import attendance_settings
from lms.attendance.services import check_markable, require_marker, write_marks
from lms.auth.models import User
from lms.classes.models import Class, ClassSession
from lms.core import audit
from lms.core.clock import local_now
from lms.core.text import fold, nfc
from lms.enrollment.eligibility import enrollable_clause, require_enrollable
from lms.enrollment.models import Enrollment
from lms.enrollment.services import take_seats
from lms.errors import DomainError
from lms.extensions import db
from lms.units.models import Unit

SEARCH_LIMIT = 20


def search_people(query: str | None, class_id: int) -> list[tuple[User, str | None]]:
    """Active trainees (lms.enrollment.eligibility: the only people a walk-in can add) whose
    name (diacritics ignored) or username matches, with their enrolment status in this class
    (None: not enrolled): one statement. Staff accounts are never listed."""
    folded = fold(query)
    if len(folded) < 2:
        return []
    pattern = "%" + folded.replace("\\", "").replace("%", "").replace("_", "") + "%"
    statement = (
        select(User, Enrollment.status)
        .outerjoin(
            Enrollment, (Enrollment.user_id == User.id) & (Enrollment.class_id == class_id)
        )
        .where(
            enrollable_clause(),
            or_(User.search_name.like(pattern), User.username == folded.replace(" ", "")),
        )
        .order_by(User.sort_key, User.id)
        .limit(SEARCH_LIMIT)
    )
    return [(user, status) for user, status in db.session.execute(statement)]


def _new_username(full_name: str) -> str:
    """"Nguyễn Văn An" → "nguyenvanan", then "nguyenvanan2", ... (one statement)."""
    base = re.sub(r"[^a-z0-9]", "", fold(full_name))[:50] or "hocvien"
    if len(base) < 2:
        base = f"hv{base}"
    taken = set(
        db.session.scalars(
            select(User.username).where(or_(User.username == base, User.username.like(base + "%")))
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def create_walkin_trainee(full_name: str | None, unit: Unit | None) -> User:
    full_name = " ".join((nfc(full_name) or "").split())
    if not full_name:
        raise DomainError(_l("Enter the person's full name."), field="full_name")
    if len(full_name) > 200:
        raise DomainError(_l("The name is too long (200 characters at most)."), field="full_name")
    if unit is None or not unit.active:
        raise DomainError(_l("Choose the person's unit."), field="unit")
    user = User(username=_new_username(full_name), full_name=full_name, unit=unit)
    user.roles = {"trainee"}
    db.session.add(user)
    db.session.flush()
    return user


def _take_seat(klass: Class) -> None:
    """One seat (the enrolment service's guarded UPDATE), or a clear refusal."""
    if not take_seats(klass):
        raise DomainError(
            _l(
                "The class is full (%(capacity)s places): the person cannot be added.",
                capacity=klass.capacity,
            )
        )


def add_walkin(
    session: ClassSession,
    *,
    actor: User,
    user: User | None = None,
    full_name: str | None = None,
    unit: Unit | None = None,
    now: datetime | None = None,
) -> Enrollment:
    """Enrol a person who came without being enrolled (an existing user, or a new trainee with
    name and unit) from this session's date, and mark them present: one transaction."""
    klass = session.klass
    require_marker(klass, actor=actor)
    check_markable(
        session, actor=actor, reason=None, now=now or local_now(), settings=attendance_settings()
    )
    if user is None:
        user = create_walkin_trainee(full_name, unit)
    else:
        require_enrollable(user)
    unit_id = user.unit_id or (unit.id if unit is not None else None)
    if unit_id is None:
        raise DomainError(_l("Choose the person's unit."), field="unit")
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.class_id == klass.id, Enrollment.user_id == user.id)
    )
    if enrollment is not None and enrollment.status == "enrolled":
        if enrollment.enrolled_on is None or enrollment.enrolled_on <= session.on_date:
            raise DomainError(
                _l("%(name)s is already enrolled in this class: mark them on the roster.",
                   name=user.full_name)
            )
        enrollment.enrolled_on = session.on_date  # came earlier than their enrollment date
    else:
        _take_seat(klass)
        if enrollment is None:
            enrollment = Enrollment(
                class_id=klass.id, user_id=user.id, unit_id=unit_id, source="walkin"
            )
            db.session.add(enrollment)
        enrollment.status = "enrolled"
        enrollment.enrolled_on = session.on_date
        enrollment.withdrawn_at = None
    db.session.flush()
    audit.record(
        "walkin", enrollment, actor=actor, new_value="enrolled", method="walkin",
        session_id=session.id, details={"user_id": user.id},
    )
    write_marks(session, {enrollment.id: ("present", "")}, actor=actor, method="walkin")
    return enrollment

