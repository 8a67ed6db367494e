"""User administration: create, edit, deactivate, roles, password resets, the users list."""

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select

from lms.auth.models import ROLES, User
from lms.auth.services import hash_password, set_password
from lms.core.actors import Actor, require
from lms.core.audit import record
from lms.core.clock import local_today
from lms.core.text import fold, nfc
from lms.errors import DomainError
from lms.extensions import db
from lms.units.models import Unit

USERNAME_CHARS = re.compile(r"^[a-z0-9._@-]{2,64}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Lengths of the columns: checked here so that a long value gets a message, not a 500.
MAX_LENGTHS = {"full_name": 200, "email": 254, "member_id": 32}


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


ADMINS_ONLY = _l("Only administrators manage users.")


def plausible_birth_date(value: date) -> bool:
    """Not before 1900 and not after today on the center's clock."""
    return date(1900, 1, 1) <= value <= local_today()


def _unit_by_code(code: str | None, current: Unit | None = None) -> Unit | None:
    code = nfc(code)
    if not code:
        return None
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise DomainError(_l("Unknown unit code: %(code)s", code=code), field="unit")
    if not unit.active and unit is not current:
        raise DomainError(_l("The unit %(code)s is deactivated.", code=code), field="unit")
    return unit


def check_username(value: str | None) -> str:
    """The normalised username, or a DomainError saying what a username may contain."""
    username = (nfc(value) or "").lower()
    if not USERNAME_CHARS.match(username):
        raise DomainError(
            _l("A username has 2 to 64 letters or digits (also . _ - @), without accents."),
            field="username",
        )
    return username


def check_email(value: str | None) -> str | None:
    email = (nfc(value) or "").lower() or None
    if email and (not EMAIL.match(email) or len(email) > MAX_LENGTHS["email"]):
        raise DomainError(_l("The e-mail address %(v)s is not valid.", v=email), field="email")
    return email


def _check_unique(user: User | None, username: str, email: str | None, member_id: str | None):
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
    roles = set(data.roles or ())
    if not roles or roles - set(ROLES):
        raise DomainError(_l("Choose at least one valid role."), field="roles")
    username = check_username(data.username)
    full_name = nfc(data.full_name) or ""
    if not full_name:
        raise DomainError(_l("The full name is required."), field="full_name")
    if len(full_name) > MAX_LENGTHS["full_name"]:
        raise DomainError(_l("The full name is too long."), field="full_name")
    email = check_email(data.email)
    member_id = nfc(data.member_id) or None
    if member_id and len(member_id) > MAX_LENGTHS["member_id"]:
        raise DomainError(_l("The member id is too long."), field="member_id")
    if data.date_of_birth and not plausible_birth_date(data.date_of_birth):
        raise DomainError(_l("The date of birth is not plausible."), field="date_of_birth")
    with db.session.no_autoflush:
        unit = _unit_by_code(data.unit_code, current=user.unit)
        if "trainee" in roles and unit is None:
            raise DomainError(_l("A trainee must belong to a unit."), field="unit")
        _check_unique(user if user.id else None, username, email, member_id)
    user.username = username
    user.full_name = full_name
    user.email = email
    user.date_of_birth = data.date_of_birth
    user.member_id = member_id
    user.unit = unit
    user.unit_id = unit.id if unit else None
    user.roles = roles


def create_user(data: UserData, *, actor: Actor) -> User:
    """Create an account; with a password, or none (the admin sets one later)."""
    require(actor, "admin", message=ADMINS_ONLY)
    user = User()
    _apply(user, data)
    user.active = data.active
    if data.password:
        set_password(user, data.password)
    db.session.add(user)
    db.session.flush()
    record("user.create", user, actor=actor, new_value=",".join(sorted(user.roles)))
    return user


def update_user(user: User, data: UserData, *, actor: Actor) -> User:
    """Edit an account's identity, unit, roles and active flag."""
    require(actor, "admin", message=ADMINS_ONLY)
    if user.id == actor.id and ("admin" not in data.roles or not data.active):
        raise DomainError(_l("You cannot remove your own administrator role or account."))
    old_roles = ",".join(sorted(user.roles))
    was_active = user.active
    _apply(user, data)
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
    record("user.update", user, actor=actor)
    db.session.flush()
    return user


def set_user_active(user: User, active: bool, *, actor: Actor) -> None:
    """Deactivate (signed out everywhere, cannot sign in) or reactivate an account."""
    require(actor, "admin", message=ADMINS_ONLY)
    if user.id == actor.id and not active:
        raise DomainError(_l("You cannot remove your own administrator role or account."))
    if user.active == active:
        return
    user.active = active
    if not active:
        user.rotate_session_token()
    record("user.active", user, actor=actor, old_value=str(not active), new_value=str(active))
    db.session.flush()


def reset_password(user: User, password: str, *, actor: Actor) -> None:
    """An admin sets a new password for someone; their sessions end."""
    require(actor, "admin", message=ADMINS_ONLY)
    set_password(user, password)
    record("user.password_reset", user, actor=actor)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def users_query(
    q: str | None = None,
    role: str | None = None,
    unit_id: int | None = None,
    active: bool | None = None,
) -> Select:
    """Users matching a search (diacritics ignored), a role and a unit, sorted Vietnamese style.

    Every word of the search must appear in the folded name ("nguyen hoa" finds "Nguyễn Thị
    Hòa"); the whole search may also match the username, e-mail or member id.
    """
    stmt = select(User)
    words = fold(q).split()
    if words:
        raw = (nfc(q) or "").lower()
        stmt = stmt.where(
            or_(
                and_(*[User.search_name.like(_like(w), escape="\\") for w in words]),
                User.username.like(_like(raw), escape="\\"),
                User.email.like(_like(raw), escape="\\"),
                func.lower(User.member_id).like(_like(raw), escape="\\"),
            )
        )
    if role in ROLES:
        stmt = stmt.where(getattr(User, f"is_{role}").is_(True))
    if unit_id:
        stmt = stmt.where(User.unit_id == unit_id)
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    return stmt.order_by(User.sort_key, User.id)


__all__ = [
    "UserData",
    "create_user",
    "hash_password",
    "reset_password",
    "set_user_active",
    "update_user",
    "users_query",
]
