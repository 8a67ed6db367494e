"""Check-in with CSRF on (as in production): the token is checked once, app-wide, and the
check-in page (also after a refusal) carries one, so a retry works."""

import pytest
from sqlalchemy import func, select

from lms.attendance import checkin
from lms.attendance.models import Attendance
from lms.extensions import db
from tests.conftest import csrf_token


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_checkin_needs_the_token_and_a_refused_page_gives_one_for_the_retry(
    opened, client, login
):
    s = opened.session
    login(opened.trainees[0])
    url = f"/checkin/{s.id}"
    code = checkin.code_for(s.checkin_secret, checkin.time_step())
    assert client.post(url, data={"code": code}).status_code == 400  # no token: refused
    token = csrf_token(client.get(url).text)
    refused = client.post(url, data={"code": "000000" if code != "000000" else "111111",
                                     "csrf_token": token})
    assert refused.status_code == 422
    retry = client.post(url, data={"code": code, "csrf_token": csrf_token(refused.text)})
    assert retry.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1
