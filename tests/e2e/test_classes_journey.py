"""The class journey: a director sets up a program, a class, its sessions and enrols a unit;
a trainee finds the class by searching without diacritics, enrols, sees it, withdraws."""

from datetime import date, timedelta

from lms.classes.models import ClassSession
from lms.enrollment.models import Enrollment
from lms.extensions import db
from tests.e2e.conftest import shot, sign_in


def test_director_sets_up_a_class_and_a_trainee_enrols(live_server, browser_page, make):
    make.director(username="giamdoc", full_name="Nguyễn Thế Thạch")
    make.instructor(username="gv", full_name="Trần Văn Giảng")
    ward = make.unit(name="Phường Tân Mai")
    make.unit(name="Chi bộ 5", parent_id=ward.id)
    for n in range(3):
        make.trainee(unit=ward, full_name=f"Đỗ Thị Hạnh {n}")
    make.trainee(username="hoa", full_name="Ngô Thị Hoa")
    db.session.commit()
    start = date.today() + timedelta(days=14)
    url = live_server.url

    page = browser_page("desktop")
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, url, "giamdoc")
    page.goto(url + "/programs/new")
    page.locator("[name=code]").fill("BDCT")
    page.locator("[name=name]").fill("Bồi dưỡng chính trị hè")
    page.get_by_role("button", name="Lưu").click()
    assert page.get_by_text("Đã lưu chương trình.").is_visible()
    shot(page, "classes-1-programs")

    page.get_by_role("link", name="Lớp mới").first.click()
    page.locator("[name=code]").fill("BDCT-2026-01")
    page.locator("[name=title]").fill("Lớp bồi dưỡng chính trị hè 2026")
    page.locator("[name=place]").fill("Hội trường Trung tâm")
    page.locator("[name=start_date]").fill(start.isoformat())
    page.locator("[name=end_date]").fill((start + timedelta(days=4)).isoformat())
    page.locator("[name=capacity]").fill("40")
    page.locator("[name=enrollment_mode]").select_option("open")
    page.get_by_label("Trần Văn Giảng").check()
    shot(page, "classes-2-class-form")
    page.get_by_role("button", name="Lưu").click()
    assert page.get_by_text("Đã lưu lớp học.").first.is_visible()

    series = page.locator("#series")
    series.locator("[name=starts_at]").fill("07:30")
    series.locator("[name=ends_at]").fill("11:00")
    series.locator("[name=topic]").fill("Chuyên đề")
    series.locator("[name=room]").fill("Hội trường A")
    series.get_by_role("button", name="Tạo các buổi học").click()
    assert page.get_by_text("Đã thêm 5 buổi học.").is_visible()
    shot(page, "classes-3-class-with-sessions")

    page.get_by_role("link", name="Ghi danh học viên").first.click()
    page.locator("[name=unit_id]").select_option(label=f"Phường Tân Mai ({ward.code})")
    page.get_by_role("button", name="Ghi danh cả đơn vị").click()
    assert page.get_by_text("Đã ghi danh 3 học viên.").is_visible()
    shot(page, "classes-4a-assign")
    page.get_by_role("link", name="Danh sách lớp").first.click()
    assert page.locator("table.roster tbody tr").count() == 3
    shot(page, "classes-4-roster")

    trainee = browser_page("phone")
    trainee.on("dialog", lambda dialog: dialog.accept())
    sign_in(trainee, url, "hoa")
    trainee.goto(url + "/classes/catalog")
    trainee.get_by_label("Tìm kiếm").fill("boi duong chinh tri")
    trainee.get_by_role("button", name="Tìm").click()
    shot(trainee, "classes-5-catalog-phone")
    trainee.get_by_role("link", name="Lớp bồi dưỡng chính trị hè 2026").click()
    assert trainee.get_by_text("37 / 40").is_visible()
    trainee.get_by_role("button", name="Ghi danh").click()
    assert trainee.get_by_text("Bạn đã ghi danh thành công.").is_visible()
    shot(trainee, "classes-6-enrolled-phone")

    trainee.goto(url + "/my/classes")
    assert trainee.get_by_role("heading", name="Lớp bồi dưỡng chính trị hè 2026").is_visible()
    assert trainee.get_by_text(start.strftime("%d/%m/%Y")).first.is_visible()
    shot(trainee, "classes-7-my-classes-phone")

    trainee.get_by_role("link", name="Lớp bồi dưỡng chính trị hè 2026").first.click()
    trainee.get_by_role("button", name="Rút khỏi lớp").click()
    assert trainee.get_by_text("Bạn đã rút khỏi lớp.").is_visible()
    shot(trainee, "classes-8-withdrawn-phone")

    db.session.expire_all()
    assert db.session.query(ClassSession).count() == 5
    statuses = sorted(e.status for e in db.session.query(Enrollment))
    assert statuses == ["enrolled"] * 3 + ["withdrawn"]
