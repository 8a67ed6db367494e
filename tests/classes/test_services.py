"""Programs, classes and sessions: the director's rules."""

from datetime import date, time, timedelta

import pytest

from lms.classes import rules, services, sessions
from lms.classes.models import Class, ClassSession
from lms.errors import DomainError
from lms.extensions import db


def _class_data(program, instructor, **overrides):
    start = date.today() + timedelta(days=10)
    values = {
        "program_id": program.id,
        "code": "BD-01",
        "title": "Bồi dưỡng đảng viên mới",
        "start_date": start,
        "end_date": start + timedelta(days=4),
        "place": "Hội trường",
        "instructor_ids": [instructor.id],
        "enrollment_mode": "open",
    }
    values.update(overrides)
    return services.ClassData(**values)


def test_program_create_edit_retire(make):
    director = make.director()
    program = services.create_program(
        services.ProgramData(code="SC", name="Sơ cấp lý luận chính trị", min_attendance_pct=90),
        actor=director,
    )
    services.update_program(
        program,
        services.ProgramData(code="SC", name="Sơ cấp LLCT", kind="conference"),
        actor=director,
    )
    assert (program.name, program.kind, program.min_attendance_pct) == (
        "Sơ cấp LLCT",
        "conference",
        80,
    )
    services.set_program_retired(program, True, actor=director)
    assert program not in services.list_programs(include_retired=False)
    with pytest.raises(DomainError):
        services.create_program(services.ProgramData(code="SC", name="x"), actor=director)
    with pytest.raises(DomainError):
        services.create_program(services.ProgramData(code="Y", name="y"), actor=make.trainee())


def test_class_is_created_with_instructors_and_folded_search_text(make):
    director, teacher = make.director(), make.instructor()
    klass = services.create_class(_class_data(make.program(), teacher), actor=director)
    assert klass.instructors == [teacher]
    assert "boi duong dang vien moi" in klass.search_text
    assert "bd-01" in klass.search_text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_date": date.today()}, "ngày kết thúc"),
        ({"instructor_ids": []}, "giảng viên"),
        (
            {"enrol_opens_on": date.today(), "enrol_closes_on": date.today() - timedelta(days=1)},
            "hạn chót",
        ),
        ({"capacity": 0}, "sĩ số"),
    ],
)
def test_bad_class_input_saves_nothing(make, overrides, message):
    director, teacher, program = make.director(), make.instructor(), make.program()
    with pytest.raises(DomainError) as caught:
        services.create_class(_class_data(program, teacher, **overrides), actor=director)
    assert message in str(caught.value.message).lower()
    db.session.rollback()
    assert db.session.query(Class).count() == 0


def test_capacity_cannot_drop_below_current_enrollment(make):
    director, teacher = make.director(), make.instructor()
    klass = services.create_class(_class_data(make.program(), teacher, capacity=10), actor=director)
    for _ in range(3):
        make.enrollment(klass)
    with pytest.raises(DomainError, match="nhỏ hơn"):
        services.update_class(
            klass, _class_data(klass.program, teacher, capacity=2), actor=director
        )


def test_class_cancel_records_who_and_why(make):
    director = make.director()
    klass = make.klass()
    with pytest.raises(DomainError):
        services.cancel_class(klass, "  ", actor=director)
    services.cancel_class(klass, "Trùng lịch hội nghị", actor=director)
    assert klass.cancelled_by_id == director.id
    assert klass.cancel_reason == "Trùng lịch hội nghị"
    assert rules.class_status(klass, date.today()) == "cancelled"


def test_status_follows_dates_window_and_sessions():
    klass = Class(
        code="x",
        title="x",
        start_date=date(2026, 3, 10),
        end_date=date(2026, 3, 20),
        enrollment_mode="open",
        enrol_opens_on=date(2026, 3, 1),
    )
    status = rules.class_status
    assert status(klass, date(2026, 2, 20)) == "planned"
    assert status(klass, date(2026, 3, 5)) == "open"
    assert status(klass, date(2026, 3, 12)) == "running"
    assert status(klass, date(2026, 3, 21)) == "finished"
    assert status(klass, date(2026, 3, 16), last_session=date(2026, 3, 15)) == "finished"
    klass.enrollment_mode = "assigned"
    assert status(klass, date(2026, 3, 5)) == "planned"


