"""Pages: who may download what, the class page, the public verification page."""

from datetime import date

import pytest
from sqlalchemy import event

from lms.certificates.services import issue_certificate, revoke_certificate
from lms.core.clock import local_today
from lms.extensions import db

ISSUED = date(2019, 10, 25)


@pytest.fixture
def issued(make, completed):
    def build(**user):
        enrollment = completed(**user)
        cert = issue_certificate(enrollment, actor=make.director(), issued_on=ISSUED)
        db.session.commit()
        return cert, enrollment.user

    return build


def test_a_trainee_downloads_their_own_certificate_and_nobody_elses(client, login, issued):
    mine, me = issued()
    theirs, _other = issued()
    login(me)
    with client.get(f"/certificates/{mine.id}/download") as response:
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.data == mine.pdf
        assert "0001-2019-GCN_Nguyen-Van-Thanh" in response.headers["Content-Disposition"]
    assert client.get(f"/certificates/{theirs.id}/download").status_code == 404
    assert client.get("/certificates/999999/download").status_code == 404
    page = client.get("/my/certificates")
    assert mine.register_number in page.text
    assert theirs.register_number not in page.text


def test_a_revoked_certificate_leaves_the_trainees_list(client, login, make, issued):
    cert, me = issued()
    revoke_certificate(cert, "Sai thông tin", actor=make.director())
    db.session.commit()
    login(me)
    assert client.get(f"/certificates/{cert.id}/download").status_code == 404
    assert cert.register_number not in client.get("/my/certificates").text


def test_a_director_downloads_any_certificate(client, login, make, issued):
    cert, _ = issued()
    director = make.director()
    db.session.commit()
    login(director)
    with client.get(f"/certificates/{cert.id}/download") as response:
        assert response.status_code == 200


def test_instructors_and_trainees_cannot_open_the_class_page(client, login, make, issued):
    cert, trainee = issued()
    instructor = make.instructor()
    db.session.commit()
    login(instructor)
    assert client.get(f"/classes/{cert.enrollment_id}/certificates").status_code == 403
    assert client.get(f"/certificates/{cert.id}/download").status_code == 404


def test_the_class_page_lists_and_issues_with_bounded_queries(client, login, make, completed):
    enrollments = [completed() for _ in range(12)]
    director = make.director()
    issue_certificate(enrollments[0], actor=director, issued_on=ISSUED)
    klass = enrollments[0].klass
    db.session.commit()
    login(director)
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = client.get(f"/classes/{klass.id}/certificates")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert page.status_code == 200
    assert "0001/2019/GCN" in page.text
    assert len(statements) <= 8, len(statements)

    response = client.post(
        f"/classes/{klass.id}/certificates/issue/{enrollments[1].id}", follow_redirects=True
    )
    year = local_today().year
    assert f"0001/{year}/GCN" in response.text  # issued today (the center's): its first number


def test_issuing_a_not_completed_enrollment_from_the_page_is_refused(
    client, login, make, completed,
):
    enrollment = completed()
    enrollment.outcome = None
    director = make.director()
    db.session.commit()
    login(director)
    response = client.post(
        f"/classes/{enrollment.class_id}/certificates/issue/{enrollment.id}", follow_redirects=True
    )
    assert "chưa hoàn thành lớp học" in response.text


def test_verification_shows_only_the_minimum_signed_out(client, issued):
    cert, user = issued(full_name="Đỗ Thị Lan", date_of_birth=date(1985, 3, 9))
    page = client.get(f"/verify/{cert.verification_code}")
    assert page.status_code == 200
    assert "Đỗ Thị Lan" in page.text
    assert cert.register_number in page.text
    assert cert.class_title in page.text
    assert "09/03/1985" not in page.text  # the date of birth stays private
    assert cert.unit_name not in page.text
    unknown = client.get("/verify/" + "x" * 32)
    assert unknown.status_code == 200
    assert cert.register_number not in unknown.text


def test_verification_shows_a_revocation_with_its_date(client, make, issued):
    cert, _ = issued()
    revoke_certificate(cert, "Cấp nhầm", actor=make.director())
    db.session.commit()
    page = client.get(f"/verify/{cert.verification_code}")
    assert "verify-result revoked" in page.text
    assert "Cấp nhầm" not in page.text


def test_the_verification_form_by_code_and_by_number_with_date_of_birth(client, issued):
    cert, _ = issued(date_of_birth=date(1985, 3, 9))
    response = client.get("/verify", query_string={"code": cert.verification_code})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{cert.verification_code}")
    found = client.post(
        "/verify", data={"register_number": cert.register_number, "date_of_birth": "09/03/1985"}
    )
    assert "verify-result valid" in found.text
    wrong = client.post(
        "/verify", data={"register_number": cert.register_number, "date_of_birth": "10/03/1985"}
    )
    assert "verify-result unknown" in wrong.text


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_verification_is_rate_limited_per_address(client, app_config):
    codes = [client.get("/verify/" + "y" * 32).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30
    assert codes[30] == 429


def test_the_directors_overview_counts_issued_and_waiting(client, login, make, completed):
    director = make.director()
    first, _second = completed(), completed()
    issue_certificate(first, actor=director, issued_on=ISSUED)
    db.session.commit()
    login(director)
    page = client.get("/certificates")
    assert page.status_code == 200
    assert first.klass.title in page.text
    assert '<span class="badge warn">1</span>' in page.text


def test_the_director_revokes_and_reissues_from_the_certificate_page(client, login, make, issued):
    cert, trainee = issued()
    director = make.director()
    db.session.commit()
    login(director)
    page = client.get(f"/certificates/{cert.id}")
    assert page.status_code == 200
    assert cert.register_number in page.text
    response = client.post(
        f"/certificates/{cert.id}/reissue",
        data={"reissue-reason": "Sửa ngày sinh"},
        follow_redirects=True,
    )
    assert f"0001/{local_today().year}/GCN" in response.text  # reissued today (the center's)
    db.session.expire_all()
    assert db.session.get(type(cert), cert.id).revoked_at is not None
    new_id = db.session.scalar(db.select(type(cert).id).where(type(cert).replaces_id == cert.id))
    empty = client.post(f"/certificates/{new_id}/revoke", data={"revoke-reason": ""})
    assert empty.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(cert), new_id).revoked_at is None
    client.post(f"/certificates/{new_id}/revoke", data={"revoke-reason": "Cấp nhầm"})
    db.session.expire_all()
    assert db.session.get(type(cert), new_id).revoke_reason == "Cấp nhầm"


def test_trainees_cannot_revoke(client, login, issued):
    cert, trainee = issued()
    login(trainee)
    assert (
        client.post(f"/certificates/{cert.id}/revoke", data={"revoke-reason": "x"}).status_code
        == 403
    )
    assert client.get(f"/certificates/{cert.id}").status_code == 403
