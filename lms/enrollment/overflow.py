"""Enrolling a unit larger than the seats left: refused with an offer (SeatsShort), or, when the
director takes it, the seats filled and the others put on the waitlist, in the order of the
roster (Vietnamese name order). The seats are taken by assign_trainees, with its guarded
UPDATE; the waitlist is first come, first served, so the order given here is kept when seats
free up (fill_from_waitlist)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.auth.models import User
from lms.classes.models import Class
from lms.core.audit import record
from lms.core.types import utcnow
from lms.enrollment.eligibility import enrollable_clause
from lms.enrollment.models import Enrollment
from lms.enrollment.services import AssignResult, assign_trainees
from lms.errors import DomainError
from lms.extensions import db
from lms.units.models import Unit
from lms.units.services import subtree_ids


class SeatsShort(DomainError):
    """More people than seats left; nothing was saved. The page offers to fill the seats."""

    def __init__(self, left: int, wanted: int):
        if left == 0:
            message = _l("No seat is left for the %(n)d people of this unit.", n=wanted)
        elif left == 1:
            message = _l("Only one seat is left for the %(n)d people of this unit.", n=wanted)
        else:
            message = _l(
                "Only %(left)d seats are left for the %(n)d people of this unit.",
                left=left,
                n=wanted,
            )
        super().__init__(message)
        self.left, self.wanted = left, wanted


@dataclass
class FillResult(AssignResult):
    waitlisted: list[User] = field(default_factory=list)


def _unit_trainees(unit: Unit, include_subunits: bool) -> list[User]:
    ids = subtree_ids(unit.id) if include_subunits else [unit.id]
    return list(
        db.session.scalars(
            select(User)
            .where(User.unit_id.in_(ids), enrollable_clause())
            .order_by(User.sort_key, User.id)  # the roster's order
        )
    )


def enrol_unit(
    klass: Class, unit: Unit, *, include_subunits: bool = True, fill: bool = False, actor: User
) -> FillResult:
    """Enrol every active trainee of a unit (and of the units below it). More people than
    seats: SeatsShort, unless `fill`: then the first in roster order get the seats and the
    others go to the end of the waitlist, in that order."""
    users = _unit_trainees(unit, include_subunits)
    if not users:
        raise DomainError(_l("This unit has no active trainees."))
    existing = {
        e.user_id: e
        for e in db.session.scalars(
            select(Enrollment).where(
                Enrollment.class_id == klass.id, Enrollment.user_id.in_([u.id for u in users])
            )
        )
    }
    newcomers = [u for u in users if u.id not in existing or existing[u.id].status == "withdrawn"]
    left = None if klass.capacity is None else max(klass.capacity - klass.enrolled_count, 0)
    if left is None or len(newcomers) <= left:
        result = assign_trainees(klass, users, actor=actor)
        return FillResult(added=result.added, already=result.already)
    if not fill:
        raise SeatsShort(left, len(newcomers))
    seated, waiting = newcomers[:left], newcomers[left:]
    enrolled = [u for u in users if u.id in existing and existing[u.id].status == "enrolled"]
    result = FillResult()
    if seated or enrolled:
        done = assign_trainees(klass, seated + enrolled, actor=actor)  # checks the director
        result.added, result.already = done.added, done.already
    else:
        assign_trainees(klass, [], actor=actor)  # the same checks (director, class open)
    now = utcnow()
    for place, user in enumerate(waiting):
        row = existing.get(user.id)
        if row is None:
            row = Enrollment(class_id=klass.id, user_id=user.id, unit_id=user.unit_id)
            db.session.add(row)
        row.status = "waitlisted"
        row.source = "assigned"
        row.unit_id = user.unit_id
        row.enrolled_on = None
        row.withdrawn_at = None
        row.promoted_at = None
        row.promotion_seen = True
        # Queued one microsecond apart: the waitlist keeps the roster's order.
        row.queued_at = now + timedelta(microseconds=place)
    db.session.flush()
    if waiting:
        record(
            "enrollment.waitlist",
            klass,
            actor=actor,
            method="assigned",
            new_value=str(len(waiting)),
        )
    result.waitlisted = waiting
    return result
