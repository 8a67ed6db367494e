"""The real server for the live fault tests: gunicorn (gunicorn.conf.py, 2 sync workers) on
127.0.0.1, on the test's own database, and signed-in clients forged with the app's secret (as
scripts/bench_checkin.py does: no sign-in requests, no password hashing, no login rate limit).
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask_login.utils import _create_identifier
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(8540, 8560)  # this branch's ports on the shared machine
USER_AGENT = "lms-fault-tests"


def free_ports(count: int = 1) -> list[int]:
    """`count` distinct free ports of this range (held together while probing, so two servers
    started at once never pick the same one)."""
    probes, ports = [], []
    try:
        for port in PORTS:
            probe = socket.socket()
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                probe.close()
                continue
            probes.append(probe)
            ports.append(port)
            if len(ports) == count:
                return ports
    finally:
        for probe in probes:
            probe.close()
    raise RuntimeError(f"not {count} free ports in 8540-8559")


def free_port() -> int:
    return free_ports(1)[0]


def server_env(app, **extra) -> dict:
    """The environment that makes `wsgi:app` (and `flask --app wsgi`) use the test's database."""
    return {
        **os.environ,
        "LMS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "LMS_SECRET_KEY": app.config["SECRET_KEY"],
        "LMS_STORAGE_DIR": app.config["STORAGE_DIR"],
        **extra,
    }


@dataclass
class Server:
    """One running gunicorn (master and workers, in a process group of their own)."""

    base: str
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as a power cut or the OOM killer
        would: no request finishes, nothing is cleaned up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _wait_until_serving(server: Server, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(f"{server.base}/login", timeout=5):  # noqa: S310
                return
        except (OSError, urllib.error.URLError):
            if server.process.poll() is not None or time.monotonic() > deadline:
                tail = server.log.read_text()[-2000:]
                raise RuntimeError(f"gunicorn did not start: {tail}") from None
            time.sleep(0.2)


@contextmanager
def gunicorn_servers(app, log: Path, count: int = 1, **extra_env):
    """`count` production servers (gunicorn.conf.py) of the app's database, started together,
    each with its own log (log, or log-1, log-2...); `extra_env` is added to their environment
    (LMS_* settings). Yields the list of Servers; stops the ones still running at the end."""
    servers = []
    try:
        for n, port in enumerate(free_ports(count), start=1):
            path = log if count == 1 else log.with_name(f"{log.stem}-{n}{log.suffix}")
            env = server_env(app, LMS_BIND=f"127.0.0.1:{port}", **extra_env)
            with path.open("ab") as out:
                process = subprocess.Popen(  # noqa: S603  (our own virtualenv)
                    [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
                     "--chdir", str(ROOT), "wsgi:app"],
                    env=env, stdout=out, stderr=out, start_new_session=True,
                )
            servers.append(Server(f"http://127.0.0.1:{port}", process, path))
        deadline = time.monotonic() + 60
        for server in servers:
            _wait_until_serving(server, deadline)
        yield servers
    finally:
        for server in servers:
            server.stop()


@contextmanager
def gunicorn(app, log: Path):
    """Serve the app's database with the production server; yields the base URL."""
    with gunicorn_servers(app, log) as [server]:
        yield server.base


def drop_database_later(server, name: str) -> None:
    """DROP DATABASE `name` (FORCE) through the engine `server`, in a thread: it waits for a
    checkpoint of the whole PostgreSQL server (seen taking 10-20 s on a busy machine), which the
    next tests need not wait for. Python joins the thread before it exits; a failure is printed
    (a leftover database fails no test)."""

    def drop() -> None:
        try:
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            server.dispose()
        except Exception as error:  # noqa: BLE001
            print(f"could not drop database {name}: {error}", file=sys.stderr)

    threading.Thread(target=drop, name=f"drop-{name}").start()


@dataclass
class Client:
    """A signed-in person: the session cookie and the CSRF token a browser would hold."""

    base: str
    cookie: str
    csrf: str

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        data = None
        headers = {"Cookie": self.cookie, "User-Agent": USER_AGENT}
        if form is not None:
            data = urllib.parse.urlencode({**form, "csrf_token": self.csrf}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(  # noqa: S310  (http://127.0.0.1 only)
            self.base + path, data=data, method=method, headers=headers
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 after a save is the answer itself


def forge_clients(app, base: str, users) -> list[Client]:
    """Signed-in clients for these users (each must have a session_token)."""
    signer = app.session_interface.get_signing_serializer(app)
    csrf_signer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
    with app.test_request_context(
        environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"User-Agent": USER_AGENT}
    ):
        ident = _create_identifier()
    name = app.config["SESSION_COOKIE_NAME"]
    now = int(time.time())
    clients = []
    for user in users:
        raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324  (as Flask-WTF does)
        cookie = signer.dumps({
            "_user_id": user.session_token, "_fresh": True, "_id": ident, "csrf_token": raw,
            "auth_at": now, "seen_at": now, "_permanent": True,
        })
        clients.append(Client(base, f"{name}={cookie}", csrf_signer.dumps(raw)))
    return clients
