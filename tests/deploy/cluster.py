"""Several instances of the app as deployed (docs/deploy.md): gunicorn servers on one
PostgreSQL database and one Redis, an RQ worker, and browsers that reach them as through the
load balancer (one site: the same cookies for every instance; each browser its own client
address, in X-Forwarded-For as nginx sets it)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

from tests.faults.live import ROOT, NoRedirect

USER_AGENT = "lms-cluster-tests"


@dataclass
class Page:
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class _Forms(HTMLParser):
    """The fields a browser would submit with each form of a page, by the form's action: hidden
    inputs and checked radios (what the page itself holds)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append((attributes.get("action") or "", {}))
        elif tag == "input" and self.forms and attributes.get("name"):
            kind = (attributes.get("type") or "text").lower()
            if kind == "hidden" or (kind == "radio" and "checked" in attributes):
                self.forms[-1][1][attributes["name"]] = attributes.get("value") or ""


def form_fields(html: str, action: str, page_path: str = "/") -> dict[str, str]:
    """The hidden fields (CSRF token included) of the page's form that posts to `action` (a
    form without an action posts to its own page)."""
    parser = _Forms()
    parser.feed(html)
    for form_action, fields in parser.forms:
        target = urllib.parse.urljoin(page_path, form_action)
        if urllib.parse.urlsplit(target).path == action:
            return dict(fields)
    raise AssertionError(f"no form posting to {action} on the page")


class Browser:
    """One person's browser: cookies kept across instances, its own client address."""

    def __init__(self, address: str):
        self.address = address
        self.cookies: dict[str, str] = {}

    def request(self, base: str, method: str, path: str, form: dict | None = None,
                timeout: float = 60) -> Page:
        headers = {"User-Agent": USER_AGENT, "X-Forwarded-For": self.address}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(  # noqa: S310  (http://127.0.0.1 only)
            base + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.build_opener(NoRedirect).open(request, timeout=timeout) as answer:
                page = Page(answer.status, answer.read(), dict(answer.headers))
                cookies = answer.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as error:
            page = Page(error.code, error.read(), dict(error.headers))
            cookies = error.headers.get_all("Set-Cookie") or []
        for header in cookies:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return page

    def get(self, base: str, path: str) -> Page:
        return self.request(base, "GET", path)

    def form(self, base: str, page_path: str, action: str) -> dict[str, str]:
        """Open the page and read its form for `action` (hidden fields, CSRF token)."""
        page = self.get(base, page_path)
        assert page.status == 200, (page_path, page.status)
        return form_fields(page.text, action, page_path)

    def submit(self, base: str, page_path: str, action: str, fields: dict | None = None,
               *, post_to: str | None = None) -> Page:
        """Open the page, fill in its form for `action` and post it (to `post_to`, another
        instance behind the same site, if given): the CSRF token comes from the page."""
        form = self.form(base, page_path, action) | (fields or {})
        return self.request(post_to or base, "POST", action, form)

    def sign_in(self, base: str, username: str, password: str) -> Page:
        return self.submit(base, "/login", "/login", {"login": username, "password": password})


@contextmanager
def rq_worker(env: dict, redis_url: str, log: Path, name: str):
    """`rq worker lms` as the systemd unit runs it (deploy/lms-worker.service), until the
    block ends (SIGTERM: a warm shutdown)."""
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603  (our own virtualenv)
            [str(ROOT / ".venv/bin/rq"), "worker", "lms", "--url", redis_url, "--name", name],
            cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "Listening on" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"rq worker did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
