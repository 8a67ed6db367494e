"""The class grid in English reads as English: its one-letter marks and their legend."""

from datetime import date

from lms.extensions import db

PAST = date(2026, 3, 2)


def test_the_grid_letters_follow_the_language(client, login, make):
    director = make.director()
    klass = make.klass(start_date=PAST)
    session = make.session(klass, on_date=PAST)
    make.attendance(session, make.enrollment(klass), status="late")
    make.attendance(session, make.enrollment(klass), status="excused")
    db.session.commit()
    login(director)
    vi = client.get(f"/classes/{klass.id}/attendance").text
    assert "<span>M Đi muộn</span>" in vi
    assert ">M</td>" in vi
    assert ">P</td>" in vi
    client.post("/language", data={"lang": "en"})
    en = client.get(f"/classes/{klass.id}/attendance").text
    assert "<span>L Late</span>" in en
    assert "<span>E Excused absence</span>" in en
    assert ">L</td>" in en
    assert ">E</td>" in en
    assert ">M</td>" not in en
    assert ">P</td>" not in en
