"""Certificates pages: a class's certificates (director), my certificates (trainee), downloads,
batch jobs with a progress bar, and the public verification page."""

from __future__ import annotations

import io

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.freshness import fresh_required
from lms.certificates import (
    batch,  # noqa: F401  (registers the job kinds)
    services,
)
from lms.certificates.blueprint import bp
from lms.certificates.forms import ReissueForm, RevokeForm, VerifyCodeForm, VerifyNumberForm
from lms.certificates.models import Certificate
from lms.certificates.render import file_name, render_certificate
from lms.classes.models import Class
from lms.core.forms import ActionForm
from lms.core.jobs import check_job, restart_job, start_job
from lms.core.labels import JOB_KIND_LABELS
from lms.core.models import Job
from lms.core.work import attempt, saving
from lms.enrollment.models import Enrollment
from lms.extensions import db, limiter

BATCHES = {
    "issue": "certificates.issue_all",
    "merged": "certificates.merged_pdf",
    "zip": "certificates.zip",
}


def _verify_limit() -> str:
    return current_app.config.get("RATELIMIT_VERIFY", "30 per minute; 300 per hour")


def _base_url() -> str:
    return current_app.config.get("PUBLIC_BASE_URL") or request.url_root


def _actor():
    return current_user._get_current_object()


# --- director: a class's certificates -------------------------------------------------------


@bp.get("/certificates")
def overview():
    return render_template(
        "certificates/overview.html", classes=services.list_classes_with_completions()
    )


@bp.get("/classes/<int:class_id>/certificates")
def class_certificates(class_id: int):
    klass = db.get_or_404(Class, class_id)
    rows = services.class_certificates(klass)
    return render_template(
        "certificates/class.html",
        klass=klass,
        rows=rows,
        to_review=services.certificates_to_review(klass),
        pending=sum(1 for _e, cert in rows if cert is None),
        issued=sum(1 for _e, cert in rows if cert is not None),
        form=ActionForm(),
    )


@bp.post("/classes/<int:class_id>/certificates/issue/<int:enrollment_id>")
def issue_one(class_id: int, enrollment_id: int):
    enrollment = db.get_or_404(Enrollment, enrollment_id)
    if enrollment.class_id != class_id:
        abort(404)
    if ActionForm().validate_on_submit():
        done = attempt(  # certificate numbers: a collision is tried again
            lambda: services.issue_certificate(
                db.session.get(Enrollment, enrollment_id),
                actor=_actor(),
                base_url=_base_url(),
            )
        )
        if done:
            flash(_("Certificate %(number)s issued.", number=done.result.register_number),
                  "success")
    return redirect(url_for("certificates.class_certificates", class_id=class_id))


@bp.post("/classes/<int:class_id>/certificates/<any(issue, merged, zip):what>")
def start_batch(class_id: int, what: str):
    klass = db.get_or_404(Class, class_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("certificates.class_certificates", class_id=class_id))
    params = {"class_id": klass.id, "base_url": _base_url()}
    with saving() as done:
        if what == "issue":  # refused here, not by a job that fails in the background
            services.refuse_while_reopened({klass.id})
        job = start_job(BATCHES[what], params, actor=_actor())  # commits: the worker reads it
    if not done:
        return redirect(url_for("certificates.class_certificates", class_id=class_id))
    return redirect(url_for("certificates.job", job_id=job.id))


# --- one certificate: download, revoke, reissue ---------------------------------------------


@bp.get("/certificates/<int:cert_id>")
def detail(cert_id: int):
    cert = db.get_or_404(Certificate, cert_id)
    return render_template(
        "certificates/detail.html",
        cert=cert,
        enrollment=db.session.get(Enrollment, cert.enrollment_id),
        replaces=db.session.get(Certificate, cert.replaces_id) if cert.replaces_id else None,
        replaced_by=db.session.scalar(
            db.select(Certificate).where(Certificate.replaces_id == cert.id)
        ),
        revoke_form=RevokeForm(prefix="revoke"),
        reissue_form=ReissueForm(prefix="reissue"),
    )


@bp.get("/certificates/<int:cert_id>/download")
def download(cert_id: int):
    cert = services.certificate_for(cert_id, actor=_actor())
    # A GET changes nothing: a certificate stored without its PDF (the demo loader's) is
    # rendered from its frozen fields for this download only; issuing stores the PDF.
    pdf = cert.pdf or render_certificate(cert, base_url=_base_url())
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=file_name(cert),
    )


