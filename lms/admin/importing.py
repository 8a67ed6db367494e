"""Importing users from a CSV or XLSX file: all rows valid, or nothing saved.

Existing users are matched by username and updated only where the file says something
different; an empty optional cell (e-mail, date of birth, member id, unit of a non-trainee)
leaves the stored value alone, so re-importing the same file changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.admin.services import (
    ADMINS_ONLY,
    MAX_LENGTHS,
    check_email,
    check_username,
    plausible_birth_date,
)
from lms.auth.models import ROLES, User
from lms.auth.services import check_new_password, hash_password
from lms.core.actors import Actor, require
from lms.core.audit import record
from lms.core.tabular import RowError, TableError, parse_date, read_table
from lms.core.text import fold, nfc
from lms.errors import DomainError
from lms.extensions import db
from lms.units.models import Unit

REQUIRED = ("full_name", "username", "email", "date_of_birth", "unit_code", "roles")
OPTIONAL = ("member_id",)
TEMPLATE_HEADER = REQUIRED + OPTIONAL
# Role words people type, in both languages, diacritics ignored.
ROLE_WORDS = {
    **{r: r for r in ROLES},
    "hoc vien": "trainee",
    "giang vien": "instructor",
    "bao cao vien": "instructor",
    "giam doc": "director",
    "quan tri": "admin",
    "quan tri vien": "admin",
    "administrator": "admin",
}
_CHUNK = 500  # values per IN (...) list: well under SQLite's variable limit


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _Row:
    number: int
    username: str
    full_name: str
    email: str | None
    date_of_birth: date | None
    unit: Unit | None
    member_id: str | None
    roles: set[str] = field(default_factory=set)


def _text(value: object) -> str:
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return nfc(str(value)) or ""


def _roles(value: str) -> set[str]:
    words = [fold(w) for w in re.split(r"[,;+/]", value) if w.strip()]
    unknown = [w for w in words if w not in ROLE_WORDS]
    if not words or unknown:
        raise ValueError(unknown)
    return {ROLE_WORDS[w] for w in words}


def _parse_row(
    number: int, values: dict[str, object], units: dict[str, Unit], errors: list[RowError]
) -> _Row | None:
    """One row checked on its own; its errors are appended, the parsed row returned or None."""
    before = len(errors)

    def fail(column: str, message) -> None:
        errors.append(RowError(number, column, message))

    full_name = _text(values.get("full_name", ""))
    if not full_name:
        fail("full_name", _l("The full name is required."))
    elif len(full_name) > MAX_LENGTHS["full_name"]:
        fail("full_name", _l("The full name is too long."))
    username = email = None
    try:
        username = check_username(_text(values.get("username", "")))
    except DomainError as error:
        fail("username", error.message)
    try:
        email = check_email(_text(values.get("email", "")))
    except DomainError as error:
        fail("email", error.message)
    date_of_birth = None
    try:
        date_of_birth = parse_date(values.get("date_of_birth", ""))
    except ValueError:
        fail("date_of_birth", _l("Not a date: write it as dd/mm/yyyy."))
    if date_of_birth and not plausible_birth_date(date_of_birth):
        fail("date_of_birth", _l("The date of birth is not plausible."))
    roles: set[str] = set()
    try:
        roles = _roles(_text(values.get("roles", "")))
    except ValueError:
        fail(
            "roles",
            _l(
                "Unknown or missing role: use trainee, instructor, director or admin, "
                "separated by commas."
            ),
        )
    code = _text(values.get("unit_code", ""))
    unit = units.get(code) if code else None
    if code and unit is None:
        fail("unit_code", _l("Unknown unit code: %(code)s", code=code))
    elif unit is not None and not unit.active:
        fail("unit_code", _l("The unit %(code)s is deactivated.", code=code))
    member_id = _text(values.get("member_id", "")) or None
    if member_id and len(member_id) > MAX_LENGTHS["member_id"]:
        fail("member_id", _l("The member id is too long."))
    if len(errors) > before:
        return None
    return _Row(number, username, full_name, email, date_of_birth, unit, member_id, roles)


def _owners(column, values: list[str]) -> dict[str, str]:
    """{value: username} of the existing users holding these values."""
    found: dict[str, str] = {}
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        for value, username in db.session.execute(
            select(column, User.username).where(column.in_(chunk))
        ):
            found[value] = username
    return found


def _existing(usernames: list[str]) -> dict[str, User]:
    users: dict[str, User] = {}
    for start in range(0, len(usernames), _CHUNK):
        chunk = usernames[start : start + _CHUNK]
        for user in db.session.scalars(select(User).where(User.username.in_(chunk))):
            users[user.username] = user
    return users


def _cross_checks(
    rows: list[_Row], existing: dict[str, User], errors: list[RowError], *, actor: Actor
) -> None:
    """Duplicates inside the file, and values that belong to another existing user."""
    for column, attr in (("username", "username"), ("email", "email"), ("member_id", "member_id")):
        first: dict[str, int] = {}
        for row in rows:
            value = getattr(row, attr)
            if not value:
                continue
            if value in first:
                errors.append(
                    RowError(
                        row.number,
                        column,
                        _l(
                            "%(v)s is already in row %(row)d of the file.",
                            v=value,
                            row=first[value],
                        ),
                    )
                )
            else:
                first[value] = row.number
    for column, attr in ((User.email, "email"), (User.member_id, "member_id")):
        owners = _owners(column, sorted({getattr(r, attr) for r in rows if getattr(r, attr)}))
        for row in rows:
            owner = owners.get(getattr(row, attr) or "")
            if owner and owner != row.username:
                errors.append(
                    RowError(
                        row.number,
                        attr,
                        _l(
                            "%(v)s already belongs to the user %(user)s.",
                            v=getattr(row, attr),
                            user=owner,
                        ),
                    )
                )
    for row in rows:
        user = existing.get(row.username)
        if "trainee" in row.roles and row.unit is None and (user is None or user.unit is None):
            errors.append(RowError(row.number, "unit_code", _l("A trainee must belong to a unit.")))
        if user is not None and user.id == actor.id and "admin" not in row.roles:
            errors.append(
                RowError(
                    row.number,
                    "roles",
                    _l("You cannot remove your own administrator role or account."),
                )
            )


def _changes(user: User, row: _Row) -> dict[str, object]:
    wanted: dict[str, object] = {"full_name": row.full_name, "roles": frozenset(row.roles)}
    if row.email:
        wanted["email"] = row.email
    if row.date_of_birth:
        wanted["date_of_birth"] = row.date_of_birth
    if row.member_id:
        wanted["member_id"] = row.member_id
    if row.unit is not None:
        wanted["unit_id"] = row.unit.id
    return {k: v for k, v in wanted.items() if getattr(user, k) != v}


def import_users(data: bytes, *, actor: Actor, password: str | None = None) -> ImportResult:
    """Create or update the users listed in a CSV/XLSX file; raises TableError listing every
    wrong row (row number and column) and then saves nothing."""
    require(actor, "admin", message=ADMINS_ONLY)
    if password:
        check_new_password(password)
    table = read_table(data, required=REQUIRED, optional=OPTIONAL)
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    errors: list[RowError] = []
    rows = [r for n, v in table.rows if (r := _parse_row(n, v, units, errors)) is not None]
    existing = _existing(sorted({r.username for r in rows}))
    _cross_checks(rows, existing, errors, actor=actor)
    if errors:
        errors.sort(
            key=lambda e: (
                e.row,
                TEMPLATE_HEADER.index(e.column) if e.column in TEMPLATE_HEADER else 99,
            )
        )
        raise TableError(errors=errors)

    result = ImportResult()
    password_hash = hash_password(password) if password else None  # one scrypt for all rows
    for row in rows:
        user = existing.get(row.username)
        if user is None:
            user = User(
                username=row.username,
                full_name=row.full_name,
                email=row.email,
                date_of_birth=row.date_of_birth,
                member_id=row.member_id,
                unit_id=row.unit.id if row.unit else None,
                password_hash=password_hash,
            )
            user.roles = row.roles
            db.session.add(user)
            result.created += 1
            continue
        changes = _changes(user, row)
        if not changes:
            result.unchanged += 1
            continue
        for key, value in changes.items():
            setattr(user, key, value)
        result.updated += 1
    db.session.flush()
    record(
        "user.import",
        None,
        actor=actor,
        new_value=f"{result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged",
    )
    return result
