"""Revoke with a reason; reissue after a correction: a new number, the old one replaced."""

from datetime import date

import pytest
from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.certificates.services import (
    issue_certificate,
    list_my_certificates,
    reissue_certificate,
    revoke_certificate,
)
from lms.core.models import AuditLog
from lms.errors import DomainError
from lms.extensions import db

ISSUED = date(2019, 10, 25)


def _audit(cert):
    return db.session.execute(
        select(AuditLog.action, AuditLog.reason, AuditLog.actor_id)
        .where(AuditLog.object_type == "certificates", AuditLog.object_id == cert.id)
        .order_by(AuditLog.id)
    ).all()


def test_revoke_keeps_the_reason_and_is_audited(make, completed):
    director = make.director()
    enrollment = completed()
    cert = issue_certificate(enrollment, actor=director, issued_on=ISSUED)
    revoke_certificate(cert, "  Cấp nhầm người  ", actor=director)
    assert cert.revoked_at is not None
    assert cert.revoke_reason == "Cấp nhầm người"
    assert cert.revoked_by_id == director.id
    assert ("certificate.revoke", "Cấp nhầm người", director.id) in _audit(cert)
    assert list_my_certificates(enrollment.user) == []
    with pytest.raises(DomainError, match="đã bị thu hồi"):
        revoke_certificate(cert, "again", actor=director)


def test_revoke_needs_a_reason_and_a_director(make, completed):
    director = make.director()
    cert = issue_certificate(completed(), actor=director, issued_on=ISSUED)
    with pytest.raises(DomainError):
        revoke_certificate(cert, "   ", actor=director)
    with pytest.raises(DomainError):
        revoke_certificate(cert, "lý do", actor=make.trainee())
    assert cert.revoked_at is None


def test_reissue_gives_a_new_number_with_the_corrected_data(make, completed):
    director = make.director()
    enrollment = completed(full_name="Hoàng Văn Nam")
    old = issue_certificate(enrollment, actor=director, issued_on=ISSUED)
    enrollment.user.full_name = "Hoàng Văn Năm"  # the correction
    new = reissue_certificate(old, actor=director, reason="Sửa họ tên", issued_on=date(2019, 11, 2))
    assert new.register_number == "0002/2019/GCN"
    assert new.full_name == "Hoàng Văn Năm"
    assert new.replaces_id == old.id
    assert new.pdf.startswith(b"%PDF")
    assert old.revoked_at is not None
    assert "0002/2019/GCN" in old.revoke_reason
    assert [a[0] for a in _audit(old)] == ["certificate.issue", "certificate.revoke"]
    assert [a[0] for a in _audit(new)] == ["certificate.reissue"]
    # A reissue counts once: one valid certificate for the enrollment.
    valid = db.session.scalar(
        select(func.count(Certificate.id)).where(
            Certificate.enrollment_id == enrollment.id, Certificate.revoked_at.is_(None)
        )
    )
    assert valid == 1
    assert list_my_certificates(enrollment.user) == [new]


def test_a_revoked_certificate_is_not_reissued(make, completed):
    director = make.director()
    cert = issue_certificate(completed(), actor=director, issued_on=ISSUED)
    revoke_certificate(cert, "sai", actor=director)
    with pytest.raises(DomainError):
        reissue_certificate(cert, actor=director)
