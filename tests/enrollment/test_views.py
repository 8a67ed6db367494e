"""Enrolment pages: enrol/withdraw, roster access and exports, sign-in sheet, calendar."""

import io
from datetime import timedelta

from openpyxl import load_workbook
from pypdf import PdfReader

from lms.enrollment import services
from lms.enrollment.models import Enrollment
from lms.extensions import db
from tests.query_counter import count_queries


def test_trainee_enrols_sees_dashboard_and_withdraws(client, login, make):
    trainee = make.trainee()
    klass = make.klass(title="Cập nhật kiến thức")
    make.session(klass, room="Phòng 5")
    db.session.commit()
    login(trainee)
    assert client.post(f"/classes/{klass.id}/enrol").status_code == 302
    page = client.get("/my/classes")
    assert "Cập nhật kiến thức" in page.text
    assert "Phòng 5" in page.text
    assert client.post(f"/classes/{klass.id}/withdraw").status_code == 302
    row = db.session.query(Enrollment).one()
    assert row.status == "withdrawn"


def test_promotion_notice_is_shown_until_dismissed(client, login, make):
    klass = make.klass(capacity=1, title="Lớp đầy")
    first, second = make.trainee(), make.trainee()
    mine = services.enrol_self(klass, actor=first)
    services.enrol_self(klass, actor=second)
    services.withdraw(mine, actor=first)
    db.session.commit()
    login(second)
    first_view = client.get("/my/classes").text
    assert "Tin vui: lớp Lớp đầy vừa có chỗ trống" in first_view
    assert "Tin vui" in client.get("/my/classes").text  # a GET changes nothing
    assert client.post("/my/classes/promotions/dismiss").status_code == 302
    assert "Tin vui" not in client.get("/my/classes").text  # dismissed


def test_roster_is_for_directors_and_the_class_instructors(client, login, make):
    teacher, other = make.instructor(), make.instructor()
    klass = make.klass(instructors=[teacher])
    make.enrollment(klass, make.trainee(full_name="Lê Thị Bình"))
    db.session.commit()
    login(other)
    assert client.get(f"/classes/{klass.id}/roster").status_code == 404
    assert client.get(f"/classes/{klass.id}/roster.csv").status_code == 404
    client.post("/logout")
    login(teacher)
    assert "Lê Thị Bình" in client.get(f"/classes/{klass.id}/roster").text
    client.post("/logout")
    trainee = make.trainee()
    db.session.commit()
    login(trainee)
    assert client.get(f"/classes/{klass.id}/roster").status_code == 403


def test_roster_sorts_by_given_name_and_exports(client, login, make):
    director = make.director()
    klass = make.klass()
    for name in ("Nguyễn Văn Bình", "Trần Thị An", "Lê Ánh"):
        make.enrollment(klass, make.trainee(full_name=name))
    db.session.commit()
    login(director)
    text = client.get(f"/classes/{klass.id}/roster").text
    assert text.index("Trần Thị An") < text.index("Lê Ánh") < text.index("Nguyễn Văn Bình")
    csv = client.get(f"/classes/{klass.id}/roster.csv").data
    assert csv.startswith(b"\xef\xbb\xbf")
    assert "Trần Thị An".encode() in csv
    xlsx = client.get(f"/classes/{klass.id}/roster.xlsx").data
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert [sheet.cell(row=r, column=2).value for r in (2, 3, 4)] == [
        "Trần Thị An",
        "Lê Ánh",
        "Nguyễn Văn Bình",
    ]


def test_roster_of_300_runs_a_bounded_number_of_queries(app, client, login, make):
    director = make.director()
    klass = make.klass(capacity=300)
    units = [make.unit() for _ in range(5)]
    for n in range(300):
        make.enrollment(klass, make.trainee(unit=units[n % 5]))
    make.session(klass)
    db.session.commit()
    login(director)
    with count_queries(app) as statements:
        response = client.get(f"/classes/{klass.id}/roster?sort=unit")
    assert response.status_code == 200
    assert response.text.count('id="enrollment-') == 300
    assert len(statements) <= 8, len(statements)
    with count_queries(app) as statements:
        assert client.get(f"/classes/{klass.id}/roster.xlsx").status_code == 200
    assert len(statements) <= 8


