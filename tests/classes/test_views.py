"""Wiring and permissions of the classes pages; bounded queries on the class list."""

from datetime import date, timedelta

from lms.classes.models import Class, ClassSession, Program
from lms.extensions import db
from tests.query_counter import count_queries


def test_director_creates_program_class_and_series(client, login, make):
    director, teacher = make.director(), make.instructor()
    db.session.commit()
    login(director)
    response = client.post(
        "/programs/new",
        data={
            "code": "BD",
            "name": "Bồi dưỡng",
            "kind": "course",
            "min_attendance_pct": "80",
            "excused_rule": "absent",
        },
    )
    assert response.status_code == 302
    program = db.session.query(Program).one()
    start = date.today() + timedelta(days=30)
    response = client.post(
        "/classes/new",
        data={
            "program_id": program.id,
            "code": "BD-1",
            "title": "Lớp bồi dưỡng",
            "place": "Hội trường",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=6)).isoformat(),
            "instructor_ids": [teacher.id],
            "capacity": "",
            "enrollment_mode": "open",
            "min_attendance_pct": "80",
            "excused_rule": "absent",
        },
    )
    assert response.status_code == 302, response.text
    klass = db.session.query(Class).one()
    response = client.post(
        f"/classes/{klass.id}/sessions/series",
        data={
            "first_date": start.isoformat(),
            "last_date": (start + timedelta(days=6)).isoformat(),
            "starts_at": "08:00",
            "ends_at": "11:00",
            "topic": "Chuyên đề",
            "room": "A",
        },
    )
    assert response.status_code == 302
    assert db.session.query(ClassSession).count() == 7
    page = client.get(f"/classes/{klass.id}/manage")
    assert "Lớp bồi dưỡng" in page.text
    assert page.text.count("Chuyên đề") >= 7


def test_bad_class_dates_show_a_message_and_save_nothing(client, login, make):
    director, teacher, program = make.director(), make.instructor(), make.program()
    db.session.commit()
    login(director)
    response = client.post(
        "/classes/new",
        data={
            "program_id": program.id,
            "code": "X",
            "title": "X",
            "start_date": "2030-05-10",
            "end_date": "2030-05-01",
            "instructor_ids": [teacher.id],
            "enrollment_mode": "open",
            "min_attendance_pct": "80",
            "excused_rule": "absent",
        },
    )
    assert response.status_code == 200
    assert "Ngày kết thúc trước ngày bắt đầu." in response.text
    assert db.session.query(Class).count() == 0


def test_director_pages_are_for_directors(client, login, make):
    trainee = make.trainee()
    klass = make.klass()
    db.session.commit()
    login(trainee)
    for url in ("/programs", "/classes", "/classes/new", f"/classes/{klass.id}/manage"):
        assert client.get(url).status_code == 403, url


def test_class_list_runs_a_bounded_number_of_queries(app, client, login, make):
    director = make.director()
    teachers = [make.instructor() for _ in range(3)]
    for n in range(40):
        klass = make.klass(instructors=teachers[: 1 + n % 3])
        make.session(klass)
    db.session.commit()
    login(director)
    with count_queries(app) as statements:
        response = client.get("/classes")
    assert response.status_code == 200
    assert response.text.count("/manage") == 40
    assert len(statements) <= 8, statements


def test_class_list_shows_this_year_on_unless_asked_for_every_year(client, login, make):
    from lms.core.clock import local_today

    this_year = local_today().year
    director = make.director()
    make.klass(title="Lớp năm trước", start_date=date(this_year - 1, 12, 30))
    make.klass(title="Lớp đầu năm nay", start_date=date(this_year, 1, 1))
    db.session.commit()
    login(director)
    shown = client.get("/classes").text
    assert "Lớp đầu năm nay" in shown
    assert "Lớp năm trước" not in shown
    assert f"Từ năm {this_year} trở đi" in shown
    every = client.get("/classes?year=all").text
    assert "Lớp đầu năm nay" in every
    assert "Lớp năm trước" in every
    last_year = client.get(f"/classes?year={this_year - 1}").text
    assert "Lớp năm trước" in last_year
    assert "Lớp đầu năm nay" not in last_year


def test_catalog_and_class_page(client, login, make):
    trainee = make.trainee()
    klass = make.klass(title="Bồi dưỡng lý luận", capacity=30)
    hidden = make.klass(title="Bồi dưỡng nội bộ", enrollment_mode="assigned")
    make.session(klass, topic="Chủ nghĩa Mác")
    db.session.commit()
    login(trainee)
    page = client.get("/classes/catalog?q=boi+duong")
    assert "Bồi dưỡng lý luận" in page.text
    assert "Bồi dưỡng nội bộ" not in page.text
    page = client.get(f"/classes/{klass.id}")
    assert "Chủ nghĩa Mác" in page.text
    assert "30 / 30" in page.text
    assert "Ghi danh" in page.text
    assert client.get(f"/classes/{hidden.id}").status_code == 404


def test_session_outside_the_class_is_refused_with_the_typed_values_kept(client, login, make):
    director = make.director()
    klass = make.klass()
    db.session.commit()
    login(director)
    outside = (klass.end_date + timedelta(days=1)).isoformat()
    response = client.post(
        f"/classes/{klass.id}/sessions",
        data={"on_date": outside, "starts_at": "08:00", "ends_at": "11:00", "topic": "Giữ lại"},
    )
    assert response.status_code == 400
    assert "nằm ngoài thời gian của lớp" in response.text
    assert 'value="Giữ lại"' in response.text
    assert db.session.query(ClassSession).count() == 0


def test_class_cancel_needs_a_reason(client, login, make):
    director = make.director()
    klass = make.klass()
    db.session.commit()
    login(director)
    assert client.post(f"/classes/{klass.id}/cancel", data={"reason": ""}).status_code == 400
    assert client.post(f"/classes/{klass.id}/cancel", data={"reason": "Hoãn"}).status_code == 302
    db.session.refresh(klass)
    assert klass.cancelled_by_id == director.id
