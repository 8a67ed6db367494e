"""An admin creates a user, imports a list with a mistake, fixes it, imports again; the users
list on a phone."""

from datetime import date

from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.exports import Sheet, xlsx_bytes
from lms.extensions import db
from tests.e2e.conftest import shot, sign_in

HEADER = ["full_name", "username", "email", "date_of_birth", "unit_code", "roles", "member_id"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows) -> dict:
    return {
        "name": "hoc-vien.xlsx",
        "mimeType": XLSX,
        "buffer": xlsx_bytes([Sheet("DS", HEADER, rows)]),
    }


def users() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


def test_admin_creates_a_user_and_imports_a_list(live_server, browser_page, make):
    make.admin(username="quantri", full_name="Phạm Quản Trị")
    district = make.unit(code="Q", name="Quận Hoàng Mai")
    ward = make.unit(code="P1", name="Đảng bộ phường Đại Kim", parent=district)
    make.unit(code="C1", name="Chi bộ khu dân cư số 1", parent=ward)
    db.session.commit()
    page = browser_page("desktop")
    sign_in(page, live_server.url, "quantri")

    page.get_by_role("link", name="Người dùng").first.click()
    page.get_by_role("link", name="Thêm người dùng").click()
    page.get_by_label("Họ và tên").fill("Nguyễn Thị Hòa")
    page.get_by_label("Tên đăng nhập").fill("hoa.nt")
    page.get_by_label("Ngày sinh (dd/mm/yyyy)").fill("05/01/1985")
    page.get_by_label("Đơn vị", exact=True).select_option(str(ward.id))
    page.get_by_label("Học viên").check()
    page.get_by_label("Giảng viên").check()
    shot(page, "admin-desktop-1-new-user")
    page.get_by_role("button", name="Tạo").click()
    assert page.get_by_text("Đã tạo tài khoản hoa.nt.").is_visible()
    shot(page, "admin-desktop-2-user-created")

    before = users()
    page.get_by_role("link", name="Nhập người dùng").click()
    rows = [
        ["Trần Văn Đức", "duc.tv", "duc@example.vn", date(1979, 12, 31), "P1", "trainee", ""],
        ["Lê Minh Châu", "chau.lm", "", "31/02/1990", "NOPE", "trainee", ""],
        ["Võ Thị Bình", "binh.vt", "", "", "Q", "trainee,instructor", "DV-7"],
    ]
    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(workbook(rows))
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    assert page.get_by_role("heading", name="Chưa nhập gì").is_visible()
    errors = page.locator(".import-errors tbody tr")
    assert errors.count() == 2
    assert "date_of_birth" in errors.nth(0).inner_text()
    assert "NOPE" in errors.nth(1).inner_text()
    shot(page, "admin-desktop-3-import-errors")
    assert users() == before  # nothing saved

    rows[1][3:5] = ["28/02/1990", "P1"]
    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(workbook(rows))
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    assert page.get_by_text("Đã nhập xong: tạo mới 3, cập nhật 0, giữ nguyên 0.").is_visible()
    shot(page, "admin-desktop-4-import-done")
    assert users() == before + 3

    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(workbook(rows))
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    assert page.get_by_text("tạo mới 0, cập nhật 0, giữ nguyên 3.").is_visible()

    page.get_by_role("link", name="Người dùng").first.click()
    assert page.get_by_text("5 người dùng").is_visible()
    shot(page, "admin-desktop-5-users")
    page.get_by_role("link", name="Đơn vị").first.click()
    shot(page, "admin-desktop-6-units")
    page.get_by_role("link", name="Thiết lập trung tâm").first.click()
    shot(page, "admin-desktop-7-settings")


def test_users_list_on_a_phone(live_server, browser_page, make):
    make.admin(username="quantri", full_name="Phạm Quản Trị")
    unit = make.unit(code="P1", name="Đảng bộ phường Đại Kim")
    for name in ("Nguyễn Thị Hòa", "Trần Văn Đức", "Lê Minh Châu", "Võ Thị Bình"):
        make.user(full_name=name, unit=unit, email=f"{name.split()[-1].lower()}@example.vn")
    db.session.commit()
    page = browser_page("phone")
    sign_in(page, live_server.url, "quantri")
    page.goto(live_server.url + "/admin/users")
    shot(page, "admin-phone-1-users")
    page.get_by_label("Tìm kiếm").fill("hoa")
    page.get_by_role("button", name="Lọc").click()
    assert page.get_by_role("link", name="Nguyễn Thị Hòa").is_visible()
    assert page.get_by_text("Trần Văn Đức").count() == 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways: {width}px"
    shot(page, "admin-phone-2-search")
