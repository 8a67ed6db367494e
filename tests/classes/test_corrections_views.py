"""The corrections through the pages a director uses (cancel a marked session with the count
confirmed, restore it, reopen a class, close it out again, certificates to review) and the
report's exports saying when their figures were read, on the center's clock."""

import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from lms.attendance.services import mark_attendance
from lms.certificates.models import Certificate
from lms.classes.models import ClassSession
from lms.core import clock
from lms.core.models import AuditLog
from lms.enrollment.models import Enrollment
from lms.extensions import db
from tests.classes.conftest import LATER, Y

AS_OF = "Số liệu tính đến"


class FixedClock(datetime):
    """The wall clock at one moment (the real one cannot be set to a New Year's Eve)."""

    moment = datetime(Y, 12, 31, 23, 30, tzinfo=UTC)

    @classmethod
    def now(cls, tz=None):
        return cls.moment.astimezone(tz) if tz else cls.moment.replace(tzinfo=None)


@pytest.fixture
def fixed_clock(app, monkeypatch):
    """23:30 UTC on 31/12/2019; the center in Vietnam (UTC+7): 06:30 on 01/01/2020."""
    app.config["TIMEZONE"] = "Asia/Ho_Chi_Minh"
    monkeypatch.setattr(clock, "datetime", FixedClock)
    return FixedClock


def held(session_id):
    return db.session.scalar(select(ClassSession.cancelled_at).where(
        ClassSession.id == session_id)) is None


def test_cancel_a_marked_session_asks_for_the_count_then_restore_it(client, login, world):
    klass, s1, _s2, _people, director = world
    login(director)
    client.post(f"/classes/{klass.id}/reopen", data={"reopen-reason": "Sửa sai sót"})
    page = client.get(f"/sessions/{s1.id}/edit").text
    assert "Buổi này có 3 lượt điểm danh" in page
    assert 'name="marks_confirmed" value="3"' in page

    # Without ticking the confirmation: refused, the count said, nothing cancelled.
    response = client.post(f"/sessions/{s1.id}/cancel", data={"reason": "Mất điện"},
                           follow_redirects=True)
    assert "Buổi này có 3 lượt điểm danh: hủy buổi sẽ gạt chúng ra" in response.text
    assert held(s1.id)
    client.post(f"/sessions/{s1.id}/cancel", data={"reason": "Mất điện", "marks_confirmed": "3"})
    assert not held(s1.id)

    page = client.get(f"/classes/{klass.id}/manage").text
    assert "Khôi phục buổi" in page
    response = client.post(f"/sessions/{s1.id}/restore", data={"restore-reason": ""},
                           follow_redirects=True)
    assert "Hãy nêu lý do khôi phục buổi." in response.text
    assert not held(s1.id)
    response = client.post(f"/sessions/{s1.id}/restore", data={"restore-reason": "Hủy nhầm"},
                           follow_redirects=True)
    assert "3 lượt điểm danh được tính lại" in response.text
    assert held(s1.id)
    reasons = db.session.scalars(select(AuditLog.reason).where(
        AuditLog.action == "session.restore")).all()
    assert reasons == ["Hủy nhầm"]


def test_reopen_correct_and_close_again_lists_the_certificate_to_review(
    client, login, world, make
):
    klass, s1, _s2, (a, _b, _c), director = world
    db.session.add(Certificate(
        enrollment_id=a.id, year=Y, full_name="A", class_code=klass.code, class_title="Lớp",
        program_name="CT", start_date=klass.start_date, end_date=klass.end_date,
        issued_on=date(Y, 4, 2), seq=1, register_number="1/2019", verification_code="d" * 26))
    login(make.instructor())
    assert client.post(f"/classes/{klass.id}/reopen",
                       data={"reopen-reason": "x"}).status_code in (403, 404)
    client.post("/logout")
    login(director)
    page = client.get(f"/classes/{klass.id}/hub").text
    assert "Mở lại lớp" in page
    assert "được mở lại lúc" not in page
    client.post(f"/classes/{klass.id}/reopen", data={"reopen-reason": "Sai điểm danh buổi 1"})
    page = client.get(f"/classes/{klass.id}/hub").text
    assert "Lớp đã kết thúc được mở lại lúc" in page
    assert "Lý do: Sai điểm danh buổi 1" in page
    # The correction (A was absent at s1, the paper sheet says) then close-out again.
    db.session.expire_all()
    mark_attendance(s1, {a.id: ("absent", "")}, actor=director, reason="Sổ giấy", now=LATER)
    db.session.commit()
    client.post(f"/classes/{klass.id}/close-out")
    outcome = db.session.scalar(select(Enrollment.outcome).where(Enrollment.id == a.id))
    assert outcome == "not_completed"
    page = client.get(f"/classes/{klass.id}/certificates").text
    assert "Giấy chứng nhận cần xem lại" in page
    assert "1/2019" in page
    assert db.session.scalar(select(Certificate.revoked_at)) is None  # never revoked


