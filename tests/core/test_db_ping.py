"""PostgreSQL: a pooled connection that the server dropped while it sat idle is replaced before
a request uses it (no pool_pre_ping round trip on every request)."""

import pytest
from sqlalchemy import create_engine, text

import lms
from lms.extensions import db
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (LMS_TEST_DATABASE_URL)")


def backend_pid() -> int:
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar()


def drop_on_the_server(pid: int) -> None:
    other = create_engine(PG_URL)
    try:
        with other.connect() as connection:
            stop = text("SELECT pg_terminate_backend(:pid)")
            assert connection.execute(stop, {"pid": pid}).scalar()
    finally:
        other.dispose()


def test_a_connection_dropped_while_idle_is_replaced(app, monkeypatch):
    db.session.remove()
    pid = backend_pid()
    assert backend_pid() == pid  # the pool hands back the same connection
    drop_on_the_server(pid)
    monkeypatch.setattr(lms, "PING_AFTER_IDLE_SECONDS", 0)  # as if it sat idle for long
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    assert backend_pid() != pid


def test_a_connection_back_from_a_request_moments_ago_is_not_pinged(app, monkeypatch):
    db.session.remove()
    pid = backend_pid()
    drop_on_the_server(pid)
    # No ping within the idle delay: the dead connection is handed out as it is (the first use
    # fails and the pool is refreshed), which is what saves a round trip on every request.
    with pytest.raises(Exception, match="terminat|closed|connection"):  # noqa: PT011
        backend_pid()
    assert backend_pid() != pid
