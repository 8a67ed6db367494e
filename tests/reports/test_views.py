"""Dashboard, breakdowns, exports, plans and the CLI: wiring, permissions, file contents."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from lms.extensions import db
from lms.reports.exports import CSV_COLUMNS
from lms.reports.models import AnnualPlan, PlanRevision

Y = 2019


@pytest.fixture
def data(make):
    make.settings()
    director = make.director()
    conference = make.program(code="HN", name="Hội nghị quán triệt", kind="conference")
    course = make.program(code="SC", name="Sơ cấp lý luận chính trị")
    ward = make.unit(name="Chi bộ khu dân cư số 1")
    for program, month, people in ((conference, 3, 4), (course, 5, 2)):
        klass = make.klass(program=program, start_date=date(Y, month, 4))
        session = make.session(klass, on_date=date(Y, month, 4))
        for _ in range(people):
            enrollment = make.enrollment(klass, make.trainee(unit=ward))
            make.attendance(session, enrollment)
    db.session.add(
        AnnualPlan(year=Y, program_id=conference.id, planned_classes=1, planned_attendances=3)
    )
    db.session.commit()
    return {"director": director, "conference": conference, "course": course}


def test_only_directors_see_reports(client, login, make, data):
    trainee = make.trainee()
    db.session.commit()
    login(trainee)
    assert client.get("/reports/").status_code == 403
    assert client.get(f"/reports/{Y}/export.csv").status_code == 403


def test_dashboard_shows_the_year_with_charts(client, login, data, app):
    login(data["director"])
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    page = client.get(f"/reports/?year={Y}")
    assert page.status_code == 200
    html = page.text
    assert "Báo cáo năm 2019" in html
    assert html.count("<svg") == 2
    assert "Hội nghị quán triệt" in html
    assert "133%" in html
    assert "Cách tính số liệu" in html
    assert len(statements) < 40  # bounded, whatever the number of rows


def test_details_page(client, login, data):
    login(data["director"])
    html = client.get(f"/reports/{Y}/details").text
    assert "Quý 1" in html
    assert "Tháng 5" in html
    assert "Chi bộ khu dân cư số 1" in html


def test_csv_export_has_the_exact_columns(client, login, data):
    login(data["director"])
    response = client.get(f"/reports/{Y}/export.csv")
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == CSV_COLUMNS
    assert rows[1] == [
        "HN",
        "Hội nghị quán triệt",
        "1",
        "1",
        "100",
        "3",
        "4",
        "133",
        "4",
        "100",
        "0",
        "0",
    ]
    assert rows[2] == [
        "SC",
        "Sơ cấp lý luận chính trị",
        "",
        "1",
        "",
        "",
        "2",
        "",
        "2",
        "100",
        "0",
        "0",
    ]
    assert rows[-1][0] == "TOTAL"
    assert rows[-1][2:9] == ["1", "2", "200", "3", "6", "200", "6"]


def test_xlsx_export_has_a_sheet_per_breakdown(client, login, data):
    login(data["director"])
    response = client.get(f"/reports/{Y}/export.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "Theo chương trình",
        "Theo quý",
        "Theo tháng",
        "Theo đơn vị",
        "Ghi chú",
    ]
    sheet = book["Theo chương trình"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "Chương trình"
    assert [c.value for c in sheet[sheet.max_row]][:3] == ["Tổng cộng", 1, 2]
    assert "Lượt học viên" in " ".join(str(r[0].value) for r in book["Ghi chú"].iter_rows())


def test_pdf_export_reads_as_the_official_report(client, login, data):
    from pypdf import PdfReader

    login(data["director"])
    response = client.get(f"/reports/{Y}/export.pdf")
    assert response.headers["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "BÁO CÁO KẾT QUẢ THỰC HIỆN KẾ HOẠCH NĂM 2019" in text
    assert "TRUNG TÂM BỒI DƯỠNG CHÍNH TRỊ" in text
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "Quận Hoàng Mai, ngày" in text
    assert "Nguyễn Thế Thạch" in text
    assert "Lượt học viên" in text
    assert "Tổng cộng" in text


def test_plan_form_saves_with_history(client, login, data):
    login(data["director"])
    program = data["course"]
    form = {f"p{program.id}-planned_classes": "3", f"p{program.id}-planned_attendances": "1.200"}
    response = client.post(f"/reports/plans/{Y}", data=form)
    assert response.status_code == 302
    plan = db.session.scalar(select(AnnualPlan).where(AnnualPlan.program_id == program.id))
    assert (plan.planned_classes, plan.planned_attendances) == (3, 1200)
    form[f"p{program.id}-planned_attendances"] = "1300"
    client.post(f"/reports/plans/{Y}", data=form)
    revisions = db.session.scalars(
        select(PlanRevision)
        .where(PlanRevision.field == "planned_attendances", PlanRevision.plan_id == plan.id)
        .order_by(PlanRevision.id)
    ).all()
    assert [(r.old_value, r.new_value) for r in revisions] == [(None, 1200), (1200, 1300)]
    page = client.get(f"/reports/plans/{Y}").text
    assert "Lịch sử điều chỉnh" in page
    assert "1.300" in page


def test_plan_form_refuses_bad_figures_and_saves_nothing(client, login, data):
    login(data["director"])
    program = data["course"]
    form = {
        f"p{program.id}-planned_classes": "4",
        f"p{program.id}-planned_attendances": "abc",
        f"p{program.id}-q1_classes": "1",
    }
    response = client.post(f"/reports/plans/{Y}", data=form)
    assert response.status_code == 422
    assert "Hãy nhập một số nguyên." in response.text
    assert db.session.scalar(select(AnnualPlan).where(AnnualPlan.program_id == program.id)) is None


def _xlsx(rows):
    from lms.core.exports import Sheet, xlsx_bytes

    return xlsx_bytes([Sheet(title="Plan", header=rows[0], rows=rows[1:])])


def test_plan_import_all_or_nothing(client, login, data):
    login(data["director"])
    header = ["program_code", "planned_classes", "planned_attendances"]
    bad = _xlsx([header, ["SC", 4, 400], ["XX", 1, 1], ["HN", "many", 5]])
    response = client.post(
        f"/reports/plans/{Y}/import", data={"file": (io.BytesIO(bad), "plan.xlsx")}
    )
    assert response.status_code == 422
    assert "Không có chương trình nào có mã này." in response.text
    assert "Hãy nhập một số nguyên." in response.text
    sc = db.session.scalar(select(AnnualPlan).where(AnnualPlan.program_id == data["course"].id))
    assert sc is None
    good = _xlsx([header, ["SC", 4, 400], ["HN", 50, 13000]])
    response = client.post(
        f"/reports/plans/{Y}/import", data={"file": (io.BytesIO(good), "plan.xlsx")}
    )
    assert response.status_code == 302
    plans = {p.program_id: p.planned_attendances for p in db.session.scalars(select(AnnualPlan))}
    assert plans == {data["course"].id: 400, data["conference"].id: 13000}


def test_cli_report(app, data, tmp_path):
    for fmt in ("csv", "xlsx", "pdf"):
        output = tmp_path / f"r.{fmt}"
        result = app.test_cli_runner().invoke(
            args=["lms", "report", "--year", str(Y), "--format", fmt, "--output", str(output)]
        )
        assert result.exit_code == 0, result.output
        assert "2 classes held, 6 trainee-attendances" in result.output
        assert output.stat().st_size > 100
    assert output.read_bytes().startswith(b"%PDF")
