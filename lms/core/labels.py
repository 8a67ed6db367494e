"""Translated names of the values stored in the database (roles, statuses, kinds)."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "trainee": _l("Trainee"),
    "instructor": _l("Instructor"),
    "director": _l("Director"),
    "admin": _l("Administrator"),
}

# Certificates (background jobs of a class batch)
JOB_KIND_LABELS = {
    "certificates.issue_all": _l("Issuing the certificates of the class"),
    "certificates.merged_pdf": _l("One PDF of the class's certificates"),
    "certificates.zip": _l("ZIP of the class's certificates"),
}
JOB_STATUS_LABELS = {
    "queued": _l("Waiting to start"),
    "running": _l("Running"),
    "done": _l("Finished"),
    "failed": _l("Failed"),
}
