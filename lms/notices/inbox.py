"""Reading notices: a person's own (unread first, mark read), their preferences, and the
director's view of the outbox (filters, counts of the day)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from werkzeug.security import check_password_hash

from lms.auth.models import User
from lms.classes.models import Class
from lms.core.actors import Actor, require
from lms.core.audit import record
from lms.core.clock import local_today, local_zone
from lms.core.types import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.notices.models import MAIL_STATES, NOTICE_KINDS, Notice, NoticePreference

PAGE = 50
OUTBOX_PAGE = 100


# --- a person's notices -----------------------------------------------------------------------


def list_my_notices(user: User, *, limit: int = PAGE) -> list[Notice]:
    """The person's notices: unread first, then the newest."""
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.user_id == user.id)
            .order_by(Notice.read_at.is_not(None), Notice.id.desc())
            .limit(limit)
        )
    )


def count_unread(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(Notice.id)).where(Notice.user_id == user.id, Notice.read_at.is_(None))
        )
        or 0
    )


def mark_read(notice_id: int | None, *, actor: Actor) -> int:
    """Mark one of the actor's notices read, or all of them (notice_id None). Only the actor's
    own: the identity is the signed-in person's, never the request's. Returns how many."""
    require(actor, "trainee", "instructor", "director", "admin")
    statement = update(Notice).where(Notice.user_id == actor.id, Notice.read_at.is_(None))
    if notice_id is not None:
        statement = statement.where(Notice.id == notice_id)
    return db.session.execute(statement.values(read_at=utcnow())).rowcount or 0


# --- preferences ------------------------------------------------------------------------------


def preference_of(user: User) -> NoticePreference:
    """The person's preferences (unsaved defaults when they never chose)."""
    row = db.session.get(NoticePreference, user.id)
    return row if row is not None else NoticePreference(user_id=user.id, reminders=True)


def is_bounced(user: User, preference: NoticePreference) -> bool:
    return bool(user.email) and preference.bounced_email == user.email


@dataclass
class Preferences:
    language: str
    reminders: bool
    email: str | None = None
    password: str = ""  # needed to change the e-mail (a sign-in name)


def update_preferences(user: User, data: Preferences, *, actor: Actor) -> None:
    """A person's own choices: language of notices, reminders, and their e-mail address (with
    their password, since it is also a sign-in name). A new address clears a bounce."""
    require(actor, "trainee", "instructor", "director", "admin")
    if actor.id != user.id:
        raise DomainError(_l("You can only change your own preferences."))
    if data.language not in ("vi", "en"):
        raise DomainError(_l("Choose Vietnamese or English."), field="language")
    from lms.admin.services import check_email

    email = check_email(data.email)
    if email != user.email:
        if not user.password_hash or not check_password_hash(user.password_hash, data.password):
            raise DomainError(
                _l("Give your password to change your e-mail address."), field="password"
            )
        if email and db.session.scalar(
            select(User.id).where(User.email == email, User.id != user.id)
        ):
            raise DomainError(_l("The e-mail %(v)s is already used.", v=email), field="email")
        record("user.email", user, actor=actor, old_value=user.email, new_value=email)
        user.email = email
    user.language = data.language
    preference = db.session.get(NoticePreference, user.id)
    if preference is None:
        preference = NoticePreference(user_id=user.id)
        db.session.add(preference)
    preference.reminders = bool(data.reminders)
    db.session.flush()


# --- the director's outbox --------------------------------------------------------------------


@dataclass
class OutboxFilter:
    kind: str | None = None
    state: str | None = None
    class_id: int | None = None


def list_outbox(filters: OutboxFilter, *, limit: int = OUTBOX_PAGE) -> list[tuple[Notice, User]]:
    """The newest notices of the center (with their recipient), filtered."""
    query = (
        select(Notice, User)
        .join(User, User.id == Notice.user_id)
        .order_by(Notice.id.desc())
        .limit(limit)
    )
    if filters.kind in NOTICE_KINDS:
        query = query.where(Notice.kind == filters.kind)
    if filters.state in MAIL_STATES:
        query = query.where(Notice.mail_state == filters.state)
    if filters.class_id:
        query = query.where(Notice.class_id == filters.class_id)
    return [tuple(row) for row in db.session.execute(query).all()]  # type: ignore[misc]


@dataclass
class DayCounts:
    sent: int
    waiting: int
    failed: int


def start_of_today() -> datetime:
    return datetime.combine(local_today(), time(0), tzinfo=local_zone())


def outbox_counts() -> DayCounts:
    """Sent today and failed (or uncertain) today on the center's clock; waiting now. One query."""
    since = start_of_today()
    sent, waiting, failed = db.session.execute(
        select(
            func.count(case((Notice.sent_at >= since, 1))),
            func.count(case((Notice.mail_state.in_(("pending", "sending")), 1))),
            func.count(
                case(
                    (
                        Notice.mail_state.in_(("failed", "uncertain"))
                        & (Notice.attempted_at >= since),
                        1,
                    )
                )
            ),
        ).where(
            (Notice.sent_at >= since)
            | Notice.mail_state.in_(("pending", "sending"))
            | (Notice.attempted_at >= since)
        )
    ).one()
    return DayCounts(sent, waiting, failed)


def classes_with_notices(limit: int = 300) -> list[tuple[int, str, str]]:
    """(id, code, title) of the classes that have notices, newest first (the class filter)."""
    rows = db.session.execute(
        select(Class.id, Class.code, Class.title)
        .where(Class.id.in_(select(Notice.class_id).where(Notice.class_id.is_not(None))))
        .order_by(Class.start_date.desc(), Class.id.desc())
        .limit(limit)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]
