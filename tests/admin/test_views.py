"""Admin pages: only admins get in; forms reach the services and show their messages."""

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db


def admin_urls(app, user_id: int, unit_id: int):
    """Every admin endpoint with its methods, ids filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        url = rule.rule.replace("<int:user_id>", str(user_id)).replace(
            "<int:unit_id>", str(unit_id)
        )
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            urls.append((method, url))
    return urls


@pytest.mark.parametrize("role", ["trainee", "instructor", "director"])
def test_non_admins_get_403_everywhere(app, client, login, make, role):
    person = make.user(roles=(role,))
    target = make.trainee()
    db.session.commit()
    login(person)
    urls = admin_urls(app, target.id, target.unit_id)
    assert len(urls) >= 15
    for method, url in urls:
        assert client.open(url, method=method).status_code == 403, (method, url)
    db.session.refresh(target)
    assert target.active


def test_anonymous_visitors_are_sent_to_sign_in(app, client, make):
    target = make.trainee()
    db.session.commit()
    for method, url in admin_urls(app, target.id, target.unit_id):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login")


def test_admin_nav_links(client, login, make):
    admin = make.admin()
    db.session.commit()
    login(admin)
    home = client.get("/")
    for link in ('href="/admin/users"', 'href="/admin/units"', 'href="/admin/settings"'):
        assert link in home.text


def test_non_admin_nav_has_no_admin_links(client, login, make):
    director = make.director()
    db.session.commit()
    login(director)
    assert 'href="/admin/users"' not in client.get("/").text


def test_create_edit_reset_and_deactivate_through_the_pages(app, client, login, make):
    admin = make.admin()
    unit = make.unit(code="P1", name="Phường Đại Kim")
    db.session.commit()
    login(admin)
    form = {
        "full_name": "Nguyễn Thị Hòa",
        "username": "hoa",
        "email": "",
        "date_of_birth": "05/01/1985",
        "member_id": "",
        "unit_id": str(unit.id),
        "roles": ["trainee", "instructor"],
        "active": "y",
        "password": "",
    }
    bad_date = client.post("/admin/users/new", data={**form, "date_of_birth": "1985-01-05"})
    assert "Hãy viết ngày theo dạng dd/mm/yyyy." in bad_date.text
    no_unit = client.post("/admin/users/new", data={**form, "unit_id": ""})
    assert "Học viên phải thuộc một đơn vị." in no_unit.text
    assert 'value="Nguyễn Thị Hòa"' in no_unit.text  # what was typed is kept
    created = client.post("/admin/users/new", data=form)
    assert created.status_code == 302
    hoa = db.session.scalar(select(User).where(User.username == "hoa"))
    assert hoa.roles == {"trainee", "instructor"}
    assert hoa.password_hash is None

    edit_page = client.get(f"/admin/users/{hoa.id}")
    assert 'value="05/01/1985"' in edit_page.text
    edited = client.post(f"/admin/users/{hoa.id}", data={**form, "roles": ["instructor"]})
    assert edited.status_code == 302
    db.session.refresh(hoa)
    assert hoa.roles == {"instructor"}

    mismatch = client.post(
        f"/admin/users/{hoa.id}/password",
        data={"new_password": "first-pass-1", "confirm": "other-pass-1"},
        follow_redirects=True,
    )
    assert "Hai mật khẩu không khớp." in mismatch.text
    client.post(
        f"/admin/users/{hoa.id}/password",
        data={"new_password": "first-pass-1", "confirm": "first-pass-1"},
    )
    device = app.test_client()
    assert (
        device.post("/login", data={"login": "hoa", "password": "first-pass-1"}).status_code == 302
    )
    assert device.get("/").status_code == 200

    client.post(f"/admin/users/{hoa.id}/deactivate")
    assert device.get("/").status_code == 302  # signed out at once
    listed = client.get("/admin/users?status=inactive&q=hoa")
    assert "Nguyễn Thị Hòa" in listed.text
    own = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "Bạn không thể" in own.text
    assert client.get("/admin/users/99999").status_code == 404


def test_users_list_filters(client, login, make):
    unit = make.unit(name="Phường Đại Kim")
    make.user(full_name="Nguyễn Thị Hòa", unit=unit)
    make.user(full_name="Trần Văn Đức")
    admin = make.admin(full_name="Quản Trị Viên")
    db.session.commit()
    login(admin)
    page = client.get("/admin/users?q=nguyen+hoa")
    assert "Nguyễn Thị Hòa" in page.text
    assert "Trần Văn Đức" not in page.text
    by_unit = client.get(f"/admin/users?unit={unit.id}")
    assert "Nguyễn Thị Hòa" in by_unit.text
    assert "Trần Văn Đức" not in by_unit.text
    by_role = client.get("/admin/users?role=admin")
    assert "Quản Trị Viên" in by_role.text
    assert "Nguyễn Thị Hòa" not in by_role.text


def test_form_messages_are_in_vietnamese(client, login, make):
    admin = make.admin()
    db.session.commit()
    login(admin)
    empty = client.post("/admin/users/new", data={})
    assert "Cần nhập mục này." in empty.text
    assert "Hãy chọn ít nhất một vai trò." in empty.text
    assert "This field" not in empty.text
    listing = client.get("/admin/users?role=king&unit=abc&status=zzz")
    assert listing.status_code == 200
    assert "Not a valid" not in listing.text
