"""What the signed-in person may open on the attendance pages: a session or class they mark
(an instructor of the class, or a director); anything else answers 404. Shared by the view
modules, which never import one another."""

from __future__ import annotations

from flask_login import current_user

from lms.attendance.services import require_marker
from lms.classes.models import Class, ClassSession
from lms.extensions import db


def session_for_marker(session_id: int) -> ClassSession:
    """The session, if the signed-in person may mark it; 404 otherwise."""
    session = db.get_or_404(ClassSession, session_id)
    require_marker(session.klass, actor=current_user._get_current_object())
    return session


def class_for_marker(class_id: int) -> Class:
    """The class, if the signed-in person may mark it; 404 otherwise."""
    klass = db.get_or_404(Class, class_id)
    require_marker(klass, actor=current_user._get_current_object())
    return klass
