"""The home page says what each role has to do now (tests/center.py builds the day)."""

from datetime import timedelta

import pytest

from lms.core.models import Job
from lms.extensions import db
from tests.center import build_center
from tests.query_counter import count_queries


@pytest.fixture
def center(make):
    return build_center(make)


def _home(client, login, user) -> str:
    login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.text


def test_the_director_sees_what_is_waiting(client, login, center):
    page = _home(client, login, center.director)
    # Marks missing at the session that ended two days ago (not at the one under way now).
    missing = page.split("Lớp còn thiếu điểm danh")[1].split("</ul>")[0]
    assert center.running.title in missing
    assert "Thiếu 3 lượt điểm danh" in missing
    # Every session over, every mark in: ready to close out.
    waiting = page.split("Chờ kết thúc lớp")[1].split("</ul>")[0]
    assert center.waiting.title in waiting
    assert "sẵn sàng" in waiting
    assert center.running.title not in waiting  # it still has a session to come
    # Two completed trainees of the finished class have no certificate yet.
    certificates = page.split("Giấy chứng nhận cần cấp")[1].split("</ul>")[0]
    assert f'href="/classes/{center.finished.id}/certificates"' in certificates
    assert "2 chờ cấp" in certificates
    # The failed job, with its message and the page that retries it.
    assert f'href="/jobs/{center.job.id}"' in page
    assert "Disk full" in page
    # This year against the plan: 6 classes and 460 trainee-attendances planned.
    year = page.split("đến nay")[1]
    assert "/ 6 (" in year
    assert "/ 460 (" in year


def test_a_failed_job_started_again_is_no_longer_a_to_do(client, login, center):
    db.session.add(Job(id="00000000-0000-4000-8000-000000000002", kind=center.job.kind,
                       status="done", params=dict(center.job.params),
                       created_by_id=center.director.id,
                       created_at=center.job.created_at + timedelta(minutes=1)))
    db.session.commit()
    page = _home(client, login, center.director)
    assert f'href="/jobs/{center.job.id}"' not in page


def test_the_instructor_gets_one_tap_to_the_roster_and_the_check_in_screen(client, login, center):
    page = _home(client, login, center.instructor)
    today = page.split("Buổi dạy hôm nay")[1].split("Các buổi tiếp theo")[0]
    assert f'href="/sessions/{center.today.id}/attendance"' in today
    assert f'action="/sessions/{center.today.id}/checkin/open"' in today
    assert f'href="/sessions/{center.held.id}/attendance"' not in today
    following = page.split("Các buổi tiếp theo")[1].split("Còn thiếu điểm danh")[0]
    assert f'href="/sessions/{center.upcoming.id}/attendance"' in following
    missing = page.split("Còn thiếu điểm danh")[1]
    assert f'href="/sessions/{center.held.id}/attendance"' in missing
    assert "Thiếu 3 lượt điểm danh" in missing


def test_the_trainee_sees_the_next_session_the_waitlist_and_certificates(client, login, center):
    page = _home(client, login, center.trainee)
    next_session = page.split("Buổi học tiếp theo của bạn")[1].split("Trong danh sách chờ")[0]
    assert f'href="/checkin/{center.today.id}"' in next_session  # check in, today
    assert "Hôm nay" in next_session
    waitlist = page.split("Trong danh sách chờ")[1].split("Giấy chứng nhận của bạn")[0]
    assert center.full.title in waitlist
    assert "Bạn là người thứ 3 trong danh sách chờ" in waitlist
    assert f'action="/classes/{center.full.id}/withdraw"' in waitlist
    assert "Rời danh sách chờ" in waitlist
    certificates = page.split("Giấy chứng nhận của bạn")[1]
    assert f'href="/certificates/{center.certificate.id}/download"' in certificates


def test_leaving_the_waitlist_from_the_home_page(client, login, center):
    login(center.trainee)
    response = client.post(f"/classes/{center.full.id}/withdraw")
    assert response.status_code == 302
    assert "Bạn đã rời danh sách chờ." in client.get(response.headers["Location"]).text
    assert "Trong danh sách chờ" not in client.get("/").text


def _grow(make, center):
    """More of everything each home page lists."""
    today = center.running.start_date + timedelta(days=2)
    for n in range(3):
        klass = make.klass(program=center.program, start_date=today - timedelta(days=9 + n),
                           end_date=today - timedelta(days=9 + n), instructors=[center.instructor])
        session = make.session(klass, on_date=klass.start_date)
        for person in center.others[:2]:
            make.enrollment(klass, person)
        make.session(make.klass(program=center.program, start_date=today + timedelta(days=n + 1),
                                instructors=[center.instructor]), on_date=today + timedelta(n + 1))
        assert session is not None
        full = make.klass(program=center.program, start_date=today + timedelta(days=30 + n),
                          capacity=1)
        make.enrollment(full, center.others[3])
        make.enrollment(full, center.trainee, status="waitlisted", enrolled_on=None)
        done = make.klass(program=center.program, start_date=today - timedelta(days=60 + n))
        make.enrollment(done, center.others[4], outcome="completed", attended_count=1)
    db.session.commit()


@pytest.mark.parametrize("role", ["director", "instructor", "trainee"])
def test_each_home_page_runs_the_same_statements_with_more_to_do(role, app, client, login, make):
    center = build_center(make)
    login(getattr(center, role))
    client.get("/")  # per-process caches
    with count_queries(app) as small:
        client.get("/")
    _grow(make, center)
    with count_queries(app) as big:
        page = client.get("/").text
    assert "Lớp bồi dưỡng" in page
    # measured + 2; instructor and trainee +1 since the sessions a clerk scans cards at today
    # (lms.core.home.clerk_sessions: one statement, whoever is not a director)
    ceiling = {"director": 15, "instructor": 7, "trainee": 8}[role]
    assert len(big) == len(small) <= ceiling, (len(small), len(big))
