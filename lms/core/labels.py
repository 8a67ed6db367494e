"""Translated names of the values stored in the database (roles, statuses, kinds)."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

ROLE_LABELS = {
    "trainee": _l("Trainee"),
    "instructor": _l("Instructor"),
    "director": _l("Director"),
    "admin": _l("Administrator"),
}

# Center settings (admin): the header block at the top right of official documents.
HEADER_KIND_LABELS = {
    "party": _l("Party body: “ĐẢNG CỘNG SẢN VIỆT NAM”"),
    "state": _l("State body: “CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM – Độc lập - Tự do - Hạnh phúc”"),
}

# classes and enrollment
PROGRAM_KIND_LABELS = {
    "course": _l("Course"),
    "conference": _l("Dissemination conference"),
}
EXCUSED_RULE_LABELS = {
    "absent": _l("Counts as an absence"),
    "present": _l("Counts as present"),
    "excluded": _l("Leaves the denominator"),
}
ENROLLMENT_MODE_LABELS = {
    "open": _l("Open to self-enrolment"),
    "assigned": _l("Assigned only"),
}
CLASS_STATUS_LABELS = {
    "planned": _l("Planned"),
    "open": _l("Open for enrolment"),
    "running": _l("Running"),
    "finished": _l("Finished"),
    "cancelled": _l("Cancelled"),
}
ENROLLMENT_STATUS_LABELS = {
    "enrolled": _l("Enrolled"),
    "waitlisted": _l("Waitlisted"),
    "withdrawn": _l("Withdrawn"),
}
WEEKDAY_LABELS = {
    0: _l("Monday"),
    1: _l("Tuesday"),
    2: _l("Wednesday"),
    3: _l("Thursday"),
    4: _l("Friday"),
    5: _l("Saturday"),
    6: _l("Sunday"),
}

# Certificates (background jobs of a class batch)
JOB_KIND_LABELS = {
    "certificates.issue_all": _l("Issuing the certificates of the class"),
    "certificates.merged_pdf": _l("One PDF of the class's certificates"),
    "certificates.zip": _l("ZIP of the class's certificates"),
}

# reports: the figures of an annual plan (revision history)
PLAN_FIELD_LABELS = {
    "planned_classes": _l("Planned classes"),
    "planned_attendances": _l("Planned trainee-attendances"),
    **{f"q{q}_classes": _l("Classes, quarter %(n)d", n=q) for q in range(1, 5)},
    **{f"q{q}_attendances": _l("Trainee-attendances, quarter %(n)d", n=q) for q in range(1, 5)},
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
# One-letter symbols of the class grid (explained in its legend), by language: M(uộn) and
# (có) P(hép) in Vietnamese, L(ate) and E(xcused) in English.
ATTENDANCE_STATUS_SYMBOLS = {
    "present": "✓",
    "late": lazy_pgettext("attendance symbol", "L"),
    "excused": lazy_pgettext("attendance symbol", "E"),
    "absent": "✗",
}
ATTENDANCE_METHOD_LABELS = {
    "roster": _l("Roster"),
    "checkin": _l("Self check-in"),
    "import": _l("Import"),
    "walkin": _l("Walk-in"),
    "scan": _l("Card scan"),
    "offline": _l("Offline, sent later"),  # the audit log's "how" of marks sent later
}
