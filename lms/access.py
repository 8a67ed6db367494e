"""Access rules: every endpoint is classified in lms.authz.MATRIX; anything else is refused.

Role rules are checked here, before the view runs. Object rules (the instructor of *this*
class, *my* certificate: the matrix's scope) are checked by the services, which answer 404
for what a user may not see.
"""

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, request
from flask_login import current_user

from lms.auth.models import ROLES
from lms.authz import MATRIX, PUBLIC, SIGNED_IN

__all__ = ["PUBLIC", "SIGNED_IN", "access", "check_access", "rule_for"]
F = TypeVar("F", bound=Callable)


def access(*rule: str) -> Callable[[F], F]:
    """For a route added outside the application (a test's): declare who may call it.

    The application's own endpoints are classified in lms.authz.MATRIX, never here, so that
    the matrix stays the one place that says who may do what (tests/core/test_access_rules.py).
    """
    if not rule or (set(rule) - {PUBLIC, SIGNED_IN, *ROLES}):
        raise ValueError(f"bad access rule {rule!r}")

    def decorate(view: F) -> F:
        view.access_rule = frozenset(rule)  # type: ignore[attr-defined]
        return view

    return decorate


def rule_for(app: Flask, endpoint: str) -> frozenset[str] | None:
    row = MATRIX.get(endpoint)
    if row is not None:
        return row.who
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def check_access() -> None:
    """before_request: deny by default, then the endpoint's own rule."""
    if request.endpoint is None:  # no route matched: the 404/405 handlers answer
        return None
    rule = rule_for(current_app, request.endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s declares no access rule", request.endpoint)
        abort(403)
    if PUBLIC in rule:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if SIGNED_IN in rule or current_user.has_role(*rule):
        return None
    abort(403)
