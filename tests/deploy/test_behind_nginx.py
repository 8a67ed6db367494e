"""The app behind deploy/nginx/lms.conf with LMS_PROXY_HOPS=1, as docs/deploy.md sets it up
(ports, upstream and certificate replaced for the test): nginx redirects HTTP to HTTPS; the
app builds https:// links for the public host; and it sees each client's own address, so

- a client that forges X-Forwarded-For on every attempt is still counted as one address by
  the sign-in limit (PROXY_HOPS=2 would believe the forged value: no limit at all);
- another client, behind the same nginx, still signs in (PROXY_HOPS=0 would see nginx's
  address for everyone: one attacker locks the whole center out).

Clients connect from different loopback addresses (127.0.0.2, 127.0.0.3), as different
machines would. Needs Debian's nginx and openssl; skipped without them. ~10 s."""

import http.client
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.parse
from http.cookies import SimpleCookie

import pytest

from lms.extensions import db
from tests.deploy.cluster import form_fields
from tests.deploy.nginx import NGINX, SITE, nginx_config
from tests.factories import PASSWORD
from tests.faults.live import free_ports, gunicorn_servers

HOST = "lms.example.vn"

pytestmark = [
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)"),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed"),
]


class Visitor:
    """A browser on its own machine (source address), talking to nginx."""

    def __init__(self, source: str, port: int, context: ssl.SSLContext, scheme="https"):
        self.source, self.port, self.context, self.scheme = source, port, context, scheme
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None,
                headers: dict | None = None) -> tuple[int, dict, str]:
        if self.scheme == "https":
            connection = http.client.HTTPSConnection(
                "127.0.0.1", self.port, context=self.context, source_address=(self.source, 0),
                timeout=30,
            )
        else:
            connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, source_address=(self.source, 0), timeout=30
            )
        sent = {"Host": HOST, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", "replace")
            for header in answer.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return answer.status, dict(answer.headers), text
        finally:
            connection.close()

    def sign_in(self, login: str, password: str, headers: dict | None = None) -> int:
        _status, _headers, page = self.request("GET", "/login")
        form = form_fields(page, "/login", "/login") | {"login": login, "password": password}
        # A browser sends the page it came from (Referrer-Policy: same-origin); over HTTPS
        # Flask-WTF requires it to be this site.
        headers = {"Referer": f"https://{HOST}/login", **(headers or {})}
        return self.request("POST", "/login", form, headers)[0]


def _wait_for_port(port: int, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 20
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"nginx did not start: {log.read_text()[-2000:]}")
        time.sleep(0.05)


def test_behind_nginx_the_app_sees_https_and_each_clients_address(app, make, tmp_path):
    make.trainee(username="an")
    db.session.commit()
    # One worker: the sign-in counters of this test's setup are per process (no Redis here).
    with gunicorn_servers(app, tmp_path / "gunicorn.log", LMS_PROXY_HOPS="1",
                          LMS_RATELIMIT_LOGIN_ADDRESS="10 per minute",
                          LMS_WORKERS="1") as [server]:
        upstream = server.base.rsplit(":", 1)[1]
        plain, tls = free_ports(2)
        site = re.sub(r"^\s*listen \[::\].*\n", "", SITE.read_text(), flags=re.MULTILINE)
        site = site.replace("listen 80;", f"listen 127.0.0.1:{plain};")
        site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{tls} ssl")
        site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
        assert site.count(f"127.0.0.1:{upstream}") == 1  # the site's upstream was found
        folder = tmp_path / "nginx"
        folder.mkdir()
        conf = nginx_config(folder, site)
        log = folder / "nginx.log"
        nginx = subprocess.Popen(  # noqa: S603  (Debian's nginx, fixed arguments)
            [NGINX, "-p", str(folder), "-c", str(conf), "-e", str(log), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            _wait_for_port(tls, nginx, log)
            context = ssl.create_default_context(cafile=str(folder / "cert.pem"))
            context.check_hostname = False  # the certificate is for HOST, we dial 127.0.0.1
            _check(plain, tls, context)
        finally:
            nginx.send_signal(signal.SIGQUIT)  # graceful stop
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()


def _check(plain: int, tls: int, context: ssl.SSLContext) -> None:
    status, headers, _ = Visitor("127.0.0.4", plain, context, scheme="http").request(
        "GET", "/login?next=/my/classes"
    )
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/login?next=/my/classes"

    attacker = Visitor("127.0.0.2", tls, context)
    codes = [
        attacker.sign_in(f"guess-{n}", "wrong", headers={"X-Forwarded-For": f"127.0.9.{n}"})
        for n in range(11)
    ]  # RATELIMIT_LOGIN_ADDRESS (10 failures a minute here), whatever names it tries
    assert codes == [200] * 10 + [429], codes

    trainee = Visitor("127.0.0.3", tls, context)
    assert trainee.sign_in("an", PASSWORD) == 302
    status, _headers, page = trainee.request("GET", "/my/classes")
    assert status == 200
    assert f"https://{HOST}/calendar/" in page  # links for the public address, in https
