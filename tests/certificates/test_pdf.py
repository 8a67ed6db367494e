"""The certificate PDF: its text, its layout settings, nothing fetched, the stored bytes."""

import io
from datetime import date

from PIL import Image
from pypdf import PdfReader

from lms.certificates.render import ensure_pdf, file_name
from lms.certificates.services import issue_certificate
from lms.extensions import db

ISSUED = date(2019, 10, 25)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _issue(make, completed, **user):
    return issue_certificate(completed(**user), actor=make.director(), issued_on=ISSUED)


def test_the_pdf_reads_as_a_vietnamese_certificate(app, make, completed):
    cert = _issue(make, completed, full_name="Nguyễn Thị Ước", date_of_birth=date(1990, 5, 7))
    reader = PdfReader(io.BytesIO(cert.pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    text = _text(cert.pdf)
    for expected in (
        "GIẤY CHỨNG NHẬN",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "QUẬN ỦY HOÀNG MAI",
        "Nguyễn Thị Ước",
        "07/05/1990",
        "0001/2019/GCN",
        "Từ ngày 14/10/2019 đến ngày 18/10/2019",
        "Quận Hoàng Mai, ngày 25 tháng 10 năm 2019",
        "Bồi dưỡng lý luận chính trị cho đảng viên mới",
        "Nguyễn Thế Thạch",
        f"/verify/{cert.verification_code}",
    ):
        assert expected in text, expected
    fonts = {str(font["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert all("LMS-Serif" in name for name in fonts), fonts


def test_a_state_body_gets_the_national_motto(app, make, completed):
    make.settings(header_kind="state")
    text = _text(_issue(make, completed).pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "ĐẢNG CỘNG SẢN" not in text


def test_the_qr_code_holds_the_public_base_url_when_set(app, make, completed):
    app.config["PUBLIC_BASE_URL"] = "https://gcn.hoangmai.example"
    cert = _issue(make, completed)
    assert f"https://gcn.hoangmai.example/verify/{cert.verification_code}" in _text(cert.pdf)


def test_the_uploaded_signature_image_is_placed(app, make, completed):
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (200, 30, 30)).save(buffer, "PNG")
    make.settings(signature_png=buffer.getvalue())
    cert = _issue(make, completed)
    images = list(PdfReader(io.BytesIO(cert.pdf)).pages[0].images)
    assert len(images) == 1


def test_markup_in_names_fetches_and_embeds_nothing(app, make, completed):
    payload = (
        '<link rel=attachment href="file:///etc/passwd">'
        '<img src="http://127.0.0.1:9/x.png"><link rel=attachment href="http://127.0.0.1:9/a">'
    )
    enrollment = completed(full_name="Lê Văn Tám " + payload)
    enrollment.klass.title = "Lớp " + payload
    db.session.flush()
    cert = issue_certificate(enrollment, actor=make.director(), issued_on=ISSUED)
    assert b"root:x:0:0" not in cert.pdf
    assert b"/EmbeddedFile" not in cert.pdf
    assert b"/Image" not in cert.pdf  # no picture was fetched
    text = _text(cert.pdf)
    assert "Lê Văn Tám <link rel=attachment" in text  # shown as text, escaped


def test_a_certificate_stored_without_pdf_is_rendered_from_its_frozen_fields(app, make, completed):
    enrollment = completed(full_name="Phạm Thị Hằng")
    cert = issue_certificate(enrollment, actor=make.director(), issued_on=ISSUED)
    cert.pdf = None
    enrollment.user.full_name = "Tên Mới"
    db.session.commit()
    pdf = ensure_pdf(cert)
    assert "Phạm Thị Hằng" in _text(pdf)
    assert "Tên Mới" not in _text(pdf)
    db.session.commit()
    db.session.expire_all()
    assert cert.pdf == pdf  # stored: the next download gives the same bytes


def test_file_names_are_ascii_register_number_and_name(app, make, completed):
    cert = _issue(make, completed, full_name="Nguyễn Văn Á")
    assert file_name(cert) == "0001-2019-GCN_Nguyen-Van-A.pdf"


def test_harfbuzz_subsetting_is_in_use():
    """Without libharfbuzz-subset0 WeasyPrint falls back to fontTools: ~10x slower pages."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    assert harfbuzz_subset is not None
    assert harfbuzz.hb_version_atleast(4, 1, 0)
