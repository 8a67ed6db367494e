"""Corrections end to end, as a director does them in the browser: cancel a session that has
marks (the page says how many and asks for confirmation), restore it, close the class out,
reopen it with a reason (shown on the hub) and close it out again."""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from lms.attendance.services import mark_attendance
from lms.classes.models import Class, ClassSession
from lms.core.models import AuditLog
from lms.extensions import db
from tests.e2e.conftest import shot, sign_in

LATER = datetime(2019, 4, 1, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_cancel_restore_reopen_and_close_again(live_server, browser_page, make):
    director = make.director(username="giamdoc", full_name="Nguyễn Thế Thạch")
    klass = make.klass(title="Lớp cập nhật kiến thức 2019", start_date=date(2019, 3, 5),
                       end_date=date(2019, 3, 12))
    first, second = (make.session(klass, on_date=date(2019, 3, d), starts_at=time(8),
                                  ends_at=time(11)) for d in (5, 12))
    people = [make.enrollment(klass, enrolled_on=date(2019, 3, 1)) for _ in range(3)]
    for session in (first, second):
        mark_attendance(session, {e.id: ("present", "") for e in people}, actor=director,
                        reason="Sổ giấy", now=LATER)
    db.session.commit()
    klass_id, first_id = klass.id, first.id

    page = browser_page("desktop")
    page.on("dialog", lambda dialog: dialog.accept())  # "close out this class?"
    sign_in(page, live_server.url, "giamdoc")

    # Cancel the marked session: the page says 3 marks; without the tick it is refused.
    page.goto(f"{live_server.url}/sessions/{first_id}/edit")
    assert page.get_by_text("Buổi này có 3 lượt điểm danh").is_visible()
    cancel = page.locator(f"form[action$='/sessions/{first_id}/cancel']")
    cancel.get_by_label("Lý do").fill("Mất điện cả buổi")
    cancel.get_by_role("button", name="Hủy buổi học").click()
    page.get_by_text("hủy buổi sẽ gạt chúng ra", exact=False).wait_for()
    assert db.session.get(ClassSession, first_id).cancelled_at is None
    cancel = page.locator(f"form[action$='/sessions/{first_id}/cancel']")
    cancel.get_by_label("Lý do").fill("Mất điện cả buổi")
    cancel.get_by_label("Tôi xác nhận: gạt ra 3 lượt điểm danh").check()
    shot(page, "corrections-1-cancel-confirm")
    cancel.get_by_role("button", name="Hủy buổi học").click()
    page.get_by_text("Đã hủy buổi học.").wait_for()
    shot(page, "corrections-2-cancelled")

    # Restore it, with a reason.
    page.get_by_text("Khôi phục", exact=True).click()
    restore = page.locator(f"form[action$='/sessions/{first_id}/restore']")
    restore.get_by_label("Lý do").fill("Hủy nhầm buổi")
    restore.get_by_role("button", name="Khôi phục buổi").click()
    page.get_by_text("3 lượt điểm danh được tính lại", exact=False).wait_for()
    db.session.expire_all()
    assert db.session.get(ClassSession, first_id).cancelled_at is None

    # Close out, reopen with a reason, close out again.
    page.goto(f"{live_server.url}/classes/{klass_id}/hub")
    page.get_by_role("button", name="Kết thúc lớp").click()
    page.get_by_text("Mở lại lớp để sửa").click()
    page.get_by_label("Lý do").fill("Phát hiện sai sót điểm danh")
    page.get_by_role("button", name="Mở lại lớp", exact=True).click()
    page.get_by_text(re.compile("Lớp đã kết thúc được mở lại lúc")).wait_for()
    assert page.get_by_text("Lý do: Phát hiện sai sót điểm danh").is_visible()
    shot(page, "corrections-3-reopened")
    page.get_by_role("button", name="Kết thúc lớp").click()
    page.get_by_text(re.compile("Đã kết thúc lớp|Kết thúc lúc|Đã kết thúc")).first.wait_for()
    shot(page, "corrections-4-closed-again")
    db.session.expire_all()
    assert db.session.get(Class, klass_id).closed_at is not None
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.in_(
        ("session.cancel", "session.restore", "class.reopen", "close_out")))
        .order_by(AuditLog.id)).all()
    assert actions == ["session.cancel", "session.restore", "close_out", "class.reopen",
                       "close_out"]
