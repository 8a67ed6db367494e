"""The class hub: everything about a class one click away, close-out with what blocks it."""

from datetime import date, time, timedelta

from lms.attendance.closeout import close_out
from lms.extensions import db
from tests.query_counter import count_queries

PAST = date(2026, 3, 2)


def _course(make, trainees=3):
    """A finished class: two sessions held, trainees enrolled; nobody marked yet."""
    director, instructor = make.director(), make.instructor()
    klass = make.klass(start_date=PAST, end_date=PAST + timedelta(days=1),
                       instructors=[instructor], capacity=30)
    sessions = [make.session(klass, on_date=PAST), make.session(klass, on_date=PAST + timedelta(1))]
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Đặng Quốc Cường", "Lê Thị Hà", "Vũ Đức Minh"]
    enrollments = [
        make.enrollment(klass, make.trainee(full_name=names[n % 5] + (f" {n}" if n > 4 else "")))
        for n in range(trainees)
    ]
    return director, instructor, klass, sessions, enrollments


def test_the_director_reaches_every_page_of_the_class_in_one_click(client, login, make):
    director, _instructor, klass, sessions, _enrollments = _course(make)
    db.session.commit()
    login(director)
    page = client.get(f"/classes/{klass.id}/hub").text
    for href in (
        f"/classes/{klass.id}/manage",  # sessions
        f"/classes/{klass.id}/roster",
        f"/classes/{klass.id}/assign",  # enrollment
        f"/classes/{klass.id}/attendance",  # the grid
        f"/classes/{klass.id}/close-out",
        f"/classes/{klass.id}/certificates",
        f"/classes/{klass.id}/roster.xlsx",
        f"/classes/{klass.id}/attendance.csv",
        f"/sessions/{sessions[0].id}/attendance",  # each session's roster
        f"/classes/{klass.id}/sessions/{sessions[0].id}/sign-in-sheet.pdf",
    ):
        assert f'"{href}' in page, href


def test_close_out_names_what_blocks_it(client, login, make):
    director, _instructor, klass, sessions, enrollments = _course(make)
    for enrollment in enrollments:
        make.attendance(sessions[0], enrollment)
    make.attendance(sessions[1], enrollments[0])
    later = make.session(klass, on_date=date.today() + timedelta(days=3))
    db.session.commit()
    login(director)
    page = client.get(f"/classes/{klass.id}/hub").text
    assert "Còn 1 buổi chưa diễn ra:" in page
    assert later.on_date.strftime("%d/%m/%Y") in page
    assert "Còn thiếu 2 lượt điểm danh:" in page
    assert "Trần Thị Bình, Đặng Quốc Cường" in page  # the missing ones, by name
    assert "Nguyễn Văn An, " not in page
    assert f'href="/sessions/{sessions[1].id}/attendance"' in page


def test_a_class_ready_to_close_then_closed_then_certified(client, login, make):
    director, _instructor, klass, sessions, enrollments = _course(make, trainees=2)
    for session in sessions:
        for enrollment in enrollments:
            make.attendance(session, enrollment)
    db.session.commit()
    login(director)
    assert "có thể kết thúc lớp" in client.get(f"/classes/{klass.id}/hub").text
    response = client.post(f"/classes/{klass.id}/close-out")
    assert response.headers["Location"].endswith(f"/classes/{klass.id}/hub")
    page = client.get(response.headers["Location"]).text
    assert "Hoàn thành: 2 · không hoàn thành: 0." in page
    assert "Hoàn thành: 2 · đã có giấy chứng nhận: 0 · đang chờ: 2" in page
    assert f'action="/classes/{klass.id}/certificates/issue"' in page  # "Issue all (2)"


def test_an_instructor_sees_sessions_and_rosters_only_of_their_classes(client, login, make):
    _director, instructor, klass, sessions, _enrollments = _course(make)
    other = make.klass(instructors=[make.instructor()])
    db.session.commit()
    login(instructor)
    page = client.get(f"/classes/{klass.id}/hub").text
    assert f'"/sessions/{sessions[0].id}/attendance"' in page
    assert f'"/classes/{klass.id}/roster"' in page
    assert "/close-out" not in page
    assert f"/classes/{klass.id}/certificates" not in page
    assert f"/classes/{klass.id}/assign" not in page
    assert client.get(f"/classes/{other.id}/hub").status_code == 404


def test_the_hub_runs_the_same_statements_for_a_bigger_class(app, client, login, make):
    director, _instructor, klass, sessions, enrollments = _course(make, trainees=4)
    db.session.commit()
    url = f"/classes/{klass.id}/hub"
    login(director)
    client.get(url)  # per-process caches
    with count_queries(app) as small:
        assert client.get(url).status_code == 200
    for n in range(8):
        make.session(klass, on_date=PAST + timedelta(days=2 + n), starts_at=time(14, 0),
                     ends_at=time(16, 0))
        make.enrollment(klass, make.trainee())
    db.session.commit()
    with count_queries(app) as big:
        assert client.get(url).status_code == 200
    # A fixed number whatever the size, the class's clerks (named on the hub) included
    assert len(big) == len(small) <= 11, big


def test_a_closed_class_with_a_certificate_no_longer_earned_is_pointed_out(client, login, make):
    director, _instructor, klass, sessions, enrollments = _course(make, trainees=1)
    for session in sessions:
        make.attendance(session, enrollments[0])
    db.session.flush()
    close_out(klass, actor=director)
    from lms.certificates.services import issue_certificate

    issue_certificate(enrollments[0], actor=director, issued_on=PAST, base_url="http://x/")
    enrollments[0].outcome = "not_completed"  # a later correction and a new close-out
    db.session.commit()
    login(director)
    page = client.get(f"/classes/{klass.id}/hub").text
    assert "1 giấy chứng nhận còn hiệu lực thuộc về học viên nay không còn hoàn thành" in page
