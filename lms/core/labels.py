"""Translated names of the values stored in the database (roles, statuses, kinds)."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "trainee": _l("Trainee"),
    "instructor": _l("Instructor"),
    "director": _l("Director"),
    "admin": _l("Administrator"),
}

# reports: the figures of an annual plan (revision history)
PLAN_FIELD_LABELS = {
    "planned_classes": _l("Planned classes"),
    "planned_attendances": _l("Planned trainee-attendances"),
    **{f"q{q}_classes": _l("Classes, quarter %(n)d", n=q) for q in range(1, 5)},
    **{f"q{q}_attendances": _l("Trainee-attendances, quarter %(n)d", n=q) for q in range(1, 5)},
}
