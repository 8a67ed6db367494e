"""Translated names of the notice kinds, e-mail states and reasons."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "enrolled": _l("Enrolment"),
    "waitlisted": _l("Waitlist place"),
    "promoted": _l("Promotion from the waitlist"),
    "reminder": _l("Tomorrow's sessions"),
    "session_moved": _l("Session moved"),
    "session_cancelled": _l("Session cancelled"),
    "class_cancelled": _l("Class cancelled"),
    "certificate": _l("Certificate issued"),
    "class_assigned": _l("Class assigned"),
    "marks_missing": _l("Attendance still to take"),
}
STATE_LABELS = {
    "pending": _l("Waiting"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "uncertain": _l("Uncertain"),
    "skipped": _l("Dashboard only"),
}
SKIP_LABELS = {
    "off": _l("e-mail is off"),
    "no_address": _l("no e-mail address"),
    "bounced": _l("the address was refused before"),
    "inactive": _l("account deactivated"),
}
