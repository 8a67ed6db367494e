"""Reports read many statements; each must see the database at the same moment.

PostgreSQL's default (READ COMMITTED) and SQLite's driver (no transaction until the first write)
give every statement its own, newer view: a roster saved between two of a report's queries
made them disagree (a class "held" in one and not the other, found by the soak test as an
IndexError in the report). read_from_one_snapshot() makes the rest of the transaction read
from one snapshot: REPEATABLE READ on PostgreSQL, an explicit BEGIN on SQLite (WAL keeps the
snapshot while others write). A transaction that has already written is left alone: it reads
its own consistent state and must not be rolled back.
"""

from __future__ import annotations

from sqlalchemy import text

from lms.extensions import db


def read_from_one_snapshot() -> None:
    """From here to the end of the transaction, every read sees one moment of the database."""
    session = db.session()  # this request's Session (db.session is its registry)
    if session.new or session.dirty or session.deleted:
        return
    if session.info.get("snapshot_of") is session.get_transaction() is not None:
        return  # this transaction reads from one snapshot already
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        if session.in_transaction():
            if session.scalar(text("SELECT txid_current_if_assigned()")) is not None:
                return  # it has written: keep it
            session.rollback()  # it only read: start again, as REPEATABLE READ
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    elif dialect == "sqlite":
        driver = session.connection().connection.driver_connection
        if driver.in_transaction:
            return  # it has written (the driver begins at the first write): keep it
        session.execute(text("BEGIN"))
    session.info["snapshot_of"] = session.get_transaction()
