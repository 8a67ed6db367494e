"""Fixtures: an app on a fresh database per test (SQLite file, or PostgreSQL when
LMS_TEST_DATABASE_URL is set), a client, and factories that return callables."""

import os
import re
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from lms import create_app
from lms.extensions import db, limiter
from tests.factories import Factories

PG_URL = os.environ.get("LMS_TEST_DATABASE_URL", "")

# Hypothesis profiles, for the property tests that leave max_examples to them (the rollups and
# counters, tests/reports/test_rollups.py): "dev" keeps `make test` fast; "ci" runs many more
# examples. HYPOTHESIS_PROFILE picks one; a CI machine (CI set) gets "ci" by default.
settings.register_profile("dev", max_examples=60)
settings.register_profile("ci", max_examples=400, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)
_pg_ready = False


def database_url(tmp_path: Path) -> str:
    return PG_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}"


class Client(FlaskClient):
    """Each request runs in its own app context, as in production: its own `g` (signed-in
    user, locale) and its own database session, not the test's."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # Werkzeug puts a large upload's body in a temporary file and closes it only with a
        # followed redirect; otherwise the garbage collector does, with a ResourceWarning that
        # fails whichever test is running then. The view has run: close it now.
        response.request.environ["wsgi.input"].close()
        return response


def make_app(tmp_path: Path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "DATABASE_URL": database_url(tmp_path),
        "STORAGE_DIR": str(tmp_path / "storage"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = Client
    return app


def _prepare_schema() -> None:
    global _pg_ready
    if PG_URL:
        if not _pg_ready:
            # The whole schema, not only the tables this branch knows: a database left by a
            # run of another branch may hold tables whose foreign keys stop drop_all().
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            db.create_all()
            _pg_ready = True
    else:
        db.create_all()


def _empty_tables() -> None:
    if PG_URL:
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        # A browser test's last request may still be running in the stopped live server's
        # thread: the TRUNCATE can then lose a deadlock to it (PostgreSQL aborts one of the
        # two). That request ends soon after; try again.
        for attempt in range(5):
            try:
                with db.engine.begin() as connection:
                    connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                return
            except OperationalError as error:
                if attempt == 4 or getattr(error.orig, "sqlstate", None) != "40P01":
                    raise
                time.sleep(0.5)


@pytest.fixture
def app_config():
    """Override to change the configuration of one test module."""
    return {}


@pytest.fixture
def app(tmp_path, app_config):
    app = make_app(tmp_path, **app_config)
    with app.app_context():
        _prepare_schema()
        if app.config["RATELIMIT_ENABLED"]:
            limiter.reset()
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app):
    """make.user(...), make.unit(...): build rows with sensible defaults."""
    return Factories()


@pytest.fixture
def login(client):
    """login(user, password='secret-pass'): sign the test client in."""

    def sign_in(user, password="secret-pass"):
        db.session.commit()  # the request runs in its own session: it must see the user
        data = {"login": user.username, "password": password}
        if client.application.config["WTF_CSRF_ENABLED"]:
            data["csrf_token"] = csrf_token(client.get("/login").text)
        response = client.post("/login", data=data)
        assert response.status_code == 302, response.text[:500]
        return response

    return sign_in


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)
