"""The scan page left open past its CSRF token's life: the scan is refused (400), nothing is
recorded, and the page holds the words its script shows for it; with the page's token it
records."""

import pytest
from sqlalchemy import func, select

from lms.attendance.models import Attendance
from lms.extensions import db
from tests.conftest import csrf_token


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_a_scan_with_a_stale_token_records_nothing(door, client, login):
    login(door.instructor)
    url = f"/sessions/{door.session.id}/scan"
    code = door.cards[door.trainees[0].id].code
    stale = client.post(url, data={"code": code, "csrf_token": "old"},
                        headers={"Accept": "application/json"})
    assert stale.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    page = client.get(url).text
    assert 'data-expired="Trang đã hết hạn. Hãy tải lại trang rồi quét tiếp."' in page
    fresh = client.post(url, data={"code": code, "csrf_token": csrf_token(page)},
                        headers={"Accept": "application/json"})
    assert fresh.json["kind"] == "recorded"
