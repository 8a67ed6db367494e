"""Writing to the append-only audit log."""

from lms.core.actors import Actor, actor_id
from lms.core.models import AuditLog
from lms.extensions import db


def record(
    action: str,
    obj,
    *,
    actor: Actor,
    old_value: str | None = None,
    new_value: str | None = None,
    method: str | None = None,
    reason: str | None = None,
    session_id: int | None = None,
    details: dict | None = None,
) -> AuditLog:
    """Add one entry: who did what to which object, from which value to which (SYSTEM is
    stored as no user)."""
    entry = AuditLog(
        actor_id=actor_id(actor),
        action=action,
        object_type=type(obj).__tablename__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        old_value=old_value,
        new_value=new_value,
        method=method,
        reason=reason,
        session_id=session_id,
        details=details,
    )
    db.session.add(entry)
    return entry
