"""The certificate PDF: frozen fields + center settings → plain values → one WeasyPrint document.

The same functions render a certificate at issue, on the first download of a certificate stored
without its PDF, and a whole class as one document (one page per certificate).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import segno
from flask import current_app, has_request_context, render_template, url_for
from markupsafe import Markup

from lms.certificates.models import Certificate
from lms.core.formatting import fmt_date, long_date
from lms.core.pdf import asset_url, html_to_pdf
from lms.extensions import db

STYLESHEETS = ("pdf.css", "certificate.css")
DEFAULT_REGISTER_FORMAT = "{seq:04d}/{year}/GCN"


@dataclass(frozen=True)
class CenterInfo:
    """What the certificate needs from the center settings (plain values)."""

    parent_body: str = ""
    center_name: str = ""
    header_kind: str = "party"
    place: str = ""
    signer_title: str = ""
    signer_name: str = ""
    register_format: str = DEFAULT_REGISTER_FORMAT
    signature_png: bytes | None = None


def center_info() -> CenterInfo:
    """The center settings as plain values: the one place certificates read settings."""
    from lms.core.settings import get_settings

    row = get_settings()
    return CenterInfo(
        parent_body=row.parent_body or "",
        center_name=row.center_name or "",
        header_kind=row.header_kind or "party",
        place=row.place or "",
        signer_title=row.signer_title or "",
        signer_name=row.signer_name or "",
        register_format=row.register_format or DEFAULT_REGISTER_FORMAT,
        signature_png=row.signature_png or None,
    )


def verify_url(code: str, base_url: str | None = None) -> str:
    """The absolute URL of the public verification page (what the QR code holds).

    PUBLIC_BASE_URL wins (the address people outside reach); then the current request's host;
    background jobs pass the base URL of the request that started them.
    """
    public = current_app.config.get("PUBLIC_BASE_URL") or base_url
    if not public and has_request_context():
        return url_for("certificates.verify", code=code, _external=True)
    return f"{(public or 'http://localhost').rstrip('/')}/verify/{code}"


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code (medium error correction; no size: the CSS sets it)."""
    svg = segno.make(url, error="m").svg_inline(omitsize=True, border=0, dark="#000")
    return Markup(svg)  # noqa: S704  (segno's own SVG, the URL is encoded as modules, not text)


def page_values(cert: Certificate, center: CenterInfo, base_url: str | None) -> dict:
    """Plain values for one certificate page."""
    url = verify_url(cert.verification_code, base_url)
    return {
        "full_name": cert.full_name,
        "date_of_birth": fmt_date(cert.date_of_birth) if cert.date_of_birth else "",
        "unit_name": cert.unit_name,
        "program_name": cert.program_name,
        "class_title": cert.class_title,
        "class_code": cert.class_code,
        "start_date": fmt_date(cert.start_date),
        "end_date": fmt_date(cert.end_date),
        "result": cert.result,
        "signer_title": cert.signer_title,
        "signer_name": cert.signer_name,
        "place_date": place_date_line(cert.place, cert.issued_on),
        "register_number": cert.register_number,
        "verify_url": url,
        "qr": qr_svg(url),
    }


def place_date_line(place: str, issued_on: date) -> str:
    """ "Quận Hoàng Mai, ngày 25 tháng 10 năm 2019" (the place may be empty)."""
    line = long_date(issued_on)
    return f"{place}, {line}" if place else line[:1].upper() + line[1:]


def render_certificates(certs: Sequence[Certificate], *, base_url: str | None = None) -> bytes:
    """One PDF document with one A4 landscape page per certificate."""
    center = center_info()
    assets = {}
    if center.signature_png:
        assets["signature"] = (center.signature_png, "image/png")
    html = render_template(
        "certificates/certificate.html",
        pages=[page_values(cert, center, base_url) for cert in certs],
        parent_body=center.parent_body,
        center_name=center.center_name,
        header_kind=center.header_kind,
        signature_url=asset_url("signature") if assets else None,
    )
    return html_to_pdf(html, stylesheets=STYLESHEETS, assets=assets)


def render_certificate(cert: Certificate, *, base_url: str | None = None) -> bytes:
    return render_certificates([cert], base_url=base_url)


def ensure_pdf(cert: Certificate, *, base_url: str | None = None) -> bytes:
    """The stored PDF; rendered from the frozen fields and stored the first time it is asked
    for (the demo loader creates certificates in bulk without their PDFs)."""
    if cert.pdf is None:
        cert.pdf = render_certificate(cert, base_url=base_url)
        db.session.flush()
    return cert.pdf


def ascii_slug(text: str) -> str:
    """ "Nguyễn Văn Á" → "Nguyen-Van-A": file names that every ZIP tool and OS accepts."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = ["".join(ch for ch in word if ch.isascii() and ch.isalnum()) for word in plain.split()]
    return "-".join(w for w in words if w)[:80] or "x"


def file_name(cert: Certificate) -> str:
    """ "0123-2019-GCN_Nguyen-Van-A.pdf" """
    number = ascii_slug(cert.register_number.replace("/", " "))
    return f"{number}_{ascii_slug(cert.full_name)}.pdf"
