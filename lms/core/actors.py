"""Who is acting: a signed-in user, or the system (the command line, background jobs).

Every service takes the acting user as `actor=` and checks it with `require()`. There is no
"no actor" that skips the check: a service called without one fails at once (TypeError for a
missing keyword, ActorMissing for None). The command line and jobs pass `SYSTEM`, which may do
what any role may; the audit log records it as no user (`actor_id` None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from flask_babel import lazy_gettext as _l

from lms.errors import DomainError

if TYPE_CHECKING:
    from lms.auth.models import User


class ActorMissing(TypeError):
    """A service was called with actor=None: a programming error, never a user's."""


@dataclass(frozen=True)
class SystemActor:
    """The server acting on its own (CLI commands, scheduled and background work)."""

    name: str = "system"
    id: None = None
    full_name: str = "system"
    is_admin: bool = True
    is_director: bool = True
    is_instructor: bool = True
    is_trainee: bool = False
    is_system: bool = True

    def has_role(self, *names: str) -> bool:
        return True


SYSTEM = SystemActor()
# What a service's `actor=` holds (a string: User is only imported for the type checker).
Actor: TypeAlias = "User | SystemActor"

DEFAULT_REFUSAL = _l("You do not have permission to do this.")


def require(actor: User | SystemActor | None, *roles: str, message=DEFAULT_REFUSAL) -> None:
    """Refuse (DomainError with `message`) unless `actor` holds one of `roles`. SYSTEM passes;
    None is a bug and raises ActorMissing, never a silent pass."""
    if actor is None:
        raise ActorMissing("a service was called without an actor (pass the user or SYSTEM)")
    if not roles or not actor.has_role(*roles):
        raise DomainError(message)


def actor_id(actor: User | SystemActor) -> int | None:
    """The user id to store as who did it (None for SYSTEM)."""
    if actor is None:
        raise ActorMissing("an audit entry needs an actor (pass the user or SYSTEM)")
    return actor.id
