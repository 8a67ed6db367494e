"""Class batches as background jobs: issue all, merged PDF, ZIP; progress to completion."""

import io
import zipfile
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from lms.certificates import batch  # noqa: F401  (job kinds)
from lms.certificates.models import Certificate
from lms.certificates.services import issue_certificates
from lms.core.jobs import start_job, wait_for_jobs
from lms.core.models import Job
from lms.extensions import db


@pytest.fixture
def klass_of(make, completed):
    def build(n, issued=False):
        enrollments = [completed() for _ in range(n)]
        if issued:
            issue_certificates(
                enrollments, actor=make.director(), issued_on=date(2019, 10, 25), render=False
            )
        db.session.commit()
        return enrollments[0].klass

    return build


def _finish(job_id) -> Job:
    wait_for_jobs(60)
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_issue_all_runs_in_the_background_to_completion(make, klass_of):
    klass = klass_of(30)
    director = make.director()
    db.session.commit()
    job = start_job("certificates.issue_all", {"class_id": klass.id}, actor=director)
    job = _finish(job.id)
    assert (job.status, job.progress, job.total) == ("done", 30, 30)
    certs = db.session.scalars(select(Certificate).order_by(Certificate.seq)).all()
    assert [c.seq for c in certs] == list(range(1, 31))
    assert all(c.pdf for c in certs)
    # Running it again issues nothing more.
    job = _finish(start_job("certificates.issue_all", {"class_id": klass.id}, actor=director).id)
    assert (job.status, job.total) == ("done", 0)
    assert db.session.scalar(select(func.count(Certificate.id))) == 30


def test_the_merged_pdf_has_one_page_per_certificate(make, klass_of):
    klass = klass_of(4, issued=True)
    director = make.director()
    db.session.commit()
    job = _finish(start_job("certificates.merged_pdf", {"class_id": klass.id}, actor=director).id)
    assert job.status == "done", job.error
    assert job.result_name.endswith(".pdf")
    with open(job.result_path, "rb") as handle:
        reader = PdfReader(handle)
        assert len(reader.pages) == 4
        assert "0004/2019/GCN" in "".join(p.extract_text() for p in reader.pages)


def test_the_zip_holds_single_pdfs_named_by_number_and_name(make, klass_of):
    klass = klass_of(3, issued=True)
    director = make.director()
    db.session.commit()
    job = _finish(start_job("certificates.zip", {"class_id": klass.id}, actor=director).id)
    assert job.status == "done", job.error
    with zipfile.ZipFile(job.result_path) as archive:
        names = sorted(archive.namelist())
        assert names[0].startswith("000")
        assert names[0].endswith(".pdf")
        assert all(n.isascii() for n in names)
        assert "_Nguyen-Van-Thanh-" in names[0]
        assert archive.read(names[0]).startswith(b"%PDF")
    # The PDFs missing before (render=False) were rendered and stored on the way.
    assert db.session.scalar(select(func.count()).where(Certificate.pdf.is_(None))) == 0


def test_a_failed_job_says_why(make, klass_of):
    klass = klass_of(2)  # nothing issued yet
    job = _finish(
        start_job("certificates.merged_pdf", {"class_id": klass.id}, actor=make.director()).id
    )
    assert job.status == "failed"
    assert job.error


def test_job_pages_and_downloads_belong_to_their_creator(client, login, make, klass_of):
    klass = klass_of(2, issued=True)
    director, other = make.director(), make.director()
    db.session.commit()
    login(director)
    response = client.post(f"/classes/{klass.id}/certificates/zip")
    assert response.status_code == 302
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    wait_for_jobs(60)
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    assert "job-progress.js" in page.text
    status = client.get(f"/jobs/{job_id}/status").get_json()
    assert status["status"] == "done"
    assert status["percent"] == 100
    with client.get(status["download_url"]) as download:
        assert download.status_code == 200
        assert download.headers["Content-Type"] == "application/zip"
        assert zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    client.post("/logout")
    login(other)
    assert client.get(f"/jobs/{job_id}").status_code == 404
    assert client.get(f"/jobs/{job_id}/status").status_code == 404
    assert client.get(f"/jobs/{job_id}/download").status_code == 404


def test_with_redis_the_job_runs_on_an_rq_worker(app, make, klass_of):
    """LMS_REDIS_URL set: start_job enqueues lms.worker.run_job on the real Redis, and an
    RQ worker (in burst mode, in this process) runs it to completion."""
    import redis
    import rq

    url = "redis://127.0.0.1:6379/15"
    connection = redis.Redis.from_url(url)
    try:
        connection.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    queue = rq.Queue("lms", connection=connection)
    queue.empty()
    app.config["REDIS_URL"] = url
    klass = klass_of(2, issued=True)
    job = start_job("certificates.merged_pdf", {"class_id": klass.id}, actor=make.director())
    db.session.commit()
    assert queue.count == 1
    assert db.session.get(Job, job.id).status == "queued"

    rq.SimpleWorker([queue], connection=connection).work(burst=True)
    db.session.expire_all()
    finished = db.session.get(Job, job.id)
    assert finished.status == "done", finished.error
    assert finished.progress == finished.total == 2
    assert queue.count == 0
