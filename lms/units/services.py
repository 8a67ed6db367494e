"""The units tree: list, create, rename, move, deactivate; and a unit with its sub-units."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.actors import Actor, require
from lms.core.audit import record
from lms.core.text import nfc, vn_text_key
from lms.errors import DomainError
from lms.extensions import db
from lms.units.models import Unit

MAX_CODE, MAX_NAME = 32, 200


@dataclass
class TreeRow:
    unit: Unit
    depth: int
    members: int  # active users whose unit this is


ADMINS_ONLY = _l("Only administrators manage units.")


def subtree_ids(unit_id: int) -> list[int]:
    """The unit and all its descendants (active or not), by a recursive query."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))
    return list(db.session.scalars(select(tree.c.id)))


def unit_tree(*, include_inactive: bool = True, count_members: bool = True) -> list[TreeRow]:
    """Every unit in tree order (parents before children, siblings by name), with its depth
    and its number of active members: two queries whatever the size of the tree.

    count_members=False leaves the counts at 0 and skips their query, which reads every user
    (slow at province size, docs/benchmarks.md): select boxes need only the names."""
    units = list(db.session.scalars(select(Unit)))
    counts = {}
    if count_members:
        counts = dict(
            db.session.execute(
                select(User.unit_id, func.count())
                .where(User.active.is_(True), User.unit_id.is_not(None))
                .group_by(User.unit_id)
            ).all()
        )
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda u: (vn_text_key(u.name), u.code))  # Vietnamese order
    rows: list[TreeRow] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in children.get(parent_id, []):
            if include_inactive or unit.active:
                rows.append(TreeRow(unit, depth, counts.get(unit.id, 0)))
                walk(unit.id, depth + 1)

    walk(None, 0)
    return rows


def unit_choices(*, keep: int | None = None, exclude: int | None = None) -> list[tuple[int, str]]:
    """(id, indented name) of the active units for a select box: `keep` stays even when
    inactive; `exclude` leaves out a unit and its sub-units (a unit's possible parents)."""
    rows = unit_tree(count_members=False)
    skip: set[int] = set()
    if exclude is not None:
        skip = {exclude}
        for row in rows:  # tree order: a parent comes before its children
            if row.unit.parent_id in skip:
                skip.add(row.unit.id)
    return [
        (row.unit.id, "\u2003" * row.depth + f"{row.unit.name} ({row.unit.code})")
        for row in rows
        if (row.unit.active or row.unit.id == keep) and row.unit.id not in skip
    ]


def _clean(code: str | None, name: str | None) -> tuple[str, str]:
    code, name = nfc(code) or "", nfc(name) or ""
    if not code or len(code) > MAX_CODE or any(c.isspace() for c in code):
        raise DomainError(_l("A unit code has 1 to 32 characters, without spaces."), field="code")
    if not name or len(name) > MAX_NAME:
        raise DomainError(_l("A unit name has 1 to 200 characters."), field="name")
    return code, name


def _check_code_free(code: str, unit: Unit | None) -> None:
    other = db.session.scalar(select(Unit.id).where(Unit.code == code))
    if other is not None and (unit is None or other != unit.id):
        raise DomainError(_l("The unit code %(code)s is already used.", code=code), field="code")


def _parent(parent_id: int | None) -> Unit | None:
    if not parent_id:
        return None
    parent = db.session.get(Unit, parent_id)
    if parent is None:
        raise DomainError(_l("The parent unit does not exist."), field="parent_id")
    return parent


def create_unit(code: str, name: str, parent_id: int | None, *, actor: Actor) -> Unit:
    """Add a unit, at the top or under an active parent."""
    require(actor, "admin", message=ADMINS_ONLY)
    code, name = _clean(code, name)
    with db.session.no_autoflush:
        _check_code_free(code, None)
        parent = _parent(parent_id)
    if parent is not None and not parent.active:
        raise DomainError(_l("The parent unit is deactivated."), field="parent_id")
    unit = Unit(code=code, name=name, parent=parent)
    db.session.add(unit)
    db.session.flush()
    record("unit.create", unit, actor=actor, new_value=f"{code} {name}"[:200])
    return unit


def move_unit(unit: Unit, parent_id: int | None, *, actor: Actor) -> None:
    """Put a unit (with its sub-units) under another parent; never under itself or below."""
    require(actor, "admin", message=ADMINS_ONLY)
    if (unit.parent_id or None) == (parent_id or None):
        return
    parent = _parent(parent_id)
    if parent is not None:
        if parent.id in subtree_ids(unit.id):
            raise DomainError(
                _l("A unit cannot be moved under itself or one of its own sub-units."),
                field="parent_id",
            )
        if not parent.active:
            raise DomainError(_l("The parent unit is deactivated."), field="parent_id")
    old = str(unit.parent_id or "")
    unit.parent = parent
    unit.parent_id = parent.id if parent else None
    record("unit.move", unit, actor=actor, old_value=old, new_value=str(unit.parent_id or ""))
    db.session.flush()


def update_unit(
    unit: Unit, code: str, name: str, parent_id: int | None, *, actor: Actor
) -> Unit:
    """Rename a unit (code and name) and move it under another parent."""
    require(actor, "admin", message=ADMINS_ONLY)
    code, name = _clean(code, name)
    with db.session.no_autoflush:
        _check_code_free(code, unit)
    if (code, name) != (unit.code, unit.name):
        record(
            "unit.rename",
            unit,
            actor=actor,
            old_value=f"{unit.code} {unit.name}"[:200],
            new_value=f"{code} {name}"[:200],
        )
        unit.code, unit.name = code, name
    move_unit(unit, parent_id, actor=actor)
    db.session.flush()
    return unit


def set_unit_active(unit: Unit, active: bool, *, actor: Actor) -> None:
    """Deactivate a unit nobody uses any more, or bring one back."""
    require(actor, "admin", message=ADMINS_ONLY)
    if unit.active == active:
        return
    if not active:
        members = db.session.scalar(
            select(func.count()).where(User.unit_id == unit.id, User.active.is_(True))
        )
        if members:
            raise DomainError(
                _l(
                    "The unit still has %(n)d active members: move them to another unit or "
                    "deactivate them first.",
                    n=members,
                )
            )
        children = db.session.scalar(
            select(func.count()).where(Unit.parent_id == unit.id, Unit.active.is_(True))
        )
        if children:
            raise DomainError(
                _l(
                    "The unit still has %(n)d active sub-units: move or deactivate them first.",
                    n=children,
                )
            )
    elif unit.parent is not None and not unit.parent.active:
        raise DomainError(_l("Reactivate the parent unit first."))
    unit.active = active
    record("unit.active", unit, actor=actor, old_value=str(not active), new_value=str(active))
    db.session.flush()
