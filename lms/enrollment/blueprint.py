"""The enrollment blueprint: enrolment, assignment, "My classes", the calendar (views.py) and
the roster with its exports (roster_views.py) add their routes to it."""

from flask import Blueprint

from lms.core.labels import CLASS_STATUS_LABELS, ENROLLMENT_STATUS_LABELS

bp = Blueprint("enrollment", __name__)


@bp.context_processor
def _labels():
    return {
        "enrollment_status_names": ENROLLMENT_STATUS_LABELS,
        "class_status_names": CLASS_STATUS_LABELS,
    }
