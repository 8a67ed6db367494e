"""Count the SQL statements a block runs (for the bounded-query tests of big pages)."""

from contextlib import contextmanager

from sqlalchemy import event

from lms.extensions import db


@contextmanager
def count_queries(app):
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
