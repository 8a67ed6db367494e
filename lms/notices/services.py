"""Writing notices: one row per recipient, in the transaction of the change that caused it.

The services that change things call one function here after their change (enrolment,
waitlist, promotion, a session moved or cancelled, a class cancelled, certificates issued, an
instructor assigned). A rolled-back change takes its notices with it; a committed one has them
in the outbox, whose sender mails them later (lms/notices/outbox.py). Writing costs one
multi-row INSERT whatever the number of recipients (a 300-person unit: docs/benchmarks.md).

What a notice says is frozen here as plain values (`params`): the class as it was, the old and
new times of a moved session. Its text is made when it is read or mailed, in the reader's
language (lms/notices/content.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from email.utils import parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import insert, inspect, select

from lms.auth.models import User
from lms.classes.models import Class, ClassSession
from lms.core.clock import local_today
from lms.core.types import utcnow
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.notices.models import Notice

if TYPE_CHECKING:
    from lms.certificates.models import Certificate

DEV_BASE_URL = "http://127.0.0.1:5000"
SESSION_KEY = "lms.notices.to_send"  # in Session.info: this transaction wrote mail to send


def mail_on() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def public_base_url() -> str:
    """Where links in notices point: PUBLIC_BASE_URL, else the development server."""
    return (current_app.config.get("PUBLIC_BASE_URL") or DEV_BASE_URL).rstrip("/")


def mail_domain() -> str:
    """The right-hand side of Message-IDs: the sender's domain, else the site's host."""
    address = parseaddr(current_app.config.get("MAIL_SENDER") or "")[1]
    if "@" in address:
        return address.rsplit("@", 1)[1].strip().lower() or "lms.invalid"
    return urlsplit(public_base_url()).hostname or "lms.invalid"


def class_values(klass: Class) -> dict:
    return {
        "class_code": klass.code,
        "class_title": klass.title,
        "start": klass.start_date.isoformat(),
        "end": klass.end_date.isoformat(),
        "place": klass.place or "",
    }


def session_values(session: ClassSession, **old) -> dict:
    values = {
        "session_id": session.id,
        "date": session.on_date.isoformat(),
        "starts": session.starts_at.strftime("%H:%M"),
        "ends": session.ends_at.strftime("%H:%M"),
        "room": session.room or "",
        "topic": session.topic or "",
    }
    return values | {key: value for key, value in old.items() if value is not None}


def rows_for(
    kind: str,
    recipients: Iterable[User],
    params: dict,
    *,
    class_id: int | None = None,
    dedupe: str | None = None,
) -> list[dict]:
    """The rows of one notice to each recipient; the e-mail state decided now: e-mail off, no
    address or an inactive account make it a dashboard-only notice ("skipped")."""
    on = mail_on()
    now = utcnow()
    domain = mail_domain()
    rows = []
    for user in {user.id: user for user in recipients}.values():
        because = "off" if not on else "no_address" if not user.email else None
        if because is None and not user.active:
            because = "inactive"
        rows.append(
            {
                "user_id": user.id,
                "kind": kind,
                "class_id": class_id,
                "params": params,
                "dedupe_key": dedupe.format(user=user.id) if dedupe else None,
                "created_at": now,
                "mail_state": "skipped" if because else "pending",
                "skipped_because": because,
                "message_id": f"<{uuid.uuid4().hex}@{domain}>",
                "next_attempt_at": None if because else now,
            }
        )
    return rows


def write_rows(rows: list[dict], *, unique: bool = False) -> int:
    """Insert the rows (one statement); with unique=True a row whose dedupe_key exists is left
    out (the scheduled notices). Returns how many were written."""
    if not rows:
        return 0
    if unique:
        dialect = db.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        statement = (
            dialect_insert(Notice)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Notice.id, Notice.mail_state)
        )
        written = db.session.execute(statement, rows).all()
        pending = any(state == "pending" for _id, state in written)
        count = len(written)
    else:
        # With RETURNING, SQLAlchemy sends the rows as one multi-row INSERT ("insertmanyvalues"):
        # faster than an executemany on PostgreSQL (docs/benchmarks.md).
        db.session.execute(insert(Notice).returning(Notice.id), rows).all()
        pending = any(row["mail_state"] == "pending" for row in rows)
        count = len(rows)
    if pending:
        db.session.info[SESSION_KEY] = True  # the sender is woken after the commit
    return count


def notify(kind: str, recipients: Iterable[User], params: dict, *, class_id=None) -> int:
    return write_rows(rows_for(kind, recipients, params, class_id=class_id))


def _future(*days: date) -> bool:
    return max(days) >= local_today()


# --- enrollment --------------------------------------------------------------------------------


def enrollment_changed(enrollment: Enrollment) -> None:
    """After a trainee enrols: confirmed (a seat) or a place on the waitlist."""
    kind = {"enrolled": "enrolled", "waitlisted": "waitlisted"}.get(enrollment.status)
    if kind is not None:
        notify(
            kind, [enrollment.user], class_values(enrollment.klass), class_id=enrollment.class_id
        )


def enrolled_by_director(klass: Class, users: Sequence[User]) -> None:
    """After a director assigns people (one, a list, a unit, a roster file): one each."""
    params = class_values(klass) | {"assigned": True}
    notify("enrolled", users, params, class_id=klass.id)


def promoted(enrollment: Enrollment) -> None:
    """A waitlisted trainee got a freed seat."""
    notify(
        "promoted", [enrollment.user], class_values(enrollment.klass), class_id=enrollment.class_id
    )


# --- sessions and classes ---------------------------------------------------------------------


def _participants(klass: Class, statuses=("enrolled",)) -> list[User]:
    trainees = db.session.scalars(
        select(User)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.class_id == klass.id, Enrollment.status.in_(statuses))
    ).all()
    return [*trainees, *klass.instructors]


def session_changed(session: ClassSession) -> None:
    """Call before the change is flushed: a session moved (day, times or room) tells the
    class's trainees and instructors, with the old and the new; a topic alone tells nobody."""
    state = inspect(session)
    old = {}
    for name in ("on_date", "starts_at", "ends_at", "room"):
        history = state.attrs[name].history
        old[name] = history.deleted[0] if history.deleted else getattr(session, name)
    if all(old[name] == getattr(session, name) for name in old):
        return
    if not _future(old["on_date"], session.on_date):
        return
    db.session.flush()
    params = class_values(session.klass) | session_values(
        session,
        old_date=old["on_date"].isoformat(),
        old_starts=old["starts_at"].strftime("%H:%M"),
        old_ends=old["ends_at"].strftime("%H:%M"),
        old_room=old["room"] or "",
    )
    notify("session_moved", _participants(session.klass), params, class_id=session.class_id)


