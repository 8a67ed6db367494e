"""User administration: the rules an admin meets when creating and editing accounts."""

from datetime import date

import pytest
from sqlalchemy import event, select

from lms.admin import services
from lms.admin.services import UserData
from lms.auth.models import User
from lms.auth.services import authenticate
from lms.core.models import AuditLog
from lms.errors import DomainError
from lms.extensions import db


def data(**overrides) -> UserData:
    values = {
        "username": "Hoa.NT",
        "full_name": "Nguye\u0302\u0303n Thị Hòa",  # decomposed: stored as NFC
        "email": "Hoa@Example.vn",
        "date_of_birth": date(1985, 1, 5),
        "unit_code": "P1",
        "roles": {"trainee", "instructor"},
        "password": "long-enough-pw",
    }
    values.update(overrides)
    return UserData(**values)


def test_create_user_normalises_and_combines_roles(make):
    admin = make.admin()
    make.unit(code="P1")
    user = services.create_user(data(), actor=admin)
    assert user.username == "hoa.nt"
    assert user.email == "hoa@example.vn"
    assert user.full_name == "Nguyễn Thị Hòa"
    assert user.search_name == "nguyen thi hoa"
    assert user.roles == {"trainee", "instructor"}
    assert authenticate("hoa@example.vn", "long-enough-pw") == user
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.object_id == user.id))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "x"}, "username", "Tên đăng nhập có từ 2 đến 64"),
        ({"username": "hòa"}, "username", "không dấu"),
        ({"full_name": "  "}, "full_name", "Cần nhập họ và tên"),
        ({"email": "not-an-email"}, "email", "not-an-email không hợp lệ"),
        ({"roles": set()}, "roles", "vai trò"),
        ({"roles": {"king"}}, "roles", "vai trò"),
        ({"unit_code": None}, "unit", "Học viên phải thuộc một đơn vị"),
        ({"unit_code": "NOPE"}, "unit", "NOPE"),
        ({"date_of_birth": date(2999, 1, 1)}, "date_of_birth", "Ngày sinh không hợp lý"),
        ({"password": "short"}, "new_password", "ít nhất 8 ký tự"),
    ],
)
def test_create_user_refuses_bad_values_with_a_message(make, overrides, field, message):
    admin = make.admin()
    make.unit(code="P1")
    with pytest.raises(DomainError) as caught:
        services.create_user(data(**overrides), actor=admin)
    assert caught.value.field == field
    assert message in str(caught.value.message)


def test_uniqueness_messages_name_the_value(make):
    admin = make.admin()
    make.unit(code="P1")
    make.user(username="hoa.nt")
    make.user(email="taken@example.vn")
    make.user(member_id="DV-1")
    for overrides, expected in (
        ({}, "hoa.nt"),
        ({"username": "other", "email": "TAKEN@example.vn"}, "taken@example.vn"),
        ({"username": "other", "email": None, "member_id": "DV-1"}, "DV-1"),
    ):
        with pytest.raises(DomainError) as caught:
            services.create_user(data(**overrides), actor=admin)
        assert expected in str(caught.value.message)


def test_only_admins_manage_users(make):
    director = make.director()
    make.unit(code="P1")
    with pytest.raises(DomainError):
        services.create_user(data(), actor=director)


def test_update_keeps_own_email_and_changes_roles(make):
    admin = make.admin()
    unit = make.unit(code="P1")
    user = services.create_user(data(), actor=admin)
    services.update_user(user, data(roles={"director"}, unit_code=None), actor=admin)
    assert user.roles == {"director"}
    assert user.unit is None
    assert user.email == "hoa@example.vn"
    assert unit.id  # the unit itself is untouched


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(make):
    admin = make.admin(username="boss", full_name="Trần Văn Bảo")
    with pytest.raises(DomainError):
        services.update_user(
            admin,
            UserData(username="boss", full_name="Trần Văn Bảo", roles={"director"}),
            actor=admin,
        )
    with pytest.raises(DomainError):
        services.set_user_active(admin, False, actor=admin)
    assert admin.active


def test_deactivation_ends_sessions_and_sign_in(app, make):
    admin = make.admin()
    user = make.user(username="hoa")
    db.session.commit()
    device = app.test_client()
    device.post("/login", data={"login": "hoa", "password": "secret-pass"})
    assert device.get("/").status_code == 200

    services.set_user_active(db.session.get(User, user.id), False, actor=admin)
    db.session.commit()
    assert device.get("/").status_code == 302  # the captured session is refused
    assert authenticate("hoa", "secret-pass") is None
    services.set_user_active(db.session.get(User, user.id), True, actor=admin)
    assert authenticate("hoa", "secret-pass") is not None


def test_reset_password_signs_the_person_out(app, make):
    admin = make.admin()
    user = make.user(username="hoa")
    db.session.commit()
    device = app.test_client()
    device.post("/login", data={"login": "hoa", "password": "secret-pass"})
    services.reset_password(db.session.get(User, user.id), "brand-new-pw", actor=admin)
    db.session.commit()
    assert device.get("/").status_code == 302
    assert authenticate("hoa", "brand-new-pw") is not None


def test_search_ignores_diacritics_and_filters(make):
    unit = make.unit()
    other = make.unit()
    hoa = make.user(full_name="Nguyễn Thị Hòa", unit=unit)
    make.user(full_name="Trần Văn Đức", unit=other, roles=("trainee", "instructor"))
    make.user(full_name="Lê Hoàng", unit=unit, active=False)

    def names(**kwargs):
        return [u.full_name for u in db.session.scalars(services.users_query(**kwargs))]

    assert names(q="nguyen hoa") == ["Nguyễn Thị Hòa"]
    assert names(q="NGUYỄN") == ["Nguyễn Thị Hòa"]
    assert names(q="duc") == ["Trần Văn Đức"]
    assert names(q=hoa.username) == ["Nguyễn Thị Hòa"]
    assert names(q="100%") == []  # a LIKE wildcard is searched for literally
    assert names(role="instructor") == ["Trần Văn Đức"]
    assert sorted(names(unit_id=unit.id)) == ["Lê Hoàng", "Nguyễn Thị Hòa"]
    assert names(unit_id=unit.id, active=True) == ["Nguyễn Thị Hòa"]
    # Vietnamese order: by given name first (Đức, Hòa, Hoàng)
    assert names() == ["Trần Văn Đức", "Nguyễn Thị Hòa", "Lê Hoàng"]


def test_users_page_runs_a_bounded_number_of_queries(app, client, login, make):
    admin = make.admin()
    units = [make.unit() for _ in range(5)]
    for n in range(60):
        make.user(unit=units[n % 5], roles=("trainee",) if n % 2 else ("trainee", "instructor"))
    db.session.commit()
    login(admin)

    def count(url):
        statements = []

        def listener(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            response = client.get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert response.status_code == 200
        return len(statements), response

    few, _ = count("/admin/users?role=director")
    many, response = count("/admin/users")
    assert many == few  # 60 rows (a full page of 50) cost no more statements than none
    assert many <= 8
    assert "Trang 1 / 2" in response.text
    second = client.get("/admin/users?page=2")
    assert second.status_code == 200
    assert second.text.count('href="/admin/users/') >= 11
