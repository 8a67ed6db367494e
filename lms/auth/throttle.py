"""Sign-in throttling: failures only, per account, per account and address, per address.

The threat: guessing a password (one account, many tries) and spraying (many accounts, one
address). The crowd we must let through: a conference hall where 300 trainees sign in from
one Wi-Fi address within minutes. So successful sign-ins are never counted, and:

- per account (the RESOLVED account: username or e-mail, both give the user's id; an unknown
  name is keyed on its folded text) and address: RATELIMIT_LOGIN_ACCOUNT_ADDRESS failures;
- per address, whatever the account: RATELIMIT_LOGIN_ADDRESS failures (high enough for a hall);
- per account from addresses that never signed in successfully to it: the slower backstop
  RATELIMIT_LOGIN_ACCOUNT. An address where the owner has signed in is not held by it, so a
  stranger guessing from elsewhere cannot keep the director out while she signs in at the
  center.

Counters live in the rate limiter's storage (Redis when configured), counted with the
`limits` strategy Flask-Limiter uses, so every worker and instance shares them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from lms import ratelimit
from lms.auth import services
from lms.auth.models import User
from lms.core.text import nfc

# An address where the account signed in: remembered for this long (one hit of "1 per N").
KNOWN_ADDRESS = "1 per 30 day"


@dataclass(frozen=True)
class Attempt:
    account: str  # "u:<id>" or "n:<folded text>"
    address: str


def account_key(login: str | None, user: User | None) -> str:
    if user is not None:
        return f"u:{user.id}"
    return "n:" + (nfc(login or "") or "").strip().lower()[:254]


def attempt_for(login: str | None, user: User | None, address: str | None = None) -> Attempt:
    return Attempt(account_key(login, user), address or request.remote_addr or "-")


def _limits(name: str) -> str:
    return current_app.config[name]


def _known(attempt: Attempt) -> bool:
    # Once hit, "1 per 30 day" is used up: the address is known for that long.
    return not ratelimit.within(KNOWN_ADDRESS, "login-ok", attempt.account, attempt.address)


def allowed(attempt: Attempt) -> bool:
    """Whether this attempt may be checked at all (nothing is counted here)."""
    if not ratelimit.within(_limits("RATELIMIT_LOGIN_ADDRESS"), "login-fail-ip", attempt.address):
        return False
    if not ratelimit.within(
        _limits("RATELIMIT_LOGIN_ACCOUNT_ADDRESS"),
        "login-fail-acct-ip",
        attempt.account,
        attempt.address,
    ):
        return False
    if _known(attempt):
        return True
    return ratelimit.within(_limits("RATELIMIT_LOGIN_ACCOUNT"), "login-fail-acct", attempt.account)


def failed(attempt: Attempt) -> None:
    """Count a wrong name or password."""
    ratelimit.hit(_limits("RATELIMIT_LOGIN_ADDRESS"), "login-fail-ip", attempt.address)
    ratelimit.hit(
        _limits("RATELIMIT_LOGIN_ACCOUNT_ADDRESS"),
        "login-fail-acct-ip",
        attempt.account,
        attempt.address,
    )
    if not _known(attempt):
        ratelimit.hit(_limits("RATELIMIT_LOGIN_ACCOUNT"), "login-fail-acct", attempt.account)


def succeeded(attempt: Attempt) -> None:
    """Remember the address: the account's backstop no longer holds it."""
    if not _known(attempt):
        ratelimit.hit(KNOWN_ADDRESS, "login-ok", attempt.account, attempt.address)


class TooManyFailures(Exception):
    """Too many failed sign-ins for this account or address: the password is not checked."""


def authenticate(
    login: str | None, password: str | None, address: str | None = None
) -> User | None:
    """services.authenticate behind the failure limits; raises TooManyFailures when held."""
    attempt = attempt_for(login, services.find_by_login(login or ""), address)
    if not allowed(attempt):
        raise TooManyFailures
    user = services.authenticate(login or "", password or "")
    if user is None:
        failed(attempt)
    else:
        succeeded(attempt)
    return user
