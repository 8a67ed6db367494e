"""The scan page and the cards pages over HTTP, as the phone and the director use them."""

import io
import unicodedata

from pypdf import PdfReader
from sqlalchemy import func, select

from lms.attendance.models import Attendance
from lms.cards.models import ClassClerk, TraineeCard
from lms.extensions import db


def scan(client, session, code):
    return client.post(f"/sessions/{session.id}/scan", data={"code": code},
                       headers={"Accept": "application/json"})


def test_the_instructor_scans_and_hears_the_answer_in_vietnamese(door, client, login):
    login(door.instructor)
    page = client.get(f"/sessions/{door.session.id}/scan")
    assert page.status_code == 200
    assert "Quét thẻ" in page.text
    assert "js/scan.js" in page.text
    assert "jsQR.js" in page.text
    first = scan(client, door.session, door.cards[door.trainees[0].id].code)
    assert first.status_code == 200
    assert first.json["kind"] == "recorded"
    assert first.json["name"] == "Nguyễn Văn An"
    assert first.json["message"] in ("Có mặt.", "Đi muộn.")
    again = scan(client, door.session, door.cards[door.trainees[0].id].code)
    assert again.json["kind"] == "already"
    assert again.json["message"].startswith("Đã điểm danh")
    foreign = scan(client, door.session, door.cards[door.outsider.id].number)
    assert foreign.json["message"] == "Không thuộc lớp này."
    forged = scan(client, door.session, "C1" + "x" * 25)
    assert forged.json["kind"] == "unknown"
    assert "giả" in forged.json["message"]
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1


def test_the_page_works_without_javascript(door, client, login):
    login(door.instructor)
    response = client.post(f"/sessions/{door.session.id}/scan",
                           data={"code": door.cards[door.trainees[1].id].number})
    assert response.status_code == 200
    assert "Trần Thị Bình" in response.text
    assert "scan-recorded" in response.text


def test_english_answers_in_english(door, client, login):
    login(door.instructor)
    client.post("/language", data={"lang": "en"})
    forged = scan(client, door.session, "00000001")
    assert forged.json["message"].startswith("This is not a known card")


def test_other_instructors_get_not_found_and_record_nothing(door, client, login):
    login(door.other_instructor)
    assert client.get(f"/sessions/{door.session.id}/scan").status_code == 404
    assert scan(client, door.session, door.cards[door.trainees[0].id].code).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_the_director_names_a_clerk_on_the_hub_who_then_scans(door, client, login, make):
    clerk = make.trainee(full_name="Bùi Thị Thư Ký", username="thuky")
    login(door.director)
    hub = client.get(f"/classes/{door.klass.id}/hub")
    assert "Thư ký" in hub.text
    assert f"/classes/{door.klass.id}/clerks" in hub.text
    assert f"/sessions/{door.session.id}/scan" in hub.text
    response = client.post(f"/classes/{door.klass.id}/clerks", data={"username": "thuky"})
    assert response.status_code == 302
    assert db.session.get(ClassClerk, (door.klass.id, clerk.id)) is not None
    client.post("/logout")
    login(clerk)
    assert f"/sessions/{door.session.id}/scan" in client.get("/").text  # home: to scan today
    answer = scan(client, door.session, door.cards[door.trainees[2].id].code)
    assert answer.json["kind"] == "recorded"


def test_roster_and_instructor_home_link_to_the_scan_page(door, client, login):
    login(door.instructor)
    url = f"/sessions/{door.session.id}/scan"
    assert url in client.get(f"/sessions/{door.session.id}/attendance").text
    assert url in client.get("/").text


def _pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


def test_the_director_prints_the_cards_of_a_class(door, client, login):
    login(door.director)
    page = client.get(f"/classes/{door.klass.id}/cards")
    assert page.status_code == 200
    assert door.cards[door.trainees[0].id].number in page.text
    response = client.post(f"/classes/{door.klass.id}/cards.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    for trainee in door.trainees:
        assert trainee.full_name in text
        number = door.cards[trainee.id].number
        assert f"{number[:4]} {number[4:]}" in text
    assert "Phường Hoàng Liệt" in text
    assert "Hoàng Thị Ngoài" not in text


def test_the_director_prints_the_cards_of_a_unit_issuing_missing_ones(door, client, login, make):
    newcomer = make.trainee(full_name="Ngô Thị Mới", unit=door.trainees[0].unit)
    login(door.director)
    response = client.post("/cards/unit.pdf", data={"unit": door.trainees[0].unit_id})
    assert response.status_code == 200
    text = _pdf_text(response.data)
    assert "Ngô Thị Mới" in text
    assert "Hoàng Thị Ngoài" in text
    assert db.session.scalar(select(TraineeCard.number).where(
        TraineeCard.user_id == newcomer.id)) is not None


def test_instructors_cannot_print_cards(door, client, login):
    login(door.instructor)
    assert client.post(f"/classes/{door.klass.id}/cards.pdf").status_code == 403


def test_a_lost_card_is_reissued_and_the_old_one_answers_revoked(door, client, login):
    trainee = door.trainees[0]
    old = door.cards[trainee.id]
    login(door.director)
    client.post(f"/classes/{door.klass.id}/cards/{trainee.id}/reissue")
    client.post("/logout")
    login(door.instructor)
    answer = scan(client, door.session, old.code)
    assert answer.json["kind"] == "revoked"
    assert "thu hồi" in answer.json["message"]


def test_the_trainee_sees_their_card_on_my_classes(door, client, login, make):
    login(door.trainees[0])
    page = client.get("/my/classes")
    number = door.cards[door.trainees[0].id].number
    assert f"{number[:4]} {number[4:]}" in page.text
    assert "card-qr" in page.text
    client.post("/logout")
    newcomer = make.trainee(full_name="Ngô Thị Mới")
    login(newcomer)
    assert "card-qr" not in client.get("/my/classes").text
    client.post("/my/card")
    card = db.session.scalar(select(TraineeCard).where(TraineeCard.user_id == newcomer.id))
    assert f"{card.number[:4]} {card.number[4:]}" in client.get("/my/classes").text


def test_a_unit_too_large_for_one_sheet_is_refused_in_words(door, client, login, monkeypatch):
    from lms.cards import services

    monkeypatch.setattr(services, "MAX_PRINTED", 3)
    login(door.director)
    response = client.post("/cards/unit.pdf", data={"unit": door.trainees[0].unit_id},
                           follow_redirects=True)
    assert response.mimetype == "text/html"
    assert "mỗi lần chỉ in được tối đa 3 thẻ" in response.text
