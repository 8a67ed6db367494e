"""Translated names of the values stored in the database (roles, statuses, kinds)."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "trainee": _l("Trainee"),
    "instructor": _l("Instructor"),
    "director": _l("Director"),
    "admin": _l("Administrator"),
}
