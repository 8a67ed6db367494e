"""The classes blueprint: programs, classes, the catalog (views.py) and sessions
(session_views.py) add their routes to it."""

from flask import Blueprint

from lms.core.labels import (
    CLASS_STATUS_LABELS,
    ENROLLMENT_STATUS_LABELS,
    EXCUSED_RULE_LABELS,
    PROGRAM_KIND_LABELS,
)

bp = Blueprint("classes", __name__)


@bp.context_processor
def _labels():
    return {
        "class_status_names": CLASS_STATUS_LABELS,
        "program_kind_names": PROGRAM_KIND_LABELS,
        "excused_rule_names": EXCUSED_RULE_LABELS,
        "enrollment_status_names": ENROLLMENT_STATUS_LABELS,
    }
