"""Who can be enrolled in a class, written once: an active account with the trainee role.

Every way of putting a person on a class list uses it: the director's assignment (by name,
by unit, by imported roster), self-enrolment, and the instructor's walk-in (search and add).
Staff accounts (admin, director, instructor without the trainee role) are never enrolled.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.errors import DomainError


def enrollable_clause():
    """The rule as an SQL condition on User (for searches and bulk selections)."""
    return User.is_trainee & User.active


def is_enrollable(user: User) -> bool:
    return bool(user.is_trainee and user.active)


def require_enrollable(user: User) -> None:
    """Refuse, in plain words, to enrol a person the rule excludes."""
    if not user.active:
        raise DomainError(_l("This account is deactivated."))
    if not user.is_trainee:
        raise DomainError(
            _l("%(name)s is not a trainee: only trainees can be enrolled.", name=user.full_name)
        )
