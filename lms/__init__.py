"""The application factory."""

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

from lms import config as default_config
from lms.core.i18n import select_locale
from lms.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(default_config)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("LMS")
    else:
        app.config.from_mapping(test_config)
    _finish_config(app)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    import lms.attendance.fastpath  # noqa: F401  (registers the lms-memory:// storage)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, timezone_selector=lambda: app.config["TIMEZONE"]
    )
    _init_login(app)

    from lms import models  # noqa: F401  (every table known to SQLAlchemy and Alembic)
    from lms.access import check_access
    from lms.auth.freshness import enforce_session_limits
    from lms.cli import register_cli
    from lms.errors import register_error_handlers
    from lms.reports import rollups
    from lms.web import register_web

    app.before_request(enforce_session_limits)
    app.before_request(check_access)
    register_error_handlers(app)
    register_web(app)
    register_cli(app)
    rollups.init_app(app)
    return app


def _finish_config(app: Flask) -> None:
    config = app.config
    production = config["ENV"] == "production"
    url = config.get("SQLALCHEMY_DATABASE_URI") or config["DATABASE_URL"]
    if not url:
        url = f"sqlite:///{Path(app.instance_path) / 'lms.sqlite3'}"
    config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        # Writers wait for each other instead of failing with "database is locked".
        config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    # PostgreSQL: no pool_pre_ping, which costs a round trip on every request; a connection
    # that sat idle is checked instead (_ping_if_idle).
    if config["REDIS_URL"]:
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]
    else:
        # Per-process counters (as memory:// would), without memory://'s timer thread.
        config.setdefault("RATELIMIT_STORAGE_URI", "lms-memory://")
    config["STORAGE_DIR"] = config["STORAGE_DIR"] or os.path.join(app.instance_path, "storage")

    if production:
        secret = config.get("SECRET_KEY") or ""
        if secret in ("", "dev", default_config.SECRET_KEY) or len(secret) < 32:
            raise ConfigError(
                "LMS_ENV=production needs a SECRET_KEY of 32+ random characters "
                "(instance/config.py or LMS_SECRET_KEY)"
            )
        public = (config.get("PUBLIC_BASE_URL") or "").strip()
        host = urlsplit(public).hostname if public else None
        if not host:
            raise ConfigError(
                "LMS_ENV=production needs PUBLIC_BASE_URL, the address people use "
                "(e.g. https://lms.example.vn; LMS_PUBLIC_BASE_URL): certificate QR codes and "
                "e-mailed links must not come from a request's Host header"
            )
        # Requests for any other host are refused (400), so the Host header cannot be forged.
        config["TRUSTED_HOSTS"] = config.get("TRUSTED_HOSTS") or [host]
        config.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME="__Host-session",
            REMEMBER_COOKIE_NAME="__Host-remember",
            PREFERRED_URL_SCHEME="https",
        )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, WAL so readers never block the writer, wait when busy."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


PING_AFTER_IDLE_SECONDS = 10


@event.listens_for(Pool, "connect")
@event.listens_for(Pool, "checkin")
def _note_idle(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    """A pooled server connection that sat idle may have been dropped (server restart, network):
    check it with one round trip and let the pool replace it if it is dead (DisconnectionError:
    the pool retries with a new one). A connection back from a request moments ago is not
    checked: pool_pre_ping checks every checkout, one more round trip on every request (the
    check-in has four or five)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        return  # a file, not a server
    if time.monotonic() - record.info.get("idle_since", 0.0) < PING_AFTER_IDLE_SECONDS:
        return
    autocommit = dbapi_connection.autocommit
    try:
        dbapi_connection.autocommit = True  # one round trip: no BEGIN, nothing to roll back
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.autocommit = autocommit
    except Exception as error:  # noqa: BLE001  (any failure: this connection is unusable)
        raise DisconnectionError(str(error)) from error


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from lms import models  # noqa: F401  (every mapper known: the loader's option needs Unit)
    from lms.auth.loading import load_user

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)

    @app.context_processor
    def _lang():
        return {"current_lang": select_locale()}
