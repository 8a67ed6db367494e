"""The attendance import page over HTTP: links, permissions, preview then confirm, the error
list in the user's language, the pre-filled templates (CSV and XLSX)."""

from __future__ import annotations

import io
import re

import openpyxl
from sqlalchemy import func, select

from lms.attendance.models import Attendance
from lms.core.models import AuditLog
from lms.extensions import db
from tests.attendance.test_import import csv, d, paper  # noqa: F401  (paper: a fixture)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def upload(client, url, data: bytes, name="diem-danh.csv", **fields):
    return client.post(url, data={"check": "1", **fields,
                                  "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_hub_grid_and_roster_link_to_the_import(client, login, paper):  # noqa: F811
    login(paper.instructor)
    klass = paper.klass.id
    hub = client.get(f"/classes/{klass}/hub").text
    assert f'href="/classes/{klass}/attendance/import"' in hub
    assert "Nhập điểm danh từ tệp" in hub
    assert f'href="/classes/{klass}/attendance/import"' in client.get(
        f"/classes/{klass}/attendance").text
    roster = client.get(f"/sessions/{paper.now.id}/attendance").text
    assert f"/classes/{klass}/attendance/import?session={paper.now.id}" in roster


def test_only_the_class_staff_open_the_page(client, login, make, paper):  # noqa: F811
    url = f"/classes/{paper.klass.id}/attendance/import"
    login(make.instructor())
    assert client.get(url).status_code == 404
    assert client.get(url.replace("import", "import-template.csv")).status_code == 404
    client.post("/logout")
    login(paper.trainees[0])
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(paper.director)
    assert client.get(url).status_code == 200


def test_preview_then_confirm_writes_the_marks(client, login, paper):  # noqa: F811
    p = paper
    login(p.instructor)
    url = f"/classes/{p.klass.id}/attendance/import"
    data = csv(f"hv0,{d(p.now)},có mặt,", f"hv1,{d(p.now)},muộn,kẹt xe", f"hv2,{d(p.now)},,")
    response = upload(client, url, data)
    assert response.status_code == 200
    text = response.text
    assert "Kiểm tra trước khi nhập" in text
    assert ("Điểm danh mới: 2 · thay đổi: 0 · không đổi: 0 · dòng không có trạng thái "
            "(bỏ qua): 1") in text
    assert count(Attendance) == 0  # the preview saves nothing
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', text)
    payload = payload or re.search(r'id="payload" name="payload" type="hidden" value="([^"]+)"',
                                   text)
    assert payload
    confirmed = client.post(url, data={"confirm": "1", "payload": payload.group(1),
                                       "session_id": "0", "reason": ""})
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith(f"/classes/{p.klass.id}/attendance")
    assert "Đã nhập xong: ghi 2 điểm danh." in client.get(confirmed.headers["Location"]).text
    rows = db.session.execute(select(Attendance.status, Attendance.note, Attendance.method)
                              .order_by(Attendance.id)).all()
    assert [tuple(r) for r in rows] == [("present", "", "import"), ("late", "kẹt xe", "import")]
    audit = count(AuditLog)
    again = client.post(url, data={"confirm": "1", "payload": payload.group(1),
                                   "session_id": "0"})
    assert again.status_code == 302
    assert "Đã nhập xong: không có gì thay đổi." in client.get(again.headers["Location"]).text
    assert count(AuditLog) == audit


def test_errors_are_listed_in_the_users_language_and_nothing_is_saved(
    client, login, paper  # noqa: F811
):
    p = paper
    login(p.instructor)
    url = f"/classes/{p.klass.id}/attendance/import"
    data = csv(f"hv0,{d(p.now)},có mặt,", f"nguoila,{d(p.now)},ngủ gật,")
    response = upload(client, url, data)
    assert response.status_code == 422
    assert "Chưa nhập gì" in response.text
    assert "Võ Văn Em (nguoila) không ghi danh vào lớp này." in response.text
    assert "Trạng thái “ngủ gật” không hợp lệ" in response.text
    assert 'name="confirm"' not in response.text
    client.post("/language", data={"lang": "en"})
    response = upload(client, url, data)
    assert "Võ Văn Em (nguoila) is not enrolled in this class." in response.text
    assert "Unknown status “ngủ gật”" in response.text
    assert count(Attendance) == 0


def test_a_locked_session_asks_the_director_for_a_reason(client, login, paper):  # noqa: F811
    p = paper
    login(p.director)
    url = f"/classes/{p.klass.id}/attendance/import"
    page = client.get(url).text
    assert "Lý do thay đổi" in page or 'name="reason"' in page
    data = csv(f"hv0,{d(p.old)},có mặt,")
    refused = upload(client, url, data)
    assert refused.status_code == 422
    assert f"Buổi học ngày {d(p.old)}:" in refused.text
    preview = upload(client, url, data, reason="Mất mạng, sổ giấy")
    assert preview.status_code == 200
    payload = re.search(r'name="payload"[^>]*value="([^"]+)"', preview.text).group(1)
    done = client.post(url, data={"confirm": "1", "payload": payload, "session_id": "0",
                                  "reason": "Mất mạng, sổ giấy"})
    assert done.status_code == 302
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "attendance")).one()
    assert (entry.method, entry.reason) == ("import", "Mất mạng, sổ giấy")


def test_the_templates_are_prefilled_with_the_roster(client, login, paper):  # noqa: F811
    p = paper
    login(p.instructor)
    base = f"/classes/{p.klass.id}/attendance/import-template"
    body = client.get(f"{base}.csv")
    assert body.status_code == 200
    assert body.data.startswith("\ufeff".encode())
    lines = body.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "username,full_name,session_date,status,note"
    assert lines[1] == f"hv0,Nguyễn Văn An,{d(p.old)},,"
    assert len(lines) == 1 + 2 * 3  # two sessions held (the cancelled one left out)
    one = client.get(f"{base}.xlsx?session={p.now.id}")
    sheet = openpyxl.load_workbook(io.BytesIO(one.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("username", "full_name", "session_date", "status", "note")
    assert [v[:3] for v in values[1:]] == [
        ("hv0", "Nguyễn Văn An", d(p.now)), ("hv1", "Trần Thị Bình", d(p.now)),
        ("hv2", "Đặng Quốc Cường", d(p.now))]
    assert client.get(f"{base}.pdf").status_code == 404