def test_sign_in_sheet_pdf_lists_the_enrolled(client, login, make, tmp_path):
    make.settings()
    director = make.director()
    klass = make.klass(title="Bồi dưỡng đảng viên mới")
    session = make.session(klass)
    for n in range(45):
        make.enrollment(klass, make.trainee(full_name=f"Phạm Thị Ước {n}"))
    make.enrollment(klass, make.trainee(full_name="Người Rút Lui"), status="withdrawn")
    db.session.commit()
    login(director)
    response = client.get(f"/classes/{klass.id}/sessions/{session.id}/sign-in-sheet.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "TRUNG TÂM BỒI DƯỠNG CHÍNH TRỊ" in text
    assert "Phạm Thị Ước 44" in text
    assert "Người Rút Lui" not in text
    assert len(reader.pages) >= 2
    assert text.count("Chữ ký") == len(reader.pages)  # the header row repeats on each page
    (tmp_path / "sheet.pdf").write_bytes(response.data)
    import os

    if os.environ.get("KEEP_PDF"):
        (tmp_path.parent / "sheet.pdf").write_bytes(response.data)


def test_calendar_feed_is_public_by_token_and_rotates(client, login, make):
    trainee = make.trainee()
    teacher = make.instructor()
    klass = make.klass(title="Lớp A, B; C", instructors=[teacher])
    make.session(klass, on_date=klass.start_date, room="Phòng 1")
    cancelled = make.session(klass, on_date=klass.start_date + timedelta(days=1))
    cancelled.cancelled_at, cancelled.cancel_reason = klass.created_at, "Hoãn"
    make.enrollment(klass, trainee)
    db.session.commit()
    token = trainee.calendar_token
    feed = client.get(f"/calendar/{token}.ics")
    assert feed.status_code == 200
    assert feed.mimetype == "text/calendar"
    body = feed.data.decode()
    assert body.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Lớp A\\, B\\; C — Chuyên đề" in body
    day = klass.start_date.strftime("%Y%m%d")
    assert f"DTSTART:{day}T010000Z" in body  # 08:00 in Hà Nội
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert client.get(f"/calendar/{teacher.calendar_token}.ics").data.count(b"BEGIN:VEVENT") == 1
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    login(trainee)
    assert client.post("/my/calendar/rotate").status_code == 302
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_director_assigns_a_unit_through_the_page(client, login, make):
    director = make.director()
    unit = make.unit(name="Phường Tân Mai")
    for _ in range(3):
        make.trainee(unit=unit)
    klass = make.klass(enrollment_mode="assigned")
    db.session.commit()
    login(director)
    response = client.post(
        f"/classes/{klass.id}/assign",
        data={"kind": "unit", "unit_id": unit.id, "include_subunits": "y"},
    )
    assert response.status_code == 302
    assert db.session.query(Enrollment).count() == 3
    bad = client.post(
        f"/classes/{klass.id}/assign",
        data={"kind": "import", "file": (io.BytesIO(b"username\nkhong-co\n"), "r.csv")},
        content_type="multipart/form-data",
    )
    assert "khong-co" in bad.text
    assert "Dòng" in bad.text


def test_director_picks_trainees_found_without_diacritics(client, login, make):
    director = make.director()
    found = make.trainee(full_name="Nguyễn Thị Ước")
    make.trainee(full_name="Trần Văn Bảo")
    klass = make.klass()
    db.session.commit()
    login(director)
    page = client.get(f"/classes/{klass.id}/assign?q=nguyen+thi+uoc")
    assert "Nguyễn Thị Ước" in page.text
    assert "Trần Văn Bảo" not in page.text
    response = client.post(
        f"/classes/{klass.id}/assign", data={"kind": "pick", "user_ids": [found.id]}
    )
    assert response.status_code == 302
    assert [e.user_id for e in db.session.query(Enrollment)] == [found.id]
