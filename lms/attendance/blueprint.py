"""The attendance blueprint: the one object its view modules (views.py, views_checkin.py)
register their routes on, and the labels every attendance template reads."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lms.attendance.models import STATUSES
from lms.core.labels import (
    ATTENDANCE_METHOD_LABELS,
    ATTENDANCE_STATUS_LABELS,
    ATTENDANCE_STATUS_SHORT,
    ATTENDANCE_STATUS_SYMBOLS,
)

bp = Blueprint("attendance", __name__)

OUTCOME_LABELS = {"completed": _l("Completed"), "not_completed": _l("Not completed")}


@bp.context_processor
def attendance_labels() -> dict:
    return {
        "outcome_labels": OUTCOME_LABELS,
        "status_labels": ATTENDANCE_STATUS_LABELS,
        "status_short": ATTENDANCE_STATUS_SHORT,
        "status_symbols": ATTENDANCE_STATUS_SYMBOLS,
        "method_labels": ATTENDANCE_METHOD_LABELS,
        "statuses": STATUSES,
    }


def translated_labels() -> dict:
    """The labels above translated once for this request, for the pages that show them in
    every row: a lazy label is translated again at each use, thousands of times in a roster
    of 300 or a grid of 300 × 10 (see docs/benchmarks.md)."""
    return {
        name: {key: str(text) for key, text in value.items()}
        for name, value in attendance_labels().items()
        if isinstance(value, dict)
    }
