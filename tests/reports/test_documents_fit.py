"""Every PDF fits its A4 page and reads in its language: the annual report, the sign-in sheet
and the certificate, in Vietnamese and English. The layout WeasyPrint computes is read back
(no table wider than the page, no text outside the page or out of its table cell), and the
numbers are written as the document's language writes them (16.837 / 16,837; 98,2% / 98.2%).
"""

import io
from contextlib import contextmanager
from datetime import date

import pytest
from flask import session
from pypdf import PdfReader

import lms.certificates.render
import lms.core.pdf
from lms.reports.exports import report_pdf
from lms.reports.report import Row, YearReport

TOLERANCE = 0.5  # CSS px


@pytest.fixture
def documents(monkeypatch):
    """Every HTML document rendered to PDF meanwhile: [(html, stylesheets, assets)]."""
    seen = []
    original = lms.core.pdf.html_to_pdf

    def capture(html, *, stylesheets=("pdf.css",), assets=None):
        seen.append((html, stylesheets, assets))
        return original(html, stylesheets=stylesheets, assets=assets)

    monkeypatch.setattr(lms.core.pdf, "html_to_pdf", capture)
    monkeypatch.setattr(lms.certificates.render, "html_to_pdf", capture)
    return seen


@contextmanager
def language(app, lang):
    with app.test_request_context():
        session["lang"] = lang
        yield


def overflows(html: str, stylesheets, assets) -> list[str]:
    """What sticks out of the page as laid out: tables wider than the page's content area,
    text beyond it, text beyond its table cell."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    document = HTML(
        string=html, base_url=lms.core.pdf.BASE_URL, url_fetcher=lms.core.pdf.fetcher(assets)
    ).render(
        stylesheets=[lms.core.pdf.stylesheet(name) for name in stylesheets],
        font_config=lms.core.pdf._shared(),
    )
    problems = []
    for number, page in enumerate(document.pages, start=1):
        area = page._page_box
        right = area.content_box_x() + area.width + TOLERANCE

        def walk(box, cell, number=number, right=right):
            if isinstance(box, boxes.TableBox) and box.position_x + box.margin_width() > right:
                problems.append(f"page {number}: a table {box.margin_width():.0f} px wide")
            if isinstance(box, boxes.TextBox):
                end = box.position_x + box.width
                if end > right:
                    problems.append(f"page {number}: {box.text!r} beyond the page")
                elif cell is not None and end > cell.content_box_x() + cell.width + TOLERANCE:
                    problems.append(f"page {number}: {box.text!r} beyond its cell")
            if isinstance(box, boxes.TableCellBox):
                cell = box
            for child in getattr(box, "children", ()):
                walk(child, cell)

        walk(area, None)
    return problems


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _article_year() -> YearReport:
    """The article's year, with the longest names a program and a unit may have."""
    long_program = "Bồi dưỡng lý luận chính trị và nghiệp vụ công tác đảng cho đảng viên mới"
    programs = [
        Row(1, long_program, "BDDV", planned_classes=10, held_classes=12, planned_attendances=1_200,
            trainee_attendances=1_279, unique_trainees=1_250, enrolled=1_300, completions=1_201,
            certificates=1_198),
        Row(2, "Hội nghị quán triệt nghị quyết, chỉ thị của Trung ương", "HNQT",
            planned_classes=45, held_classes=51, planned_attendances=13_190,
            trainee_attendances=15_558, unique_trainees=9_876, enrolled=15_843, completions=0,
            certificates=0),
    ]
    total = Row(None, "TOTAL", "TOTAL", planned_classes=55, held_classes=63,
                planned_attendances=14_390, trainee_attendances=16_837, unique_trainees=10_431,
                enrolled=17_143, completions=1_201, certificates=1_198)
    quarters = [Row(q, f"Quý {q}", planned_classes=14, held_classes=16, planned_attendances=3_600,
                    trainee_attendances=4_209, unique_trainees=3_000, enrolled=4_300)
                for q in range(1, 5)]
    months = [Row(m, str(m), trainee_attendances=1_403 * (m % 3)) for m in range(1, 13)]
    units = [Row(7, "Chi bộ khu dân cư số 5 thuộc Đảng bộ phường Tân Mai quận Hoàng Mai", "CB5",
                 held_classes=63, trainee_attendances=16_837, unique_trainees=10_431,
                 enrolled=17_143, completions=1_201, certificates=1_198)]
    conferences = Row(None, "", held_classes=51, trainee_attendances=15_558, enrolled=15_843)
    return YearReport(2019, None, programs=programs, quarters=quarters, months=months,
                      units=units, total=total, conferences=conferences)


@pytest.mark.parametrize(
    ("lang", "big", "share"), [("vi", "16.837", "98,2%"), ("en", "16,837", "98.2%")]
)
def test_the_annual_report_fits_a4_in_both_languages(app, make, documents, lang, big, share):
    make.settings()
    with language(app, lang):
        pdf = report_pdf(_article_year(), None, today=date(2020, 1, 10))
        (html, sheets, assets), = documents
        assert overflows(html, sheets, assets) == []
    text = _text(pdf)
    assert big in text
    assert share in text  # the conference line, by the same rule as the table
    if lang == "en":
        assert "10 January 2020" in text  # the date line reads as English
        assert "ngày 10 tháng" not in text
        assert "15.558" not in text  # no Vietnamese number in the English document
    else:
        assert "ngày 10 tháng 01 năm 2020" in text
        assert "15,558" not in text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_sign_in_sheet_and_the_certificate_fit_a4(app, client, login, make, documents, lang):
    from lms.certificates.render import render_certificate
    from lms.certificates.services import issue_certificate

    make.settings()
    director = make.director()
    unit = make.unit(name="Chi bộ khu dân cư số 5 thuộc Đảng bộ phường Tân Mai quận Hoàng Mai "
                          "thành phố Hà Nội")
    program = make.program(name="Bồi dưỡng lý luận chính trị và nghiệp vụ công tác đảng cho "
                                "đảng viên mới")
    klass = make.klass(program=program, title="Lớp bồi dưỡng lý luận chính trị và nghiệp vụ "
                       "công tác đảng cho đảng viên mới khóa 12 năm 2026")
    session_row = make.session(klass, topic="Chuyên đề 3: Xây dựng Đảng về chính trị, tư "
                                              "tưởng, đạo đức, tổ chức và cán bộ")
    enrollment = make.enrollment(klass, make.trainee(unit=unit, full_name="Tôn Nữ Thị Phương "
                                                     "Thảo Nguyên"), outcome="completed")
    for _ in range(3):
        make.enrollment(klass, make.trainee(unit=unit))
    cert = issue_certificate(enrollment, actor=director, issued_on=date(2026, 5, 4),
                             base_url="http://lms.test/")
    login(director)
    client.post("/language", data={"lang": lang})
    sheet = client.get(f"/classes/{klass.id}/sessions/{session_row.id}/sign-in-sheet.pdf")
    assert sheet.status_code == 200
    with language(app, lang):
        render_certificate(cert, base_url="http://lms.test/")
        problems = [f"{sheets[-1]} {p}" for html, sheets, assets in documents
                    for p in overflows(html, sheets, assets)]
    assert len(documents) == 3  # at issue, the sheet, the certificate again
    assert problems == []
    text = _text(sheet.data)
    assert ("Sign-in sheet".upper() if lang == "en" else "DANH SÁCH KÝ") in text.upper()
    if lang == "en":
        assert "ngày" not in text.split("SIGN-IN")[0].lower()  # the date line in English
