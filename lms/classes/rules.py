"""Rules about one class that the enrolment side reads too: its status from the dates, the
self-enrolment window, who teaches it, who manages classes. Pure functions of the class (no
queries), so that lms.classes.services and lms.enrollment.services both build on them without
depending on each other in a circle."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from lms.auth.models import User
    from lms.classes.models import Class

# The refusal for anyone but a director (lms.core.actors.require(actor, "director", ...)).
DIRECTORS_ONLY = _l("Only directors manage programs and classes.")


def enrollment_window(klass: Class) -> tuple[date | None, date]:
    """First and last day of self-enrolment; without a closing day it closes on the first day."""
    return klass.enrol_opens_on, klass.enrol_closes_on or klass.start_date


def enrollment_is_open(klass: Class, today: date) -> bool:
    opens, closes = enrollment_window(klass)
    return (
        not klass.is_cancelled
        and klass.enrollment_mode == "open"
        and (opens is None or opens <= today)
        and today <= closes
        and today <= klass.end_date
    )


def class_status(klass: Class, today: date, last_session: date | None = None) -> str:
    """planned / open / running / finished / cancelled, from the dates, window and sessions.

    last_session: the date of the last session that is not cancelled, when known; a class whose
    last session is past is finished even if its end date is later.
    """
    if klass.is_cancelled:
        return "cancelled"
    if today > klass.end_date or (
        last_session is not None and today > last_session and today >= klass.start_date
    ):
        return "finished"
    if today >= klass.start_date:
        return "running"
    if enrollment_is_open(klass, today):
        return "open"
    return "planned"


def is_class_instructor(klass: Class, user: User) -> bool:
    return any(i.id == user.id for i in klass.instructors)
