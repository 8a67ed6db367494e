"""Notices by e-mail and on the dashboard (issue 20).

The services of other packages call the functions re-exported here, once, after the change
that causes a notice (same transaction). See docs/notices.md for the outbox's states.
"""

from lms.notices.services import (
    certificates_issued,
    class_cancelled,
    enrolled_by_director,
    enrollment_changed,
    instructors_assigned,
    promoted,
    session_cancelled,
    session_changed,
)

__all__ = [
    "certificates_issued",
    "class_cancelled",
    "enrolled_by_director",
    "enrollment_changed",
    "instructors_assigned",
    "promoted",
    "session_cancelled",
    "session_changed",
]
