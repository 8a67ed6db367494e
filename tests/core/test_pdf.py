"""The PDF renderer embeds our font and fetches nothing outside static/."""

import io

from pypdf import PdfReader

from lms.core.pdf import html_to_pdf


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_vietnamese_text_survives_with_the_embedded_font(app):
    pdf = html_to_pdf("<p>Nguyễn Thị Ước — ĐẢNG CỘNG SẢN VIỆT NAM</p>")
    assert "Nguyễn Thị Ước" in _text(pdf)
    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("LMS-Serif" in name for name in fonts), fonts  # our @font-face


def test_local_files_and_remote_urls_are_not_fetched(app, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    html = (
        f'<link rel="attachment" href="file://{secret}">'
        '<link rel="attachment" href="file:///etc/passwd">'
        '<img src="http://127.0.0.1:9/x.png"><img src="../../../../etc/passwd">'
        "<img src=\"data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>\">"
        "<p>ok</p>"
    )
    pdf = html_to_pdf(html)
    assert b"TOP-SECRET-CONTENT" not in pdf
    assert b"root:x:0:0" not in pdf
    assert b"/EmbeddedFile" not in pdf
    assert "ok" in _text(pdf)
