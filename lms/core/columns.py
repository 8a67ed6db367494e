"""Column helpers used across models."""

from sqlalchemy import String

# Sort keys compare by code point: "C" collation on PostgreSQL; SQLite compares bytes already.
SortKey = String(400).with_variant(String(400, collation="C"), "postgresql")
