"""The pages: a person's notices (unread first, mark read, only their own), the home page, the
preferences (language, reminders, e-mail), the director's outbox (counts, filters, resend)."""

from __future__ import annotations

from sqlalchemy import select

from lms.core.types import utcnow
from lms.enrollment import services as enrollment_services
from lms.extensions import db
from lms.notices.models import Notice, NoticePreference
from lms.notices.outbox import send_due


def assign(make, klass, people, director=None):
    enrollment_services.assign_trainees(klass, people, actor=director or make.director())
    db.session.commit()


def test_my_notices_unread_first_and_marked_read_one_by_one(make, client, login):
    lan = make.trainee(full_name="Phạm Thị Lan")
    director = make.director()
    old = make.klass(title="Lớp cũ", enrollment_mode="assigned")
    new = make.klass(title="Lớp mới", enrollment_mode="assigned")
    assign(make, old, [lan], director)
    assign(make, new, [lan], director)
    first = db.session.scalar(select(Notice).where(Notice.class_id == old.id))
    first.read_at = utcnow()
    db.session.commit()
    login(lan)

    page = client.get("/notices").text
    assert page.index("Lớp mới") < page.index("Lớp cũ")  # unread first
    assert "Bạn đã được ghi danh vào lớp Lớp mới" in page

    second = db.session.scalar(select(Notice).where(Notice.class_id == new.id))
    assert client.post("/notices/read", data={"notice_id": second.id}).status_code == 302
    db.session.refresh(second)
    assert second.read_at is not None


def test_nobody_marks_another_person_s_notice(make, client, login):
    lan, binh = make.trainee(), make.trainee()
    assign(make, make.klass(enrollment_mode="assigned"), [lan])
    notice = db.session.scalar(select(Notice).where(Notice.user_id == lan.id))
    login(binh)
    client.post("/notices/read", data={"notice_id": notice.id})
    client.post("/notices/read", data={"all": "1"})
    db.session.refresh(notice)
    assert notice.read_at is None
    assert "Lớp" not in client.get("/notices").text.split("<main", 1)[-1].split("</main>")[0]


def test_the_home_page_shows_unread_notices_until_read(make, client, login):
    lan = make.trainee()
    assign(make, make.klass(title="Lớp bồi dưỡng kiến thức", enrollment_mode="assigned"), [lan])
    login(lan)
    home = client.get("/").text
    assert "Bạn đã được ghi danh vào lớp Lớp bồi dưỡng kiến thức" in home
    client.post("/notices/read", data={"all": "1", "next": "home"})
    assert "Bạn đã được ghi danh vào lớp Lớp bồi dưỡng kiến thức" not in client.get("/").text


def test_preferences_language_reminders_and_a_new_address_clear_a_bounce(make, client, login):
    lan = make.trainee(email="old@example.vn")
    db.session.add(NoticePreference(user_id=lan.id, bounced_email="old@example.vn"))
    login(lan)
    page = client.get("/notices/preferences").text
    assert "đã từ chối địa chỉ old@example.vn" in page

    refused = client.post(
        "/notices/preferences", data={"language": "en", "email": "new@example.vn"}
    )
    assert refused.status_code == 200
    assert "Nhập mật khẩu của bạn để đổi địa chỉ e-mail." in refused.text
    db.session.refresh(lan)
    assert (lan.email, lan.language) == ("old@example.vn", "vi")  # nothing saved

    saved = client.post(
        "/notices/preferences",
        data={"language": "en", "email": "new@example.vn", "password": "secret-pass"},
    )
    assert saved.status_code == 302
    db.session.refresh(lan)
    preference = db.session.get(NoticePreference, lan.id)
    db.session.refresh(preference)
    assert (lan.email, lan.language, preference.reminders) == ("new@example.vn", "en", False)
    assert "đã từ chối" not in client.get("/notices/preferences").text


def test_the_outbox_counts_filters_and_resends_a_failed_notice(app, make, client, login, mailbox):
    director = make.director()
    ok, bad = make.trainee(email="ok@example.vn"), make.trainee(email="bad@example.vn")
    klass = make.klass(code="LOP-X", title="Lớp X", enrollment_mode="assigned")
    mailbox.busy = 99
    assign(make, klass, [bad], director)
    send_due()  # fails after its tries
    mailbox.busy = 0
    assign(make, make.klass(enrollment_mode="assigned"), [ok], director)
    send_due()
    login(director)

    page = client.get("/notices/outbox").text
    assert 'Đã gửi hôm nay</div><div class="figure">1<' in page
    assert 'Lỗi hôm nay</div><div class="figure">1<' in page
    assert "451 4.3.0 Mailbox busy" in page
    failed = client.get("/notices/outbox?state=failed").text
    assert "bad@example.vn" in failed
    assert "ok@example.vn" not in failed
    by_class = client.get(f"/notices/outbox?class_id={klass.id}&kind=enrolled").text
    assert "bad@example.vn" in by_class
    assert "ok@example.vn" not in by_class

    notice = db.session.scalar(select(Notice).where(Notice.class_id == klass.id))
    response = client.post("/notices/outbox/resend", data={"notice_id": notice.id})
    assert response.status_code == 302
    send_due()
    assert len(mailbox.to("bad@example.vn")) == 1
    db.session.refresh(notice)
    assert notice.mail_state == "sent"
