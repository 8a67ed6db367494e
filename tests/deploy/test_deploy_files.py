"""The files in deploy/ are valid for the tools that read them, and agree with the app:
`nginx -t` on a test configuration that includes deploy/nginx/lms.conf, `systemd-analyze
verify` on deploy/systemd/* (with /opt/lms pointing at this checkout, so every command they run
must exist in it), and every LMS_ variable of deploy/lms.env.example read by the app or
gunicorn.conf.py. nginx and systemd-analyze come from Debian's packages `nginx` and `systemd`
(scripts/system-deps.sh test installs them as root); the tests that need one skip without it.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lms import config as default_config
from lms.web import HSTS
from tests.deploy.nginx import DEPLOY, NGINX, SITE, nginx_config
from tests.faults.helpers import ROOT

UNITS = sorted((DEPLOY / "systemd").iterdir())


def env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "lms.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip().strip("'")
    return values


def nginx_check(conf: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603  (Debian's nginx, fixed arguments)
        [NGINX, "-t", "-p", str(conf.parent), "-c", str(conf), "-e", str(conf.parent / "e.log")],
        capture_output=True, text=True, check=False,
    )


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_nginx_accepts_the_site(tmp_path):
    result = nginx_check(nginx_config(tmp_path, SITE.read_text()))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines()
                if "[warn]" in line and "http2" not in line]  # newer nginx: `http2 on;`
    assert warnings == []
    # ...and a broken copy is refused, so the check can fail.
    (tmp_path / "broken").mkdir()
    broken = SITE.read_text().replace("proxy_pass", "proxy_passs")
    assert nginx_check(nginx_config(tmp_path / "broken", broken)).returncode != 0


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed (apt-get install systemd)")
def test_systemd_units_verify(tmp_path):
    units = []
    for unit in UNITS:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/lms", str(ROOT)))
        units.append(str(copy))
    result = subprocess.run(  # noqa: S603  (Debian's systemd-analyze, fixed arguments)
        ["systemd-analyze", "verify", "--man=no", "--generators=no", *units],  # noqa: S607
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )
    # verify only warns about an unknown value ("ignoring"): any output is a failure.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    names = {unit.name for unit in UNITS}
    assert {"lms.service", "lms-worker.service", "lms-backup.timer"} <= names
    for timer in (u for u in UNITS if u.suffix == ".timer"):
        assert timer.with_suffix(".service").name in names


def _settings_read_by_the_code() -> set[str]:
    from flask import Flask

    names = {name for name in dir(default_config) if name.isupper()}
    names |= set(Flask(__name__).config)  # Flask's own (TRUSTED_HOSTS, ...)
    pattern = re.compile(r"""config(?:\.get\(|\[)\s*["']([A-Z_]+)["']""")
    for path in (ROOT / "lms").rglob("*.py"):
        names |= set(pattern.findall(path.read_text(encoding="utf-8")))
    gunicorn_conf = (ROOT / "gunicorn.conf.py").read_text()
    names |= set(re.findall(r"""environ\.get\(\s*["']LMS_([A-Z_]+)["']""", gunicorn_conf))
    return names


def test_every_setting_of_the_env_example_is_read_by_the_app():
    values = env_example()
    known = _settings_read_by_the_code()
    unknown = [name for name in values
               if name.startswith("LMS_") and name.removeprefix("LMS_") not in known]
    assert unknown == []
    assert values["LMS_ENV"] == "production"
    assert values["LMS_SECRET_KEY"] == ""  # no usable placeholder: the app refuses to start
    for unit in UNITS:
        if unit.suffix == ".service":
            assert "EnvironmentFile=/etc/lms/lms.env" in unit.read_text(), unit.name


def test_nginx_sets_what_proxy_hops_1_makes_the_app_trust():
    """ProxyFix with PROXY_HOPS=1 reads X-Forwarded-For, -Proto and -Host one hop back:
    nginx must set all three (the client's address appended, scheme and host overwritten);
    and its limits must let the app's own answers through."""
    site = SITE.read_text()
    assert env_example()["LMS_PROXY_HOPS"] == "1"
    headers = dict(re.findall(r"proxy_set_header\s+(\S+)\s+([^;]+);", site))
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-Host"] == "$host"
    body = re.search(r"client_max_body_size\s+(\d+)m;", site)
    assert int(body.group(1)) * 1024 * 1024 > default_config.MAX_CONTENT_LENGTH
    read = re.search(r"proxy_read_timeout\s+(\d+)s;", site)
    gunicorn_timeout = re.search(r"^timeout = (\d+)", (ROOT / "gunicorn.conf.py").read_text(),
                                 re.MULTILINE)
    assert int(read.group(1)) > int(gunicorn_timeout.group(1))
    assert "Strict-Transport-Security" not in site  # the app sends it (production), once
    assert HSTS[0] == "Strict-Transport-Security"
