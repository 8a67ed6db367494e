"""User administration: create, edit, deactivate, roles, password resets."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.auth.models import ROLES, User
from lms.auth.services import hash_password, set_password
from lms.core.audit import record
from lms.core.text import nfc
from lms.errors import DomainError
from lms.extensions import db
from lms.units.models import Unit


@dataclass
class UserData:
    username: str
    full_name: str
    email: str | None = None
    date_of_birth: date | None = None
    unit_code: str | None = None
    member_id: str | None = None
    roles: set[str] = field(default_factory=lambda: {"trainee"})
    password: str | None = None
    active: bool = True


def _require_admin(actor: User | None) -> None:
    # actor None: the command line, run by whoever owns the server.
    if actor is not None and not actor.is_admin:
        raise DomainError(_l("Only administrators manage users."))


def _unit_by_code(code: str | None) -> Unit | None:
    code = nfc(code)
    if not code:
        return None
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise DomainError(_l("Unknown unit code: %(code)s", code=code), field="unit")
    return unit


def _check_unique(user: User | None, data: UserData) -> None:
    username = (nfc(data.username) or "").lower()
    email = (nfc(data.email) or "").lower() or None
    member_id = nfc(data.member_id) or None
    checks = [(User.username, username, _l("The username %(v)s is already taken.", v=username))]
    if email:
        checks.append((User.email, email, _l("The e-mail %(v)s is already used.", v=email)))
    if member_id:
        checks.append(
            (User.member_id, member_id, _l("The member id %(v)s is already used.", v=member_id))
        )
    for column, value, message in checks:
        other = db.session.scalar(select(User.id).where(column == value))
        if other is not None and (user is None or other != user.id):
            raise DomainError(message, field=column.key)


def _apply(user: User, data: UserData) -> None:
    if not data.roles or set(data.roles) - set(ROLES):
        raise DomainError(_l("Choose at least one valid role."), field="roles")
    username = (nfc(data.username) or "").lower()
    if len(username) < 2 or not all(c.isalnum() or c in "._-@" for c in username):
        raise DomainError(
            _l("A username has at least 2 letters or digits (also . _ - @)."), field="username"
        )
    if not (nfc(data.full_name) or ""):
        raise DomainError(_l("The full name is required."), field="full_name")
    unit = _unit_by_code(data.unit_code)
    if "trainee" in data.roles and unit is None:
        raise DomainError(_l("A trainee must belong to a unit."), field="unit")
    _check_unique(user if user.id else None, data)
    user.username = username
    user.full_name = data.full_name
    user.email = data.email or None
    user.date_of_birth = data.date_of_birth
    user.member_id = data.member_id or None
    user.unit = unit
    user.unit_id = unit.id if unit else None
    user.roles = data.roles


def create_user(data: UserData, *, actor: User | None) -> User:
    """Create an account; with a password, or none (the admin sets one later)."""
    _require_admin(actor)
    user = User()
    _apply(user, data)
    if data.password:
        set_password(user, data.password)
    db.session.add(user)
    db.session.flush()
    record("user.create", user, actor=actor, new_value=",".join(sorted(user.roles)))
    return user


def update_user(user: User, data: UserData, *, actor: User) -> User:
    """Edit an account's identity, unit, roles and active flag."""
    _require_admin(actor)
    old_roles = ",".join(sorted(user.roles))
    was_active = user.active
    _apply(user, data)
    if user.id == actor.id and ("admin" not in data.roles or not data.active):
        raise DomainError(_l("You cannot remove your own administrator role or account."))
    user.active = data.active
    if was_active and not data.active:
        user.rotate_session_token()  # a deactivated user is signed out everywhere
    new_roles = ",".join(sorted(user.roles))
    if new_roles != old_roles:
        record("user.roles", user, actor=actor, old_value=old_roles, new_value=new_roles)
    if was_active != data.active:
        record(
            "user.active", user, actor=actor, old_value=str(was_active), new_value=str(data.active)
        )
    db.session.flush()
    return user


def reset_password(user: User, password: str, *, actor: User) -> None:
    """An admin sets a new password for someone; their sessions end."""
    _require_admin(actor)
    set_password(user, password)
    record("user.password_reset", user, actor=actor)


__all__ = ["UserData", "create_user", "hash_password", "reset_password", "update_user"]
