"""The admin blueprint, shared by the users, units, import and settings view modules."""

from flask import Blueprint

from lms.errors import DomainError

bp = Blueprint("admin", __name__, url_prefix="/admin")


def show_error(form, error: DomainError, aliases: dict[str, str] | None = None) -> bool:
    """Put a DomainError's message beside its field; False when it names no field of the form."""
    name = (aliases or {}).get(error.field, error.field)
    field = form._fields.get(name) if name else None
    if field is None:
        return False
    field.errors = [*field.errors, error.message]
    return True
