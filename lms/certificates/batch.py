"""Class batches as background jobs: issue all, one merged PDF, a ZIP of single PDFs."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.certificates.models import Certificate
from lms.certificates.render import ensure_pdf, file_name, render_certificates
from lms.certificates.services import issue_certificates, pending_enrollments
from lms.classes.models import Class
from lms.core.jobs import JobContext, job_kind
from lms.core.retry import run_with_retries
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db

ISSUE_CHUNK = 25  # certificates per transaction: the counter lock is held briefly
MERGE_CHUNK = 300  # pages per WeasyPrint document: 300 pages peak near 380 MB here
ZIP_CHUNK = 25

T = TypeVar("T")


def commit_step(work: Callable[[], T]) -> T:
    """Run one step of a batch job and commit it, again after a collision (lms.core.retry).

    A request is one unit of work (lms.core.work); a job commits step by step instead, on
    purpose: a class of certificates takes minutes, and each chunk's numbers are taken under
    the year's counter lock, which must not be held for the whole class (a director issuing one
    certificate meanwhile would wait); the status page shows progress as it is committed; and a
    job that fails or whose process dies keeps what it finished (a restart skips it). Progress
    itself is committed by JobContext.progress. work() must re-read what it needs: after a
    rollback the session's objects are expired."""
    return run_with_retries(work)


def _class(ctx: JobContext) -> Class:
    klass = db.session.get(Class, ctx.params["class_id"])
    if klass is None:
        raise DomainError(_l("The class no longer exists."))
    return klass


def _valid_ids(klass: Class) -> list[int]:
    from lms.auth.models import User

    return list(
        db.session.scalars(
            select(Certificate.id)
            .join(Enrollment, Certificate.enrollment_id == Enrollment.id)
            .join(User, Enrollment.user_id == User.id)
            .where(Enrollment.class_id == klass.id, Certificate.revoked_at.is_(None))
            .order_by(User.sort_key, Certificate.id)
        )
    )


def _load(ids: list[int]) -> list[Certificate]:
    rows = {c.id: c for c in db.session.scalars(select(Certificate).where(Certificate.id.in_(ids)))}
    return [rows[i] for i in ids]


def _forget(certs: list[Certificate]) -> None:
    """Bounded memory: drop a chunk's rows (and their PDF bytes) from the session."""
    for cert in certs:
        db.session.expunge(cert)


@job_kind("certificates.issue_all")
def issue_all(ctx: JobContext) -> None:
    """Every completed enrolment of the class without a valid certificate gets one.

    Numbers and frozen data are committed chunk by chunk; each chunk's PDFs are rendered and
    stored in the same transaction."""
    klass = _class(ctx)
    ids = [e.id for e in pending_enrollments(klass)]
    ctx.set_total(len(ids))
    base_url = ctx.params.get("base_url")
    done = 0
    for start in range(0, len(ids), ISSUE_CHUNK):
        chunk = ids[start : start + ISSUE_CHUNK]

        def work(chunk=chunk):
            enrollments = list(
                db.session.scalars(
                    select(Enrollment)
                    .where(Enrollment.id.in_(chunk))
                    .options(selectinload(Enrollment.user), selectinload(Enrollment.unit))
                )
            )
            return issue_certificates(
                enrollments, actor=ctx.actor, base_url=base_url, skip_issued=True
            )

        commit_step(work)
        done += len(chunk)
        ctx.progress(done)


@job_kind("certificates.merged_pdf")
def merged_pdf(ctx: JobContext) -> None:
    """The class's valid certificates as one PDF: one WeasyPrint document (chunked only above
    MERGE_CHUNK pages, then joined), rendered from the frozen fields."""
    klass = _class(ctx)
    ids = _valid_ids(klass)
    if not ids:
        raise DomainError(_l("This class has no valid certificates yet."))
    ctx.set_total(len(ids))
    base_url = ctx.params.get("base_url")
    name = f"{klass.code}-giay-chung-nhan.pdf"
    parts: list[bytes] = []
    for start in range(0, len(ids), MERGE_CHUNK):
        chunk = ids[start : start + MERGE_CHUNK]
        certs = _load(chunk)
        parts.append(render_certificates(certs, base_url=base_url))
        _forget(certs)
        ctx.progress(start + len(chunk))
    path = ctx.result_file(name)
    if len(parts) == 1:
        path.write_bytes(parts[0])
    else:
        from pypdf import PdfWriter  # here, not at import: app start (docs/benchmarks.md)

        writer = PdfWriter()
        for part in parts:
            writer.append(io.BytesIO(part))
        with path.open("wb") as handle:
            writer.write(handle)
    commit_step(lambda: ctx.result_file(name))  # the finished file, recorded on the job


@job_kind("certificates.zip")
def zip_pdfs(ctx: JobContext) -> None:
    """A ZIP of the single PDFs (the stored ones; missing ones rendered and stored now),
    named like "0123-2019-GCN_Nguyen-Van-A.pdf"."""
    klass = _class(ctx)
    ids = _valid_ids(klass)
    if not ids:
        raise DomainError(_l("This class has no valid certificates yet."))
    ctx.set_total(len(ids))
    base_url = ctx.params.get("base_url")
    name = f"{klass.code}-giay-chung-nhan.zip"
    path = ctx.result_file(name)
    # PDFs are already compressed: storing them is as small and much faster.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for start in range(0, len(ids), ZIP_CHUNK):
            certs = _load(ids[start : start + ZIP_CHUNK])
            for cert in certs:
                archive.writestr(file_name(cert), ensure_pdf(cert, base_url=base_url))
            ctx.progress(start + len(certs))  # commits the PDFs rendered for missing ones
            _forget(certs)
    current_app.logger.info("zip of %d certificates written", len(ids))
    commit_step(lambda: ctx.result_file(name))  # the finished file, recorded on the job
