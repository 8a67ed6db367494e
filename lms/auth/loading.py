"""Loading the signed-in user on each request (Flask-Login's user loader).

One statement, built once: every request runs it, and building a statement costs more than
running it. A hot POST may read what it needs in the same statement as the user (`with_user`):
on these machines each round trip to PostgreSQL costs 60-100 µs of CPU in the app and as much
again in the server, more than most of the statements themselves (docs/benchmarks.md).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import has_request_context, request
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import lazyload

from lms.auth.models import User
from lms.extensions import db

UserLoader = Callable[[str], "User | None"]
_WITH_USER: dict[str, UserLoader] = {}


@functools.cache
def user_by_token() -> Select:
    """The signed-in user, by the session token the cookie holds (not the id: a rotated token
    logs the cookie out), active only. The unit is loaded when a page asks for it (few do).
    A `with_user` loader adds its columns to this statement, so its conditions are the same."""
    return (
        select(User)
        .options(lazyload(User.unit))
        .where(User.session_token == bindparam("token"), User.active)
    )


def with_user(endpoint: str) -> Callable[[UserLoader], UserLoader]:
    """Register the loader of POSTs to `endpoint`: it reads the user with `user_by_token()`
    joined to what the view needs, keeps the rest for the view, and returns the user."""

    def register(loader: UserLoader) -> UserLoader:
        _WITH_USER[endpoint] = loader
        return loader

    return register


def load_user(token: str) -> User | None:
    if has_request_context() and request.method == "POST":
        loader = _WITH_USER.get(request.endpoint or "")
        if loader is not None:
            return loader(token)
    return db.session.scalar(user_by_token(), {"token": token})
