"""Factories: each returns a saved row (flushed), with defaults that can be overridden."""

import itertools
from datetime import date

from werkzeug.security import generate_password_hash

from lms.auth.models import User
from lms.extensions import db
from lms.units.models import Unit

# One hash for every test user: scrypt per user would make the suite slow.
PASSWORD = "secret-pass"
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")
_counter = itertools.count(1)


class Factories:
    def unit(self, **overrides) -> Unit:
        n = next(_counter)
        values = {"code": f"U{n}", "name": f"Đơn vị {n}"}
        values.update(overrides)
        unit = Unit(**values)
        db.session.add(unit)
        db.session.flush()
        return unit

    def user(
        self, *, roles=("trainee",), unit=None, password_hash=PASSWORD_HASH, **overrides
    ) -> User:
        n = next(_counter)
        values = {
            "username": f"user{n}",
            "full_name": f"Nguyễn Văn Thành {n}",
            "date_of_birth": date(1980, 1, 1),
        }
        values.update(overrides)
        user = User(**values)
        user.roles = set(roles)
        if unit is None and "trainee" in roles:
            unit = self.unit()
        user.unit = unit
        user.password_hash = password_hash
        db.session.add(user)
        db.session.flush()
        return user
