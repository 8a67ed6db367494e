"""Enrolment rules: self-enrolment with capacity and a FIFO waitlist, withdrawal, assignment by
directors (people, a unit with its sub-units, a roster file).

Capacity under concurrency: Class.enrolled_count is the seat counter and a CHECK keeps it
within capacity. A seat is taken with one guarded UPDATE ("... WHERE enrolled_count < capacity")
and the number of rows it touched decides: seat or waitlist. Counting first and inserting
after lets 50 simultaneous requests into 30 seats (shared/STACK-NOTES.md); the UPDATE does not:
PostgreSQL re-checks the WHERE on the row version it waited for, SQLite serialises writers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from lms import notices
from lms.auth.models import User
from lms.classes.models import Class
from lms.classes.rules import DIRECTORS_ONLY, enrollment_is_open
from lms.core.actors import SYSTEM, Actor, require
from lms.core.audit import record
from lms.core.clock import local_today
from lms.core.tabular import RowError, TableError, read_table
from lms.core.text import nfc
from lms.core.types import new_token, utcnow
from lms.enrollment.eligibility import enrollable_clause, is_enrollable
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db
from lms.units.models import Unit
from lms.units.services import subtree_ids

ROSTER_COLUMNS = ("username", "member_id")
ROSTER_EXTRA = ("no", "full_name", "unit")  # allowed and ignored: rosters often carry them


# --- seats ----------------------------------------------------------------------------------


def take_seats(klass: Class, count: int = 1) -> bool:
    """Take `count` seats at once if they are free; False (and nothing changed) if not."""
    free = (Class.capacity.is_(None)) | (Class.enrolled_count + count <= Class.capacity)
    new_count = db.session.execute(
        update(Class)
        .where(Class.id == klass.id, free)
        .values(enrolled_count=Class.enrolled_count + count)
        .returning(Class.enrolled_count),
        execution_options={"synchronize_session": False},
    ).scalar_one_or_none()
    if new_count is None:
        db.session.refresh(klass, ["enrolled_count"])
        return False
    _set_committed(klass, "enrolled_count", new_count)
    return True


def _release_seat(klass: Class) -> None:
    new_count = db.session.execute(
        update(Class)
        .where(Class.id == klass.id)
        .values(enrolled_count=Class.enrolled_count - 1)
        .returning(Class.enrolled_count),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    _set_committed(klass, "enrolled_count", new_count)


def _set_committed(obj, key: str, value) -> None:
    """Tell the ORM the row already holds this value (the UPDATE wrote it): no second write."""
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(obj, key, value)


def _give_seat(enrollment: Enrollment, user: User, today: date) -> None:
    enrollment.status = "enrolled"
    enrollment.enrolled_on = today
    enrollment.unit_id = user.unit_id  # the unit at the moment of enrollment, for reports
    enrollment.withdrawn_at = None


# --- self-enrollment and withdrawal ----------------------------------------------------------


def enrol_self(klass: Class, *, actor: Actor) -> Enrollment:
    """A trainee enrols in an open class: a seat if one is free, else the end of the waitlist."""
    today = local_today()
    if not actor.is_trainee or actor.unit_id is None:  # the signed-in user: active
        raise DomainError(_l("Only trainees with a unit can enrol."))
    if klass.enrollment_mode != "open" or klass.is_cancelled:
        raise DomainError(_l("This class is not open for self-enrolment."))
    if not enrollment_is_open(klass, today):
        raise DomainError(_l("Enrolment for this class is not open now."))
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.class_id == klass.id, Enrollment.user_id == actor.id)
    )
    if enrollment is not None and enrollment.status != "withdrawn":
        raise DomainError(_l("You are already on the list of this class."))
    seated = take_seats(klass)  # first: nothing pending is flushed before the guarded UPDATE
    if enrollment is None:
        enrollment = Enrollment(class_id=klass.id, user_id=actor.id, unit_id=actor.unit_id)
        db.session.add(enrollment)
    enrollment.source = "self"
    enrollment.queued_at = utcnow()
    enrollment.promoted_at = None
    enrollment.promotion_seen = True
    if seated:
        _give_seat(enrollment, actor, today)
    else:
        enrollment.status = "waitlisted"
        enrollment.enrolled_on = None
        enrollment.unit_id = actor.unit_id
        enrollment.withdrawn_at = None
    db.session.flush()
    record("enrollment." + enrollment.status, enrollment, actor=actor, method="self")
    notices.enrollment_changed(enrollment)
    return enrollment


def withdrawal_refusal(enrollment: Enrollment, *, actor: Actor):
    """Why this person may not withdraw this enrolment now, or None if they may."""
    own = enrollment.user_id == actor.id
    if not own and not actor.is_director:
        return _l("You cannot change this enrolment.")
    if enrollment.status == "withdrawn":
        return _l("This enrolment is already withdrawn.")
    if enrollment.outcome is not None:
        return _l("This class is closed; the enrolment can no longer change.")
    started = local_today() >= enrollment.klass.start_date
    if own and not actor.is_director and enrollment.status == "enrolled" and started:
        return _l("The class has started: ask the center to withdraw you.")
    return None


def withdraw(enrollment: Enrollment, *, actor: Actor) -> Enrollment | None:
    """Leave a class (a trainee, before it starts; a director, any time). The freed seat goes
    to the first on the waitlist in the same transaction; returns that promoted enrolment."""
    klass = enrollment.klass
    refusal = withdrawal_refusal(enrollment, actor=actor)
    if refusal is not None:
        raise DomainError(refusal)
    was_enrolled = enrollment.status == "enrolled"
    enrollment.status = "withdrawn"
    enrollment.withdrawn_at = utcnow()
    enrollment.promoted_at = None
    enrollment.promotion_seen = True
    db.session.flush()
    record("enrollment.withdrawn", enrollment, actor=actor)
    if not was_enrolled:
        return None
    _release_seat(klass)
    promoted = fill_from_waitlist(klass)
    return promoted[0] if promoted else None


def fill_from_waitlist(klass: Class) -> list[Enrollment]:
    """Give free seats to the waitlist, first come first served (queued_at, then id)."""
    if klass.is_cancelled or klass.end_date < local_today():
        return []
    promoted = []
    today = local_today()
    while True:
        first = db.session.scalar(
            select(Enrollment)
            .where(Enrollment.class_id == klass.id, Enrollment.status == "waitlisted")
            .order_by(Enrollment.queued_at, Enrollment.id)
            .limit(1)
        )
        if first is None or not take_seats(klass):
            return promoted
        _give_seat(first, first.user, today)
        first.promoted_at = utcnow()
        first.promotion_seen = False  # the dashboard tells them once
        db.session.flush()
        record("enrollment.promoted", first, actor=SYSTEM, method="waitlist")
        promoted.append(first)
        notices.promoted(first)


# --- assignment by directors ----------------------------------------------------------------


@dataclass
class AssignResult:
    added: list[User] = field(default_factory=list)
    already: list[User] = field(default_factory=list)  # on the list before: reported, kept


def _check_class_for_assignment(klass: Class, *, actor: Actor) -> None:
    require(actor, "director", message=DIRECTORS_ONLY)
    if klass.is_cancelled:
        raise DomainError(_l("This class is cancelled; it can no longer be changed."))
    if klass.closed_at is not None:
        raise DomainError(_l("This class is closed; the enrolment can no longer change."))


def assign_trainees(
    klass: Class, users: list[User], *, actor: Actor, source: str = "assigned"
) -> AssignResult:
    """Enrol these trainees (all or nothing). People already enrolled are reported, not added.

    A director's list may be entered after the class began (a conference roster typed in the
    next day), so an assigned trainee counts from the first day of the class, or today if later.
    """
    _check_class_for_assignment(klass, actor=actor)
    wrong = [u.full_name for u in users if not is_enrollable(u) or u.unit_id is None]
    if wrong:
        raise DomainError(
            _l("Not active trainees with a unit: %(names)s", names=", ".join(wrong[:20]))
        )
    unique = list({u.id: u for u in users}.values())
    existing = {
        e.user_id: e
        for e in db.session.scalars(
            select(Enrollment).where(
                Enrollment.class_id == klass.id,
                Enrollment.user_id.in_([u.id for u in unique] or [0]),
            )
        )
    }
    result = AssignResult()
    for user in unique:
        row = existing.get(user.id)
        (result.already if row is not None and row.status == "enrolled" else result.added).append(
            user
        )
    if result.added and not take_seats(klass, len(result.added)):
        left = max((klass.capacity or 0) - klass.enrolled_count, 0)
        raise DomainError(
            _l(
                "Only %(left)d seats are left for %(n)d people: "
                "raise the capacity or choose fewer.",
                left=left,
                n=len(result.added),
            )
        )
    today = local_today()
    counts_from = min(today, klass.start_date)
    now = utcnow()
    for user in result.added:
        row = existing.get(user.id)
        if row is None:
            row = Enrollment(class_id=klass.id, user_id=user.id, unit_id=user.unit_id)
            db.session.add(row)
        _give_seat(row, user, counts_from)
        row.source = source
        row.queued_at = now
        row.promoted_at = None
        row.promotion_seen = True
    db.session.flush()
    if result.added:
        record(
            "enrollment.assign",
            klass,
            actor=actor,
            method=source,
            new_value=str(len(result.added)),
        )
        notices.enrolled_by_director(klass, result.added)
    return result


def assign_unit(
    klass: Class, unit: Unit, *, include_subunits: bool = True, actor: Actor
) -> AssignResult:
    """Enrol every active trainee of a unit (and of the units below it)."""
    ids = subtree_ids(unit.id) if include_subunits else [unit.id]
    users = list(
        db.session.scalars(select(User).where(User.unit_id.in_(ids), enrollable_clause()))
    )
    if not users:
        raise DomainError(_l("This unit has no active trainees."))
    return assign_trainees(klass, users, actor=actor)


def import_roster(klass: Class, data: bytes, *, actor: Actor) -> AssignResult:
    """Enrol the people of a CSV/XLSX roster (a username or member_id column). Every row is
    checked first; any error and nothing is saved (TableError lists them by row)."""
    _check_class_for_assignment(klass, actor=actor)
    table = read_table(data, required=(), optional=ROSTER_COLUMNS + ROSTER_EXTRA)
    if not set(ROSTER_COLUMNS) & set(table.columns):
        raise TableError(
            errors=[RowError(1, "username", _l("The file needs a username or member_id column."))]
        )
    keys = []
    for number, values in table.rows:
        username = (nfc(str(values.get("username", ""))) or "").lower()
        member_id = nfc(str(values.get("member_id", ""))) or ""
        keys.append((number, username, member_id))
    by_username = _users_by(User.username, {k[1] for k in keys if k[1]})
    by_member = _users_by(User.member_id, {k[2] for k in keys if k[2] and not k[1]})
    errors: list[RowError] = []
    seen: dict[int, int] = {}
    users = []
    for number, username, member_id in keys:
        uses_member_id = not username and (member_id or "username" not in table.columns)
        column = "member_id" if uses_member_id else "username"
        if not username and not member_id:
            errors.append(RowError(number, column, _l("Give a username or a member id.")))
            continue
        user = by_username.get(username) if username else by_member.get(member_id)
        if user is None:
            errors.append(
                RowError(number, column, _l("No such person: %(v)s", v=username or member_id))
            )
        elif not is_enrollable(user) or user.unit_id is None:
            errors.append(
                RowError(
                    number, column, _l("%(name)s is not an active trainee.", name=user.full_name)
                )
            )
        elif user.id in seen:
            errors.append(
                RowError(number, column, _l("Same person as row %(row)d.", row=seen[user.id]))
            )
        else:
            seen[user.id] = number
            users.append(user)
    if errors:
        raise TableError(errors=errors)
    if not users:
        raise TableError(message=_l("The file lists nobody."))
    return assign_trainees(klass, users, actor=actor, source="import")


def _users_by(column, values: set[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    values_list = sorted(values)
    for start in range(0, len(values_list), 500):  # keep IN lists short on every database
        chunk = values_list[start : start + 500]
        for user in db.session.scalars(select(User).where(column.in_(chunk))):
            found[getattr(user, column.key)] = user
    return found


def rotate_calendar_token(user: User, *, actor: Actor) -> str:
    """A new secret calendar address; the old one stops working."""
    if actor.id != user.id:
        raise DomainError(_l("You cannot change this calendar."))
    user.calendar_token = new_token()
    db.session.flush()
    record("user.calendar_token", user, actor=actor)
    return user.calendar_token


def dismiss_promotions(*, actor: Actor) -> int:
    """The actor has read the news of their waitlist promotions: stop showing it. Only the
    actor's own enrolments (the identity is the signed-in person's, never the request's)."""
    rows = list(
        db.session.scalars(
            select(Enrollment).where(
                Enrollment.user_id == actor.id,
                Enrollment.promoted_at.is_not(None),
                Enrollment.promotion_seen.is_(False),
            )
        )
    )
    for row in rows:
        row.promotion_seen = True
    db.session.flush()
    return len(rows)
