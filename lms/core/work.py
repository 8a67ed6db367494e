"""One unit of work per request (and per CLI command): commit once, or roll back and say why.

Views read as: load, validate the form, call one service inside `saving()`, then redirect on
success or render the form again (with what the user typed) on a refusal:

    with saving(form) as done:
        services.create_program(data, actor=current_user)
    if done:
        flash(_("Program saved."), "success")
        return redirect(...)
    return render_template(..., form=form)

A DomainError inside the block rolls back, is shown to the user (beside its field when the form
has one by that name, otherwise as a flashed message) and is kept on `done.error`; any other
error rolls back and propagates to the error handlers. The hot paths that may collide under
concurrency (enrolment, certificate numbers, check-in) use `attempt(work)`, which runs the work
again on a serialization failure, a deadlock or a locked SQLite database (lms.core.retry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import click
from flask import flash

from lms.core.retry import run_with_retries
from lms.errors import DomainError
from lms.extensions import db

T = TypeVar("T")


@dataclass
class Done(Generic[T]):
    """What became of a unit of work: true when it was committed."""

    ok: bool = False
    result: T | None = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.ok


def show_error(error: DomainError, form: Any = None, aliases: dict[str, str] | None = None) -> None:
    """Beside the form field the error names (through `aliases` when the service's name for it
    differs from the form's), otherwise as a flashed message."""
    name = (aliases or {}).get(error.field, error.field) if error.field else None
    field = form._fields.get(name) if form is not None and name else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(str(error.message), "error")


@contextmanager
def saving(
    form: Any = None, *, aliases: dict[str, str] | None = None, quiet: bool = False
) -> Iterator[Done]:
    """Commit the block's work; on a DomainError roll back and show it (see the module).
    `quiet`: not flashed (a JSON answer carries `done.error` itself)."""
    done: Done = Done()
    try:
        yield done
    except DomainError as error:
        db.session.rollback()
        done.error = error
        if not quiet:
            show_error(error, form, aliases)
        return
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    done.ok = True


def attempt(
    work: Callable[[], T],
    form: Any = None,
    *,
    attempts: int = 3,
    aliases: dict[str, str] | None = None,
) -> Done[T]:
    """Run work() and commit, again after a collision (at most `attempts` times; then the
    "busy, try again" refusal); a DomainError is rolled back and shown as in `saving()`.
    work() must re-read what it needs: after a rollback the session's objects are expired."""
    try:
        result = run_with_retries(work, attempts=attempts)
    except DomainError as error:  # run_with_retries has rolled back
        show_error(error, form, aliases)
        return Done(error=error)
    return Done(ok=True, result=result)


@contextmanager
def cli_work() -> Iterator[None]:
    """The CLI's unit of work: commit, or roll back and end the command with the refusal."""
    try:
        yield
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
