"""Certificates: issue (one or a batch), revoke, reissue, look up for download and verification."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from lms import notices
from lms.auth.models import User
from lms.certificates import numbering
from lms.certificates.models import Certificate
from lms.certificates.render import center_info, render_certificate
from lms.classes.models import Class
from lms.core import audit
from lms.core.actors import SystemActor, actor_id, require
from lms.core.clock import local_today
from lms.core.text import nfc
from lms.core.types import utcnow
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db

CODE_BYTES = 24  # 192 random bits; the issue asks for at least 128


def new_verification_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


DIRECTOR_ONLY = _l("Only a director can issue or revoke certificates.")

Actor = User | SystemActor  # a batch job started from the command line acts as SYSTEM


def result_text(enrollment: Enrollment) -> str:
    """The result printed on the certificate (Vietnamese: it is the document's language)."""
    held = enrollment.attended_count + enrollment.excused_count + enrollment.absent_count
    if held:
        return f"Hoàn thành (tham dự {enrollment.attended_count}/{held} buổi)"
    return "Hoàn thành"


def _frozen(enrollment: Enrollment) -> dict:
    """Everything printed on the certificate, copied now so later edits never change it."""
    user, klass = enrollment.user, enrollment.klass
    unit = enrollment.unit or user.unit
    center = center_info()
    return {
        "enrollment_id": enrollment.id,
        "full_name": user.full_name,
        "date_of_birth": user.date_of_birth,
        "unit_name": unit.name if unit else "",
        "class_code": klass.code,
        "class_title": klass.title,
        "program_name": klass.program.name,
        "start_date": klass.start_date,
        "end_date": klass.end_date,
        "result": result_text(enrollment),
        "signer_title": center.signer_title,
        "signer_name": center.signer_name,
        "place": center.place,
    }


def _valid_certificate_ids(enrollment_ids: Sequence[int]) -> set[int]:
    if not enrollment_ids:
        return set()
    return set(
        db.session.scalars(
            select(Certificate.enrollment_id).where(
                Certificate.enrollment_id.in_(enrollment_ids), Certificate.revoked_at.is_(None)
            )
        )
    )


def refuse_while_reopened(class_ids: set[int]) -> None:
    """A class reopened after its close-out keeps its old outcomes until it is closed out
    again; certificates wait for that close-out, which recomputes them (one query; the rule
    of Class.is_reopened)."""
    reopened = db.session.scalar(
        select(Class.title)
        .where(Class.id.in_(class_ids), Class.closed_at.is_(None),
               Class.reopened_at.is_not(None))
        .limit(1)
    )
    if reopened is not None:
        raise DomainError(_l(
            "%(name)s was reopened for corrections: close it out again before issuing "
            "certificates.", name=reopened))


def issue_certificates(
    enrollments: Sequence[Enrollment],
    *,
    actor: Actor,
    issued_on: date | None = None,
    base_url: str | None = None,
    render: bool = True,
    skip_issued: bool = False,
) -> list[Certificate]:
    """Issue certificates to completed enrolments: consecutive register numbers, frozen data,
    and (with render=True) the stored PDF. Refuses any enrolment that did not complete."""
    require(actor, "director", message=DIRECTOR_ONLY)
    for enrollment in enrollments:
        if enrollment.outcome != "completed":
            raise DomainError(
                _l(
                    "%(name)s did not complete the class: no certificate can be issued.",
                    name=enrollment.user.full_name,
                )
            )
    refuse_while_reopened({e.class_id for e in enrollments})
    issued_on = issued_on or local_today()
    year = issued_on.year
    # Take the counter lock first: the check below then sees every issue that finished before.
    numbering.lock_counter(year)
    already = _valid_certificate_ids([e.id for e in enrollments])
    if already and not skip_issued:
        raise DomainError(_l("This enrolment already has a valid certificate."))
    todo = [e for e in enrollments if e.id not in already]
    seqs = numbering.take_numbers(year, len(todo))
    fmt = center_info().register_format
    certificates = []
    for enrollment, seq in zip(todo, seqs, strict=True):
        cert = Certificate(
            year=year,
            seq=seq,
            register_number=numbering.format_number(fmt, seq=seq, year=year),
            verification_code=new_verification_code(),
            issued_on=issued_on,
            issued_by_id=actor_id(actor),
            **_frozen(enrollment),
        )
        db.session.add(cert)
        certificates.append(cert)
    db.session.flush()
    for cert in certificates:
        audit.record("certificate.issue", cert, actor=actor, new_value=cert.register_number)
        if render:
            cert.pdf = render_certificate(cert, base_url=base_url)
    db.session.flush()
    notices.certificates_issued(certificates)
    return certificates


def issue_certificate(
    enrollment: Enrollment,
    *,
    actor: Actor,
    issued_on: date | None = None,
    base_url: str | None = None,
) -> Certificate:
    """Issue one certificate to one completed enrolment."""
    return issue_certificates([enrollment], actor=actor, issued_on=issued_on, base_url=base_url)[0]


def pending_enrollments(klass: Class) -> list[Enrollment]:
    """Completed enrolments of a class that have no valid certificate yet, in name order."""
    valid = select(Certificate.id).where(
        Certificate.enrollment_id == Enrollment.id, Certificate.revoked_at.is_(None)
    )
    return list(
        db.session.scalars(
            select(Enrollment)
            .join(User, Enrollment.user_id == User.id)
            .where(
                Enrollment.class_id == klass.id,
                Enrollment.outcome == "completed",
                ~valid.exists(),
            )
            .options(selectinload(Enrollment.user), selectinload(Enrollment.unit))
            .order_by(User.sort_key, Enrollment.id)
        )
    )


def revoke_certificate(cert: Certificate, reason: str, *, actor: Actor) -> Certificate:
    """Revoke a valid certificate; the reason is kept and audited."""
    require(actor, "director", message=DIRECTOR_ONLY)
    reason = nfc(reason or "") or ""
    if not reason:
        raise DomainError(_l("Give the reason for revoking."), field="reason")
    if cert.revoked_at is not None:
        raise DomainError(_l("This certificate is already revoked."))
    _revoke(cert, reason[:1000], actor=actor)
    audit.record(
        "certificate.revoke", cert, actor=actor, old_value=cert.register_number, reason=reason
    )
    db.session.flush()
    return cert


def _revoke(cert: Certificate, reason: str, *, actor: Actor) -> None:
    cert.revoked_at = utcnow()
    cert.revoked_by_id = actor_id(actor)
    cert.revoke_reason = reason


def reissue_certificate(
    cert: Certificate,
    *,
    actor: Actor,
    reason: str = "",
    issued_on: date | None = None,
    base_url: str | None = None,
) -> Certificate:
    """After a correction (name, date of birth, class): a new certificate with a new number and
    the current data; the old one is revoked as replaced. Both are audited."""
    require(actor, "director", message=DIRECTOR_ONLY)
    if cert.revoked_at is not None:
        raise DomainError(_l("A revoked certificate cannot be reissued."))
    enrollment = db.session.get(Enrollment, cert.enrollment_id)
    if enrollment is None or enrollment.outcome != "completed":
        raise DomainError(_l("The enrolment is no longer completed: nothing to reissue."))
    refuse_while_reopened({enrollment.class_id})
    issued_on = issued_on or local_today()
    year = issued_on.year
    numbering.lock_counter(year)
    db.session.refresh(cert)  # under the lock: has someone else revoked it meanwhile?
    if cert.revoked_at is not None:
        raise DomainError(_l("A revoked certificate cannot be reissued."))
    (seq,) = numbering.take_numbers(year, 1)
    number = numbering.format_number(center_info().register_format, seq=seq, year=year)
    reason = nfc(reason or "") or ""
    note = f"Cấp lại, thay bằng số {number}" + (f": {reason}" if reason else "")
    _revoke(cert, note[:1000], actor=actor)
    db.session.flush()  # the old one is no longer valid before the new one exists (unique index)
    new = Certificate(
        year=year,
        seq=seq,
        register_number=number,
        verification_code=new_verification_code(),
        issued_on=issued_on,
        issued_by_id=actor_id(actor),
        replaces_id=cert.id,
        **_frozen(enrollment),
    )
    db.session.add(new)
    db.session.flush()
    new.pdf = render_certificate(new, base_url=base_url)
    audit.record(
        "certificate.revoke",
        cert,
        actor=actor,
        old_value=cert.register_number,
        new_value=number,
        reason=note,
    )
    audit.record(
        "certificate.reissue",
        new,
        actor=actor,
        old_value=cert.register_number,
        new_value=number,
        reason=reason or None,
        details={"replaces_id": cert.id},
    )
    db.session.flush()
    notices.certificates_issued([new])
    return new


def certificate_for(cert_id: int, *, actor: Actor) -> Certificate:
    """A certificate the actor may download: a director any; a trainee their own valid ones.
    Anything else is 404, as if it did not exist."""
    cert = db.session.get(Certificate, cert_id)
    if cert is None:
        raise NotFound()
    try:
        require(actor, "director")
    except DomainError:  # anyone else: only their own valid certificate
        owner = db.session.scalar(
            select(Enrollment.user_id).where(Enrollment.id == cert.enrollment_id)
        )
        if owner != actor.id or cert.revoked_at is not None:
            raise NotFound() from None
    return cert


def list_my_certificates(user: User) -> list[Certificate]:
    """The user's valid certificates, newest first."""
    return list(
        db.session.scalars(
            select(Certificate)
            .join(Enrollment, Certificate.enrollment_id == Enrollment.id)
            .where(Enrollment.user_id == user.id, Certificate.revoked_at.is_(None))
            .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
        )
    )


def class_certificates(klass: Class) -> list[tuple[Enrollment, Certificate | None]]:
    """The completed enrolments of a class with their valid certificate (two queries)."""
    enrollments = list(
        db.session.scalars(
            select(Enrollment)
            .join(User, Enrollment.user_id == User.id)
            .where(Enrollment.class_id == klass.id, Enrollment.outcome == "completed")
            .options(selectinload(Enrollment.user), selectinload(Enrollment.unit))
            .order_by(User.sort_key, Enrollment.id)
        )
    )
    by_enrollment = {
        cert.enrollment_id: cert
        for cert in db.session.scalars(
            select(Certificate)
            .join(Enrollment, Certificate.enrollment_id == Enrollment.id)
            .where(Enrollment.class_id == klass.id, Certificate.revoked_at.is_(None))
        )
    }
    return [(e, by_enrollment.get(e.id)) for e in enrollments]


def certificates_to_review(klass: Class) -> list[tuple[Enrollment, Certificate]]:
    """Valid certificates of enrolments that are no longer completed (a close-out after a
    correction changed the outcome): shown to the director, who decides; never revoked here."""
    rows = db.session.execute(
        select(Enrollment, Certificate)
        .join(Certificate, Certificate.enrollment_id == Enrollment.id)
        .join(User, Enrollment.user_id == User.id)
        .where(
            Enrollment.class_id == klass.id,
            Certificate.revoked_at.is_(None),
            or_(Enrollment.outcome.is_(None), Enrollment.outcome != "completed",
                Enrollment.status != "enrolled"),
        )
        .options(selectinload(Enrollment.user))
        .order_by(User.sort_key, Certificate.id)
    )
    return [(e, c) for e, c in rows]


def find_by_code(code: str) -> Certificate | None:
    """One indexed lookup, whatever the code (no timing difference for unknown codes)."""
    code = (code or "").strip()[:64]
    return db.session.scalar(select(Certificate).where(Certificate.verification_code == code))


def find_by_number(register_number: str, date_of_birth: date | None) -> Certificate | None:
    """By register number plus date of birth; a wrong date answers like an unknown number."""
    number = (nfc(register_number or "") or "")[:40]
    cert = db.session.scalar(select(Certificate).where(Certificate.register_number == number))
    if cert is None or date_of_birth is None or cert.date_of_birth != date_of_birth:
        return None
    return cert


def list_classes_with_completions(limit: int = 300):
    """Classes with completed enrolments, newest first, with how many have a valid certificate
    (one aggregate query)."""
    from sqlalchemy import and_, func

    return db.session.execute(
        select(
            Class.id,
            Class.code,
            Class.title,
            Class.start_date,
            Class.end_date,
            func.count(Enrollment.id).label("completed"),
            func.count(Certificate.id).label("issued"),
        )
        .join(Enrollment, Enrollment.class_id == Class.id)
        .outerjoin(
            Certificate,
            and_(Certificate.enrollment_id == Enrollment.id, Certificate.revoked_at.is_(None)),
        )
        .where(Enrollment.outcome == "completed")
        .group_by(Class.id, Class.code, Class.title, Class.start_date, Class.end_date)
        .order_by(Class.start_date.desc(), Class.id.desc())
        .limit(limit)
    ).all()
