"""Issuing: only completed enrolments, sequential per-year numbers never reused, frozen data."""

from datetime import date

import pytest
from sqlalchemy import func, select

from lms.certificates import numbering
from lms.certificates.models import Certificate, CertificateCounter
from lms.certificates.services import issue_certificate, issue_certificates
from lms.core.models import AuditLog
from lms.errors import DomainError
from lms.extensions import db

ISSUED = date(2019, 10, 25)


def test_a_completed_enrollment_gets_a_numbered_frozen_certificate_with_its_pdf(make, completed):
    director = make.director()
    enrollment = completed(full_name="Nguyễn Thị Phương Thảo", date_of_birth=date(1990, 5, 7))
    cert = issue_certificate(enrollment, actor=director, issued_on=ISSUED)
    assert cert.register_number == "0001/2019/GCN"
    assert (cert.year, cert.seq) == (2019, 1)
    assert cert.full_name == "Nguyễn Thị Phương Thảo"
    assert cert.date_of_birth == date(1990, 5, 7)
    assert cert.class_title == "Lớp bồi dưỡng đảng viên mới khóa 3"
    assert cert.program_name == "Bồi dưỡng lý luận chính trị cho đảng viên mới"
    assert (cert.start_date, cert.end_date) == (date(2019, 10, 14), date(2019, 10, 18))
    assert cert.unit_name == enrollment.user.unit.name
    assert cert.result.startswith("Hoàn thành")
    assert (cert.signer_title, cert.signer_name, cert.place) == (
        "GIÁM ĐỐC",
        "Nguyễn Thế Thạch",
        "Quận Hoàng Mai",
    )
    assert cert.pdf.startswith(b"%PDF")
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.object_id == cert.id)) == (
        "certificate.issue"
    )


def test_the_verification_code_carries_at_least_128_random_bits(make, completed):
    director = make.director()
    codes = [
        issue_certificate(completed(), actor=director, issued_on=ISSUED).verification_code
        for _ in range(3)
    ]
    assert len(set(codes)) == 3
    for code in codes:
        # URL-safe base64: 6 bits a character
        assert len(code) * 6 >= 128


@pytest.mark.parametrize("outcome", [None, "not_completed"])
def test_an_enrollment_that_did_not_complete_is_refused(make, completed, outcome):
    director = make.director()
    enrollment = completed()
    enrollment.outcome = outcome
    db.session.flush()
    with pytest.raises(DomainError, match="chưa hoàn thành"):
        issue_certificate(enrollment, actor=director, issued_on=ISSUED)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_a_batch_with_one_unfinished_enrollment_issues_nothing(make, completed):
    director = make.director()
    good, bad = completed(), completed()
    bad.outcome = "not_completed"
    with pytest.raises(DomainError):
        issue_certificates([good, bad], actor=director, issued_on=ISSUED)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_only_a_director_issues(make, completed):
    with pytest.raises(DomainError):
        issue_certificate(completed(), actor=make.instructor(), issued_on=ISSUED)


def test_numbers_are_sequential_per_year_and_restart_each_year(make, completed):
    director = make.director()
    numbers = [
        issue_certificate(completed(), actor=director, issued_on=ISSUED).register_number
        for _ in range(3)
    ]
    assert numbers == ["0001/2019/GCN", "0002/2019/GCN", "0003/2019/GCN"]
    next_year = issue_certificate(completed(), actor=director, issued_on=date(2020, 1, 2))
    assert next_year.register_number == "0001/2020/GCN"
    batch = issue_certificates([completed(), completed()], actor=director, issued_on=ISSUED)
    assert [c.register_number for c in batch] == ["0004/2019/GCN", "0005/2019/GCN"]


def test_a_rolled_back_issue_does_not_use_up_its_number(make, completed):
    director = make.director()
    enrollment = completed()
    db.session.commit()
    issue_certificate(enrollment, actor=director, issued_on=ISSUED)
    db.session.rollback()
    assert db.session.get(CertificateCounter, 2019) is None or (
        db.session.get(CertificateCounter, 2019).last_seq == 0
    )
    cert = issue_certificate(enrollment, actor=director, issued_on=ISSUED)
    assert cert.register_number == "0001/2019/GCN"


def test_an_enrollment_gets_one_valid_certificate_only(make, completed):
    director = make.director()
    enrollment = completed()
    issue_certificate(enrollment, actor=director, issued_on=ISSUED)
    with pytest.raises(DomainError, match="đã có giấy chứng nhận"):
        issue_certificate(enrollment, actor=director, issued_on=ISSUED)


def test_the_register_format_is_a_setting_and_an_unsafe_one_falls_back(make, completed):
    director = make.director()
    make.settings(register_format="GCN-{year}-{seq:05d}")
    assert (
        issue_certificate(completed(), actor=director, issued_on=ISSUED).register_number
        == "GCN-2019-00001"
    )
    make.settings(register_format="{seq.__class__}/{year}")
    assert (
        issue_certificate(completed(), actor=director, issued_on=ISSUED).register_number
        == "0002/2019/GCN"
    )
    # without the year, numbers would repeat every year: falls back to the default format
    assert numbering.format_number("{seq:04d}/GCN", seq=3, year=2019) == "0003/2019/GCN"


def test_later_edits_of_the_person_and_the_class_never_change_the_certificate(make, completed):
    director = make.director()
    enrollment = completed(full_name="Trần Văn Bình")
    cert = issue_certificate(enrollment, actor=director, issued_on=ISSUED)
    pdf = cert.pdf
    enrollment.user.full_name = "Trần Văn Bính"
    enrollment.user.date_of_birth = date(2001, 1, 1)
    enrollment.klass.title = "Tên lớp đã sửa"
    enrollment.klass.program.name = "Chương trình khác"
    enrollment.unit.name = "Đơn vị đã đổi tên"
    make.settings(signer_name="Người ký mới")
    db.session.commit()
    db.session.expire_all()
    cert = db.session.get(Certificate, cert.id)
    assert cert.full_name == "Trần Văn Bình"
    assert cert.class_title == "Lớp bồi dưỡng đảng viên mới khóa 3"
    assert cert.signer_name == "Nguyễn Thế Thạch"
    assert cert.pdf == pdf
