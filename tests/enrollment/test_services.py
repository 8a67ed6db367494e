"""Enrolment rules: seats, waitlist, withdrawal, assignment by unit and roster file."""

from datetime import date, timedelta

import pytest

from lms.core.exports import Sheet, csv_bytes, xlsx_bytes
from lms.core.tabular import TableError
from lms.enrollment import services
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db


def _statuses(klass):
    rows = db.session.query(Enrollment).filter_by(class_id=klass.id).order_by(Enrollment.id)
    return [(e.user_id, e.status) for e in rows]


def test_self_enrollment_takes_a_seat_then_waitlists(make):
    klass = make.klass(capacity=2)
    people = [make.trainee() for _ in range(3)]
    results = [services.enrol_self(klass, actor=p).status for p in people]
    assert results == ["enrolled", "enrolled", "waitlisted"]
    assert klass.enrolled_count == 2
    first = db.session.query(Enrollment).filter_by(user_id=people[0].id).one()
    assert first.enrolled_on is not None
    assert first.unit_id == people[0].unit_id
    with pytest.raises(DomainError, match="đã có tên"):
        services.enrol_self(klass, actor=people[0])


def test_self_enrollment_needs_an_open_window_and_an_open_class(make):
    trainee = make.trainee()
    assigned = make.klass(enrollment_mode="assigned")
    later = make.klass(enrol_opens_on=date.today() + timedelta(days=3))
    closed = make.klass(enrol_closes_on=date.today() - timedelta(days=1))
    for klass in (assigned, later, closed):
        with pytest.raises(DomainError):
            services.enrol_self(klass, actor=trainee)
    with pytest.raises(DomainError, match="học viên"):
        services.enrol_self(make.klass(), actor=make.instructor())


def test_withdrawal_promotes_the_first_waitlisted_fifo(make):
    klass = make.klass(capacity=1)
    a, b, c = make.trainee(), make.trainee(), make.trainee()
    mine = services.enrol_self(klass, actor=a)
    services.enrol_self(klass, actor=b)
    services.enrol_self(klass, actor=c)
    promoted = services.withdraw(mine, actor=a)
    assert promoted.user_id == b.id
    assert promoted.status == "enrolled"
    assert promoted.promotion_seen is False
    assert promoted.promoted_at is not None
    assert dict(_statuses(klass)) == {a.id: "withdrawn", b.id: "enrolled", c.id: "waitlisted"}
    assert klass.enrolled_count == 1
    # re-enrolling after withdrawal queues at the end
    assert services.enrol_self(klass, actor=a).status == "waitlisted"


def test_trainee_cannot_withdraw_once_the_class_started(make):
    klass = make.klass(start_date=date.today() - timedelta(days=1), enrol_closes_on=date.today())
    trainee = make.trainee()
    enrollment = make.enrollment(klass, trainee, source="self")
    with pytest.raises(DomainError, match="khai giảng"):
        services.withdraw(enrollment, actor=trainee)
    with pytest.raises(DomainError):
        services.withdraw(enrollment, actor=make.trainee())
    services.withdraw(enrollment, actor=make.director())  # the center can
    assert enrollment.status == "withdrawn"
    assert klass.enrolled_count == 0


def test_raising_capacity_fills_seats_from_the_waitlist(make):
    from lms.classes import services as class_services

    director, teacher = make.director(), make.instructor()
    klass = make.klass(capacity=1, instructors=[teacher])
    people = [make.trainee() for _ in range(3)]
    for person in people:
        services.enrol_self(klass, actor=person)
    data = class_services.ClassData(
        program_id=klass.program_id,
        code=klass.code,
        title=klass.title,
        start_date=klass.start_date,
        end_date=klass.end_date,
        instructor_ids=[teacher.id],
        capacity=2,
        enrollment_mode="open",
    )
    class_services.update_class(klass, data, actor=director)
    assert [s for _, s in _statuses(klass)] == ["enrolled", "enrolled", "waitlisted"]


def test_unit_with_sub_units_is_enrolled_and_already_enrolled_are_reported(make):
    director = make.director()
    district = make.unit(name="Quận ủy")
    ward = make.unit(name="Phường 1", parent_id=district.id)
    cell = make.unit(name="Chi bộ 3", parent_id=ward.id)
    other = make.unit(name="Huyện khác")
    people = [make.trainee(unit=u) for u in (district, ward, cell, cell)]
    make.trainee(unit=other)
    make.trainee(unit=cell, active=False)
    klass = make.klass()
    make.enrollment(klass, people[1])
    result = services.assign_unit(klass, district, actor=director)
    assert {u.id for u in result.added} == {people[0].id, people[2].id, people[3].id}
    assert [u.id for u in result.already] == [people[1].id]
    assert klass.enrolled_count == 4
    rows = db.session.query(Enrollment).filter_by(class_id=klass.id).all()
    assert {r.unit_id for r in rows} == {district.id, ward.id, cell.id}
    only_ward = services.assign_unit(make.klass(), ward, include_subunits=False, actor=director)
    assert [u.id for u in only_ward.added] == [people[1].id]


def test_assignment_beyond_capacity_is_refused_whole(make):
    klass = make.klass(capacity=2)
    people = [make.trainee() for _ in range(3)]
    with pytest.raises(DomainError, match="chỗ"):
        services.assign_trainees(klass, people, actor=make.director())
    db.session.rollback()
    assert db.session.query(Enrollment).count() == 0


def test_assigned_trainee_counts_from_the_first_day_of_the_class(make):
    start = date.today() - timedelta(days=3)
    klass = make.klass(start_date=start)
    result = services.assign_trainees(klass, [make.trainee()], actor=make.director())
    row = db.session.query(Enrollment).filter_by(user_id=result.added[0].id).one()
    assert row.enrolled_on == start


def test_roster_import_by_username_and_member_id(make):
    director = make.director()
    a = make.trainee(username="an.nguyen")
    b = make.trainee(member_id="DV-0042")
    klass = make.klass()
    data = csv_bytes(
        ["no", "username", "member_id", "full_name"],
        [[1, "AN.NGUYEN", "", "Nguyễn Văn An"], [2, "", "DV-0042", "x"]],
    )
    result = services.import_roster(klass, data, actor=director)
    assert {u.id for u in result.added} == {a.id, b.id}
    again = services.import_roster(klass, data, actor=director)
    assert again.added == []
    assert len(again.already) == 2
    assert klass.enrolled_count == 2
    sources = {e.source for e in db.session.query(Enrollment)}
    assert sources == {"import"}


def test_roster_import_lists_every_bad_row_and_saves_nothing(make):
    director = make.director()
    make.trainee(username="ok1")
    make.instructor(username="teacher")
    klass = make.klass()
    rows = [["ok1", "A"], ["ghost", "B"], ["teacher", "C"], ["", "D"], ["ok1", "A"]]
    workbook = xlsx_bytes([Sheet("r", ["username", "full_name"], rows)])
    with pytest.raises(TableError) as caught:
        services.import_roster(klass, workbook, actor=director)
    assert [(e.row, e.column) for e in caught.value.errors] == [
        (3, "username"),
        (4, "username"),
        (5, "username"),
        (6, "username"),
    ]
    assert "ghost" in str(caught.value.errors[0].message)
    db.session.rollback()
    assert db.session.query(Enrollment).count() == 0
    with pytest.raises(TableError):
        services.import_roster(klass, b"name\nX\n", actor=director)
