"""Column helpers used across models."""

from collections.abc import Iterable

from sqlalchemy import String

# Sort keys compare by code point: "C" collation on PostgreSQL; SQLite compares bytes already.
SortKey = String(400).with_variant(String(400, collation="C"), "postgresql")


def sql_list(values: Iterable[str]) -> str:
    """"'a', 'b'": the values as SQL string literals (our own constants, never input)."""
    quoted = []
    for value in values:
        if not value.replace("_", "").isalnum():  # a constant, not text: refuse anything odd
            raise ValueError(f"not a stored enum value: {value!r}")
        quoted.append(f"'{value}'")
    return ", ".join(quoted)


def in_list(column: str, values: Iterable[str]) -> str:
    """The CHECK of a stored enum value, built from the tuple the code uses:
    CheckConstraint(in_list("status", STATUSES), name="status")."""
    return f"{column} IN ({sql_list(values)})"
