"""deploy/nginx/lms.conf under test: Debian's nginx, a main configuration of our own that
includes the site, a self-signed certificate in place of the real one."""

import shutil
import subprocess
from pathlib import Path

from tests.faults.helpers import ROOT

DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "lms.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603  (fixed arguments)
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",  # noqa: S607
         "-subj", "/CN=lms.example.vn", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def nginx_config(folder: Path, site: str) -> Path:
    """A main nginx.conf that includes `site` (certificates replaced by a self-signed pair),
    with every path of its own under `folder`."""
    cert, key = self_signed(folder)
    site = site.replace("/etc/letsencrypt/live/lms.example.vn/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/lms.example.vn/privkey.pem", str(key))
    (folder / "site.conf").write_text(site)
    temp = folder / "temp"
    temp.mkdir()
    (folder / "nginx.conf").write_text(f"""
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {folder}/site.conf;
}}
""")
    return folder / "nginx.conf"
