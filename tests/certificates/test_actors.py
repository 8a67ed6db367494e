"""Who acts: a forgotten or missing actor fails loudly, anyone but a director is refused with
the certificates' message, and the system actor (command line, jobs) is recorded as no user."""

from datetime import date

import pytest
from sqlalchemy import select

from lms.certificates.services import (
    certificate_for,
    issue_certificate,
    issue_certificates,
    reissue_certificate,
    revoke_certificate,
)
from lms.core.actors import SYSTEM, ActorMissing
from lms.core.models import AuditLog
from lms.errors import DomainError
from lms.extensions import db

ISSUED = date(2019, 10, 25)
REFUSAL = "Chỉ giám đốc mới được cấp hoặc thu hồi giấy chứng nhận."


@pytest.fixture
def calls(make, completed):
    """Every certificate service, as a function of the actor keywords it is given."""
    enrollment = completed()
    cert = issue_certificate(completed(), actor=make.director(), issued_on=ISSUED)
    db.session.flush()
    return {
        "issue_certificates": lambda **a: issue_certificates([enrollment], **a),
        "issue_certificate": lambda **a: issue_certificate(enrollment, **a),
        "revoke_certificate": lambda **a: revoke_certificate(cert, "Sai tên", **a),
        "reissue_certificate": lambda **a: reissue_certificate(cert, **a),
        "certificate_for": lambda **a: certificate_for(cert.id, **a),
    }


@pytest.mark.parametrize(
    "service",
    ["issue_certificates", "issue_certificate", "revoke_certificate", "reissue_certificate",
     "certificate_for"],
)
def test_a_service_called_without_an_actor_fails_loudly(calls, service):
    with pytest.raises(TypeError, match="actor"):
        calls[service]()
    with pytest.raises(ActorMissing):
        calls[service](actor=None)


@pytest.mark.parametrize(
    "service", ["issue_certificates", "issue_certificate", "revoke_certificate",
                "reissue_certificate"],
)
def test_anyone_but_a_director_is_refused_with_the_certificates_message(calls, make, service):
    with pytest.raises(DomainError, match=REFUSAL):
        calls[service](actor=make.instructor())


def test_the_system_issues_and_revokes_recorded_as_no_user(make, completed):
    enrollment = completed()
    cert = issue_certificate(enrollment, actor=SYSTEM, issued_on=ISSUED)
    assert cert.register_number == "0001/2019/GCN"
    assert cert.issued_by_id is None
    revoke_certificate(cert, "Cấp nhầm", actor=SYSTEM)
    assert cert.revoked_at is not None
    assert cert.revoked_by_id is None
    entries = db.session.execute(
        select(AuditLog.action, AuditLog.actor_id).where(AuditLog.object_id == cert.id)
    ).all()
    assert sorted(entries) == [("certificate.issue", None), ("certificate.revoke", None)]
    assert certificate_for(cert.id, actor=SYSTEM) is cert
