"""Loading the signed-in user on each request (Flask-Login's user loader): one statement,
built once (every request runs it)."""

from __future__ import annotations

import functools

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import lazyload

from lms.auth.models import User
from lms.extensions import db


@functools.cache
def user_by_token() -> Select:
    """The signed-in user, by the session token the cookie holds (not the id: a rotated token
    logs the cookie out), active only. The unit is loaded when a page asks for it (few do)."""
    return (
        select(User)
        .options(lazyload(User.unit))
        .where(User.session_token == bindparam("token"), User.active)
    )


def load_user(token: str) -> User | None:
    return db.session.scalar(user_by_token(), {"token": token})