def test_session_outside_the_class_dates_or_ending_first_is_refused(make):
    director = make.director()
    klass = make.klass()
    day = klass.start_date
    with pytest.raises(DomainError, match="nằm ngoài"):
        sessions.add_session(
            klass,
            sessions.SessionData(day - timedelta(days=1), time(8), time(11)),
            actor=director,
        )
    with pytest.raises(DomainError, match="trước giờ bắt đầu"):
        sessions.add_session(klass, sessions.SessionData(day, time(11), time(8)), actor=director)
    assert db.session.query(ClassSession).count() == 0


def test_series_on_chosen_weekdays_all_or_nothing(make):
    director = make.director()
    start = date(2030, 1, 7)  # a Monday
    klass = make.klass(start_date=start, end_date=start + timedelta(days=13))
    data = sessions.SeriesData(
        first_date=start,
        last_date=start + timedelta(days=13),
        starts_at=time(7, 30),
        ends_at=time(11),
        weekdays=(0, 2),  # Monday, Wednesday
        room="P.201",
    )
    created = sessions.generate_series(klass, data, actor=director)
    assert [s.on_date.day for s in created] == [7, 9, 14, 16]
    every_day = sessions.SeriesData(start, start + timedelta(days=20), time(13), time(16))
    with pytest.raises(DomainError, match="nằm ngoài"):
        sessions.generate_series(klass, every_day, actor=director)
    assert db.session.query(ClassSession).count() == 4


def test_cancel_one_session_with_reason(make):
    director = make.director()
    session = make.session()
    with pytest.raises(DomainError):
        sessions.cancel_session(session, "", actor=director)
    sessions.cancel_session(session, "Mưa bão", actor=director)
    assert session.is_cancelled
    assert session.cancel_reason == "Mưa bão"


def test_double_booked_room_and_instructor_are_warned(make):
    teacher = make.instructor(full_name="Trần Văn Giảng")
    a = make.klass(instructors=[teacher])
    b = make.klass(instructors=[teacher], start_date=a.start_date)
    c = make.klass(start_date=a.start_date)
    make.session(a, room="Hội trường A", starts_at=time(8), ends_at=time(11))
    make.session(b, room="Phòng 2", starts_at=time(10), ends_at=time(12))
    make.session(c, room="hội trường a", starts_at=time(9), ends_at=time(10))
    make.session(c, room="Hội trường A", starts_at=time(13), ends_at=time(15))  # no overlap
    db.session.expire_all()
    found = sessions.find_conflicts(sessions.load_class_with_sessions(a.id))
    assert sorted((c.reason, c.other.klass.code) for c in found) == [
        ("instructor", b.code),
        ("room", c.code),
    ]


def test_catalog_search_ignores_diacritics_and_hides_closed_classes(make):
    make.klass(title="Bồi dưỡng kiến thức quốc phòng")
    make.klass(title="Cập nhật kiến thức")
    make.klass(title="Bồi dưỡng đảng viên", enrollment_mode="assigned")
    make.klass(title="Bồi dưỡng cũ", enrol_closes_on=date.today() - timedelta(days=1))
    titles = [k.title for k in services.list_catalog(q="boi duong")]
    assert titles == ["Bồi dưỡng kiến thức quốc phòng"]
    assert len(services.list_catalog(q="KIEN THUC")) == 2
    assert services.list_catalog(q="100%") == []


def test_class_list_filters_by_derived_status_and_year(make):
    director = make.director()
    running = make.klass(start_date=date.today() - timedelta(days=1))
    cancelled = make.klass()
    services.cancel_class(cancelled, "Hoãn", actor=director)
    old = make.klass(start_date=date(2019, 3, 4))
    assert [k.id for k, _ in services.list_classes(status="running")] == [running.id]
    assert [k.id for k, _ in services.list_classes(status="cancelled")] == [cancelled.id]
    assert [(k.id, s) for k, s in services.list_classes(year=2019)] == [(old.id, "finished")]
