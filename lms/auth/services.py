"""Sign-in, sign-out and passwords."""

from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from lms.auth.models import User
from lms.core.actors import Actor
from lms.core.text import nfc
from lms.core.types import utcnow
from lms.errors import DomainError
from lms.extensions import db

MIN_PASSWORD_LENGTH = 8


@cache
def _dummy_hash() -> str:
    """Checked against when the account does not exist, so that an unknown name and a wrong
    password take the same time. Made on first use, not at import: scrypt is slow on purpose,
    and every start of the app (and `flask --help`) paid for it (docs/benchmarks.md)."""
    return generate_password_hash("not a password", method="scrypt")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def find_by_login(login: str) -> User | None:
    """The account named by a username or an e-mail address (case-insensitive)."""
    key = (nfc(login) or "").lower()
    if not key:
        return None
    return db.session.scalar(select(User).where(or_(User.username == key, User.email == key)))


def authenticate(login: str, password: str) -> User | None:
    """The active user with these credentials, or None; same work whether or not it exists."""
    user = find_by_login(login)
    stored = user.password_hash if user and user.password_hash else _dummy_hash()
    ok = check_password_hash(stored, password or "")
    if user is None or not user.password_hash or not ok or not user.active:
        return None
    if user.is_demo and current_app.config["ENV"] == "production":
        return None  # the demo's known password must never open a production server
    return user


def sign_out(user: User) -> None:
    """End every session of this user: a cookie captured before is refused after."""
    user.rotate_session_token()
    db.session.flush()


def check_new_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            field="new_password",
        )


def set_password(user: User, password: str) -> None:
    """Store a new password and end the user's other sessions."""
    check_new_password(password)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.rotate_session_token()
    db.session.flush()


def change_password(user: User, current: str, new: str, *, actor: Actor) -> None:
    """A user changes their own password, proving the current one."""
    if actor.id != user.id:
        raise DomainError(_l("You can only change your own password."))
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        raise DomainError(_l("The current password is not correct."), field="current_password")
    set_password(user, new)