def _xlsx_text(body: bytes) -> str:
    workbook = load_workbook(io.BytesIO(body))
    return "\n".join(str(c.value) for ws in workbook for row in ws.iter_rows() for c in row
                     if c.value is not None)


def _pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def _dashboard_figures(client) -> list[str]:
    page = client.get(f"/reports/?year={Y}").text
    return re.findall(r'<div class="figure">(\d+)', page)[:3]


def test_exports_follow_the_corrected_rows_and_say_when_they_were_read(
    client, login, world, fixed_clock
):
    klass, s1, s2, _people, director = world
    login(director)
    line = f"{AS_OF} 06:30 01/01/{Y + 1}"  # the center's clock, not the server's 31/12 23:30
    xlsx = client.get(f"/reports/{Y}/export.xlsx").data
    assert line in _xlsx_text(xlsx)
    workbook = load_workbook(io.BytesIO(xlsx))
    total = [r for r in workbook.worksheets[0].iter_rows(values_only=True) if r[0] == "Tổng cộng"]
    assert total[0][2] == 1  # one class held
    assert line in _pdf_text(client.get(f"/reports/{Y}/export.pdf").data)
    assert _dashboard_figures(client) == ["1", "2", "2"]  # held, trainee-attendances, unique

    client.post(f"/classes/{klass.id}/reopen", data={"reopen-reason": "Hủy cả lớp"})
    for s in (s1, s2):
        client.post(f"/sessions/{s.id}/cancel", data={"reason": "Mất điện",
                                                       "marks_confirmed": "3"})
    xlsx = client.get(f"/reports/{Y}/export.xlsx").data
    workbook = load_workbook(io.BytesIO(xlsx))
    total = [r for r in workbook.worksheets[0].iter_rows(values_only=True) if r[0] == "Tổng cộng"]
    assert total[0][2] == 0
    assert _dashboard_figures(client) == ["0", "0", "0"]


def test_year_to_date_and_the_cli_use_the_centers_new_year(app, client, login, make, fixed_clock,
                                                           tmp_path):
    """At 23:30 UTC on 31/12/2019 it is already 01/01/2020 in Vietnam: the dashboard opens on
    2020, its year to date ends on 01/01/2020, and the CLI's --to-date too."""
    director = make.director()
    login(director)
    page = client.get("/reports/?ytd=1").text
    assert f"đến ngày 01/01/{Y + 1}" in page
    assert f"31/12/{Y}" not in page
    output = tmp_path / "r.xlsx"
    result = app.test_cli_runner().invoke(args=[
        "lms", "report", "--year", str(Y + 1), "--format", "xlsx", "--to-date",
        "--output", str(output)])
    assert result.exit_code == 0, result.output
    text = _xlsx_text(output.read_bytes())
    assert f"(đến ngày 01/01/{Y + 1})" in text  # year to date: the center's today
    assert f"{AS_OF} 06:30 01/01/{Y + 1}" in text


def test_a_reopened_class_offers_no_certificate_to_issue_and_refuses_before_any_job(
    client, login, world
):
    """Reopened: the hub and the certificates page say why there is no "Issue" button; a
    batch posted anyway is refused with that message and starts no job."""
    from lms.core.models import Job

    klass, _s1, _s2, _people, director = world
    login(director)
    assert "Cấp tất cả (1)" in client.get(f"/classes/{klass.id}/hub").text
    client.post(f"/classes/{klass.id}/reopen", data={"reopen-reason": "Sửa sai sót"})
    waits = "Lớp đang được mở lại: giấy chứng nhận được cấp sau khi kết thúc lớp lại."
    for path in (f"/classes/{klass.id}/hub", f"/classes/{klass.id}/certificates"):
        page = client.get(path).text
        assert waits in page
        assert "Cấp tất cả" not in page
    response = client.post(f"/classes/{klass.id}/certificates/issue", follow_redirects=True)
    assert "hãy kết thúc lớp lại trước khi cấp giấy chứng nhận" in response.text
    assert db.session.scalar(select(Job.id)) is None