@bp.post("/certificates/<int:cert_id>/revoke")
@fresh_required
def revoke(cert_id: int):
    cert = db.get_or_404(Certificate, cert_id)
    form = RevokeForm(prefix="revoke")
    if form.validate_on_submit():
        with saving() as done:  # the page redirects: a refusal is flashed, not put on the form
            services.revoke_certificate(cert, form.reason.data, actor=_actor())
        if done:
            flash(_("Certificate %(number)s revoked.", number=cert.register_number), "success")
    else:
        flash(_("Give the reason for revoking."), "error")
    return redirect(url_for("certificates.detail", cert_id=cert_id))


@bp.post("/certificates/<int:cert_id>/reissue")
@fresh_required  # a reissue revokes the old certificate
def reissue(cert_id: int):
    db.get_or_404(Certificate, cert_id)
    form = ReissueForm(prefix="reissue")
    if not form.validate_on_submit():
        return redirect(url_for("certificates.detail", cert_id=cert_id))
    done = attempt(  # certificate numbers: a collision is tried again
        lambda: services.reissue_certificate(
            db.session.get(Certificate, cert_id),
            actor=_actor(),
            reason=form.reason.data or "",
            base_url=_base_url(),
        )
    )
    if not done:
        return redirect(url_for("certificates.detail", cert_id=cert_id))
    new = done.result
    flash(_("Certificate reissued as %(number)s.", number=new.register_number), "success")
    return redirect(url_for("certificates.detail", cert_id=new.id))


# --- trainee ---------------------------------------------------------------------------------


@bp.get("/my/certificates")
def my_certificates():
    return render_template(
        "certificates/my.html", certificates=services.list_my_certificates(_actor())
    )


# --- background jobs (the creator only) -----------------------------------------------------


def _own_job(job_id: str) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.created_by_id != current_user.id:
        abort(404)
    return check_job(job)  # a job whose process died shows as failed, with a retry button


@bp.get("/jobs/<job_id>")
def job(job_id: str):
    job = _own_job(job_id)
    return render_template(
        "certificates/job.html",
        job=job,
        label=JOB_KIND_LABELS.get(job.kind, job.kind),
        class_id=(job.params or {}).get("class_id"),
        form=ActionForm(),
    )


@bp.post("/jobs/<job_id>/retry")
def job_retry(job_id: str):
    job = _own_job(job_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("certificates.job", job_id=job.id))
    with saving() as done:
        new = restart_job(job, actor=_actor())  # commits the new job for its worker
    if not done:
        return redirect(url_for("certificates.job", job_id=job.id))
    return redirect(url_for("certificates.job", job_id=new.id))


@bp.get("/jobs/<job_id>/status")
def job_status(job_id: str):
    job = _own_job(job_id)
    percent = 100 if job.status == "done" else (100 * job.progress // job.total if job.total else 0)
    return jsonify(
        status=job.status,
        progress=job.progress,
        total=job.total,
        percent=percent,
        error=job.error,
        download_url=url_for("certificates.job_download", job_id=job.id)
        if job.status == "done" and job.result_path
        else None,
    )


@bp.get("/jobs/<job_id>/download")
def job_download(job_id: str):
    job = _own_job(job_id)
    if job.status != "done" or not job.result_path:
        abort(404)
    mimetype = "application/zip" if job.result_name.endswith(".zip") else "application/pdf"
    return send_file(
        job.result_path, mimetype=mimetype, as_attachment=True, download_name=job.result_name
    )


# --- public verification ---------------------------------------------------------------------


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(_verify_limit)
def verify_form():
    code_form = VerifyCodeForm(request.args)
    number_form = VerifyNumberForm()
    if request.method == "GET" and request.args and code_form.validate():
        return redirect(url_for("certificates.verify", code=code_form.code.data.strip()))
    if number_form.validate_on_submit():
        cert = services.find_by_number(
            number_form.register_number.data, number_form.date_of_birth.data
        )
        return render_template("certificates/verify.html", cert=cert, searched=True)
    return render_template(
        "certificates/verify_form.html", code_form=code_form, number_form=number_form
    )


@bp.get("/verify/<code>")
@limiter.limit(_verify_limit)
def verify(code: str):
    cert = services.find_by_code(code)
    return render_template("certificates/verify.html", cert=cert, searched=True)
