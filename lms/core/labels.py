"""Translated names of the values stored in the database (roles, statuses, kinds)."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "trainee": _l("Trainee"),
    "instructor": _l("Instructor"),
    "director": _l("Director"),
    "admin": _l("Administrator"),
}

# attendance
ATTENDANCE_STATUS_LABELS = {
    "present": _l("Present"),
    "late": _l("Late"),
    "excused": _l("Excused absence"),
    "absent": _l("Unexcused absence"),
}
# Short forms for the roster's buttons (four must fit side by side on a 360 px phone).
ATTENDANCE_STATUS_SHORT = {
    "present": _l("Present"),
    "late": _l("Late"),
    "excused": _l("Excused"),
    "absent": _l("Absent"),
}
# One-letter symbols of the class grid (explained in its legend).
ATTENDANCE_STATUS_SYMBOLS = {"present": "✓", "late": "M", "excused": "P", "absent": "✗"}
ATTENDANCE_METHOD_LABELS = {
    "roster": _l("Roster"),
    "checkin": _l("Self check-in"),
    "import": _l("Import"),
    "walkin": _l("Walk-in"),
}
