"""Translated names of the values stored in the database (roles, statuses, kinds)."""

from flask_babel import lazy_gettext as _l

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
