"""E-mail through a real SMTP server on 127.0.0.1: who gets what, in which language, with
diacritics intact and links that work; retries on a busy or cut connection without a second
copy; a refused address; a sender that dies between sending and recording."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.certificates.services import issue_certificate
from lms.core.types import utcnow
from lms.enrollment import services as enrollment_services
from lms.extensions import db
from lms.notices import outbox
from lms.notices.models import Notice, NoticePreference
from lms.notices.outbox import recover_stale, resend, send_due
from tests.notices.conftest import BASE_URL


@pytest.fixture
def klass(make):
    make.settings()
    return make.klass(
        title="Lớp Bồi dưỡng đảng viên mới",
        code="BDDV-01",
        place="Hội trường Quận ủy",
        enrollment_mode="assigned",
    )


def notices_of(user) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(Notice.user_id == user.id)))


def test_each_person_gets_one_message_in_their_language_with_diacritics_intact(
    app, make, mailbox, klass
):
    director = make.director()
    nhung = make.trainee(full_name="Nguyễn Thị Hồng Nhung", email="nhung@example.vn")
    anh = make.trainee(full_name="Trần Đức Anh", email="anh@example.vn", language="en")
    nobody = make.trainee(full_name="Lê Văn Không Thư")  # no address: the dashboard only
    enrollment_services.assign_trainees(klass, [nhung, anh, nobody], actor=director)
    db.session.commit()

    report = send_due()

    assert report.sent == 2
    assert len(mailbox.received) == 2
    [vi] = mailbox.to("nhung@example.vn")
    [en] = mailbox.to("anh@example.vn")
    assert vi.rcpt_tos == ["nhung@example.vn"]  # one recipient per message, no list
    assert vi.message["Cc"] is None
    assert vi.message["Bcc"] is None
    [to] = vi.message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Nguyễn Thị Hồng Nhung", "nhung@example.vn")
    assert vi.message["From"].addresses[0].display_name == "Trung tâm Bồi dưỡng"
    assert vi.message["Subject"] == "Bạn đã được ghi danh vào lớp Lớp Bồi dưỡng đảng viên mới"
    assert "Kính gửi Nguyễn Thị Hồng Nhung," in vi.text
    assert "Hội trường Quận ủy" in vi.text
    assert "Hội trường Quận ủy" in vi.html
    assert "TRUNG TÂM BỒI DƯỠNG CHÍNH TRỊ" in vi.text  # the center's name
    assert en.message["Subject"] == "You are enrolled in Lớp Bồi dưỡng đảng viên mới"
    assert "Dear Trần Đức Anh," in en.text
    assert "Place: Hội trường Quận ủy" in en.text
    # Headers travel as ASCII (RFC 2047 encoded words), the body as UTF-8.
    raw = vi.message.as_bytes().split(b"\n\n", 1)[0]
    assert raw.isascii()
    assert vi.message.get_body(("plain",)).get_content_charset() == "utf-8"
    # The Message-ID on the wire is the one recorded on the notice before sending.
    [sent] = notices_of(nhung)
    assert vi.message["Message-ID"] == sent.message_id
    assert (sent.mail_state, sent.mail_to) == ("sent", "nhung@example.vn")
    assert sent.mail_answer.startswith("250")
    [kept] = notices_of(nobody)
    assert (kept.mail_state, kept.skipped_because) == ("skipped", "no_address")


def test_the_links_in_a_message_work_when_followed(app, make, mailbox, klass, client, login):
    director = make.director()
    lan = make.trainee(full_name="Phạm Thị Lan", email="lan@example.vn")
    enrollment = make.enrollment(klass, lan, outcome="completed")
    enrollment_services.assign_trainees(
        make.klass(enrollment_mode="assigned"), [lan], actor=director)
    issue_certificate(enrollment, actor=director)
    db.session.commit()
    send_due()

    messages = mailbox.to("lan@example.vn")
    assert len(messages) == 2
    links = set()
    for received in messages:
        for word in received.text.split():
            if word.startswith("http"):
                links.add(word)
        assert f'href="{BASE_URL}/' in received.html
    assert links
    assert all(link.startswith(BASE_URL + "/") for link in links)
    paths = {link.removeprefix(BASE_URL) for link in links}
    assert any(p.startswith("/verify/") for p in paths)
    assert any(p.endswith("/download") for p in paths)
    assert any(p.startswith("/calendar/") for p in paths)
    login(lan)
    for path in sorted(paths):
        response = client.get(path)
        assert response.status_code == 200, path
        if path.endswith("/download"):
            assert response.mimetype == "application/pdf"
        if path.startswith("/calendar/"):
            assert response.mimetype == "text/calendar"
        response.close()


def test_a_busy_server_gets_the_message_again_and_keeps_one(app, make, mailbox, klass):
    person = make.trainee(email="busy@example.vn")
    enrollment_services.assign_trainees(klass, [person], actor=make.director())
    db.session.commit()
    mailbox.busy = 1

    send_due()

    assert mailbox.data_commands == 2  # refused once, then taken
    assert len(mailbox.to("busy@example.vn")) == 1
    [notice] = notices_of(person)
    assert (notice.mail_state, notice.attempts) == ("sent", 2)


def test_a_connection_cut_mid_message_is_retried_without_a_duplicate(app, make, mailbox, klass):
    people = [make.trainee(email=f"cut{i}@example.vn") for i in range(3)]
    enrollment_services.assign_trainees(klass, people, actor=make.director())
    db.session.commit()
    mailbox.cut = 1

    report = send_due()

    assert report.sent == 3
    assert report.retried == 1
    assert sorted(a for r in mailbox.received for a in r.rcpt_tos) == sorted(
        p.email for p in people
    )
    assert sorted(n.attempts for p in people for n in notices_of(p)) == [1, 1, 2]


def test_temporary_refusals_end_in_failed_with_the_server_s_answer(app, make, mailbox, klass):
    person = make.trainee(email="always-busy@example.vn")
    enrollment_services.assign_trainees(klass, [person], actor=make.director())
    db.session.commit()
    mailbox.busy = 99

    send_due()

    [notice] = notices_of(person)
    assert notice.mail_state == "failed"
    assert notice.attempts == len(app.config["MAIL_RETRY_DELAYS"]) + 1
    assert notice.mail_answer == "451 4.3.0 Mailbox busy, try again later"
    assert mailbox.received == []


def test_retries_wait_for_their_delay(app, make, mailbox, klass):
    app.config["MAIL_RETRY_DELAYS"] = (600,)
    person = make.trainee(email="later@example.vn")
    enrollment_services.assign_trainees(klass, [person], actor=make.director())
    db.session.commit()
    mailbox.busy = 1

    send_due()
    send_due()  # too early for the second try

    [notice] = notices_of(person)
    assert (notice.mail_state, notice.attempts) == ("pending", 1)
    assert notice.next_attempt_at > utcnow() + timedelta(seconds=590)
    assert mailbox.received == []


def test_a_refused_address_is_not_tried_again_until_the_e_mail_changes(app, make, mailbox, klass):
    person = make.trainee(email="gone@example.vn")
    director = make.director()
    mailbox.refused.add("gone@example.vn")
    enrollment_services.assign_trainees(klass, [person], actor=director)
    db.session.commit()
    send_due()

    [first] = notices_of(person)
    assert first.mail_state == "failed"
    assert first.mail_answer.startswith("550 5.1.1")
    assert db.session.get(NoticePreference, person.id).bounced_email == "gone@example.vn"

    mailbox.refused.clear()  # even if the server would take it now: not tried
    other = make.klass(enrollment_mode="assigned")
    enrollment_services.assign_trainees(other, [person], actor=director)
    db.session.commit()
    send_due()
    second = db.session.scalar(select(Notice).where(Notice.class_id == other.id))
    assert (second.mail_state, second.skipped_because) == ("skipped", "bounced")
    assert mailbox.received == []

    person.email = "new@example.vn"  # edited (admin page or own preferences)
    third_class = make.klass(enrollment_mode="assigned")
    enrollment_services.assign_trainees(third_class, [person], actor=director)
    db.session.commit()
    send_due()
    assert len(mailbox.to("new@example.vn")) == 1


def test_a_sender_that_dies_after_the_server_took_the_message_never_sends_it_again(
    app, make, mailbox, klass, monkeypatch
):
    person = make.trainee(email="once@example.vn")
    director = make.director()
    enrollment_services.assign_trainees(klass, [person], actor=director)
    db.session.commit()
    real_finish = outbox._finish

    def die_before_recording(notice_id, state, was, **values):
        if state == "sent":
            raise SystemExit("killed between the server's 250 and the commit")
        return real_finish(notice_id, state, was, **values)

    monkeypatch.setattr(outbox, "_finish", die_before_recording)
    with pytest.raises(SystemExit):
        send_due()
    db.session.rollback()
    monkeypatch.setattr(outbox, "_finish", real_finish)
    assert len(mailbox.received) == 1  # it did arrive
    [notice] = notices_of(person)
    assert notice.mail_state == "sending"

    send_due()  # a live sender may still be at work: left alone
    db.session.refresh(notice)
    assert notice.mail_state == "sending"

    app.config["MAIL_SENDING_STALE_SECONDS"] = 0  # ... and much later
    report = send_due()
    db.session.refresh(notice)
    assert report.uncertain == 1
    assert notice.mail_state == "uncertain"
    assert len(mailbox.received) == 1  # not sent again by itself

    resend(notice.id, actor=director)  # the director decides, after checking the server's log
    db.session.commit()
    send_due()
    assert len(mailbox.received) == 2
    assert mailbox.received[1].message["Message-ID"] == mailbox.received[0].message["Message-ID"]


def test_a_notice_found_sending_is_made_uncertain_only_when_stale(app, make, mailbox, klass):
    person = make.trainee(email="stale@example.vn")
    enrollment_services.assign_trainees(klass, [person], actor=make.director())
    db.session.commit()
    [notice] = notices_of(person)
    notice.mail_state, notice.attempted_at = "sending", utcnow() - timedelta(seconds=599)
    db.session.commit()
    assert recover_stale() == 0
    assert recover_stale(utcnow() + timedelta(seconds=2)) == 1
    db.session.refresh(notice)
    assert notice.mail_state == "uncertain"
    assert mailbox.received == []


def test_two_senders_at_once_send_each_notice_once(app, make, mailbox, klass):
    people = [make.trainee(email=f"p{i}@example.vn") for i in range(30)]
    enrollment_services.assign_trainees(klass, people, actor=make.director())
    db.session.commit()

    def run():
        with app.app_context():
            try:
                send_due()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    addresses = [a for r in mailbox.received for a in r.rcpt_tos]
    assert sorted(addresses) == sorted(p.email for p in people)


def test_a_commit_wakes_the_sender(app, make, mailbox, klass, client, login):
    app.config["MAIL_SEND_AFTER_COMMIT"] = True
    director = make.director()
    person = make.trainee(email="soon@example.vn")
    login(director)
    response = client.post(
        f"/classes/{klass.id}/assign", data={"kind": "pick", "user_ids": [person.id]}
    )
    assert response.status_code == 302
    deadline = time.monotonic() + 20
    while not mailbox.received and time.monotonic() < deadline:
        time.sleep(0.05)
    outbox.sender_of(app).stop()
    assert [r.rcpt_tos for r in mailbox.received] == [["soon@example.vn"]]


def test_a_stopping_sender_ends_between_two_messages(app, make, mailbox, klass, monkeypatch):
    """At process exit the sender thread is stopped, never killed inside an exchange: the
    message in progress is finished and recorded, the others stay pending."""
    people = [make.trainee(email=f"s{i}@example.vn") for i in range(3)]
    enrollment_services.assign_trainees(klass, people, actor=make.director())
    db.session.commit()
    stop = threading.Event()
    real_send = outbox.Connection.send

    def send_then_stop(self, *args):
        answer = real_send(self, *args)
        stop.set()  # the process is asked to exit while this message is on the wire
        return answer

    monkeypatch.setattr(outbox.Connection, "send", send_then_stop)
    report = send_due(stop=stop)

    assert report.sent == 1
    assert len(mailbox.received) == 1
    states = sorted(n.mail_state for p in people for n in notices_of(p))
    assert states == ["pending", "pending", "sent"]


def test_the_rq_entry_point_sends_what_is_due(app, make, mailbox, klass):
    from lms import worker

    enrollment_services.assign_trainees(
        klass, [make.trainee(email="rq@example.vn")], actor=make.director())
    db.session.commit()
    worker.send_notices()
    assert [r.rcpt_tos for r in mailbox.received] == [["rq@example.vn"]]