def session_cancelled(session: ClassSession) -> None:
    if not _future(session.on_date):
        return
    params = class_values(session.klass) | session_values(session)
    params["reason"] = session.cancel_reason or ""
    notify("session_cancelled", _participants(session.klass), params, class_id=session.class_id)


def class_cancelled(klass: Class) -> None:
    """Trainees enrolled or waiting, and the instructors."""
    if not _future(klass.end_date):
        return
    params = class_values(klass) | {"reason": klass.cancel_reason or ""}
    people = _participants(klass, ("enrolled", "waitlisted"))
    notify("class_cancelled", people, params, class_id=klass.id)


def instructors_assigned(klass: Class) -> None:
    """Call before the class is flushed: each instructor newly on the class is told."""
    added = list(inspect(klass).attrs.instructors.history.added)
    if not added or not _future(klass.end_date):
        return
    db.session.flush()  # a new class gets its id
    notify("class_assigned", added, class_values(klass), class_id=klass.id)


# --- certificates -----------------------------------------------------------------------------


def certificates_issued(certificates: Sequence[Certificate]) -> None:
    """Each holder: a link to download it and the public verification link."""
    if not certificates:
        return
    by_enrollment = {c.enrollment_id: c for c in certificates}
    rows = db.session.execute(
        select(Enrollment.id, Enrollment.class_id, User)
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.id.in_(list(by_enrollment)))
    ).all()
    out = []
    for enrollment_id, class_id, user in rows:
        cert = by_enrollment[enrollment_id]
        params = {
            "certificate_id": cert.id,
            "register_number": cert.register_number,
            "code": cert.verification_code,  # the public verification page's address
            "class_code": cert.class_code,
            "class_title": cert.class_title,
            "start": cert.start_date.isoformat(),
            "end": cert.end_date.isoformat(),
        }
        out += rows_for("certificate", [user], params, class_id=class_id)
    write_rows(out)
