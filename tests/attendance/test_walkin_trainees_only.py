"""Walk-ins add trainees only (issue 18.1), by the same rule as the director's enrolment
(lms/enrollment/eligibility.py)."""

from sqlalchemy import func, select

from lms.enrollment.models import Enrollment
from lms.extensions import db


def _enrolled(user) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.user_id == user.id)
    )


def test_walkin_search_lists_no_staff_and_no_usernames(room, client, login, make):
    admin = make.admin(username="admin", full_name="Quản Trị Viên")
    director = make.director(username="giamdoc", full_name="Giám Đốc Trung Tâm")
    unit = make.unit(name="Phường Hàng Bạc")
    trainee = make.trainee(username="hv-admin-tran", full_name="Trần Admin Học", unit=unit)
    login(room.instructor)
    walkin = f"/sessions/{room.session.id}/walkin"
    for query in ("admin", "quan tri", "giamdoc", "giam doc"):
        page = client.get(walkin, query_string={"q": query}).text
        assert "Quản Trị Viên" not in page, query
        assert "Giám Đốc Trung Tâm" not in page, query
        assert f'value="{admin.id}"' not in page
        assert f'value="{director.id}"' not in page
    page = client.get(walkin, query_string={"q": "admin hoc"}).text
    assert "Trần Admin Học" in page
    assert "Phường Hàng Bạc" in page
    assert "hv-admin-tran" not in page  # never the username
    assert f'value="{trainee.id}"' in page


def test_walkin_add_of_the_director_is_refused_and_enrols_nothing(room, client, login, make):
    director = make.director(username="giamdoc", full_name="Giám Đốc Trung Tâm")
    login(room.instructor)
    response = client.post(
        f"/sessions/{room.session.id}/walkin/add",
        data={"user_id": director.id},
        follow_redirects=True,
    )
    refusal = "Giám Đốc Trung Tâm không phải học viên: chỉ học viên mới được ghi danh."
    assert refusal in response.text
    db.session.expire_all()
    assert _enrolled(director) == 0


def test_director_cannot_enrol_a_non_trainee(room, client, login, make):
    director = make.director()
    instructor = make.instructor(full_name="Giảng Viên Khác", unit=make.unit())  # has a unit
    login(director)
    response = client.post(
        f"/classes/{room.klass.id}/assign",
        data={"kind": "pick", "user_ids": [instructor.id]},
        follow_redirects=True,
    )
    assert "Không phải học viên đang hoạt động có đơn vị: Giảng Viên Khác" in response.text
    db.session.expire_all()
    assert _enrolled(instructor) == 0
