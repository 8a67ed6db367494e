"""Benchmark: issuing a class of 300 certificates against WeasyPrint alone on the same template.

    .venv/bin/python -m bench.certificates [N]

Prints: WeasyPrint-only rate (prebuilt HTML of the certificate template, shared fonts and CSS),
issuing rate (numbers, frozen data, stored PDFs, committed in chunks like the job), the merged
class PDF (one WeasyPrint document) and resident memory along the way.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def main(n: int = 300) -> None:
    from flask import render_template

    from lms import create_app
    from lms.auth.models import User
    from lms.certificates import render
    from lms.certificates.models import Certificate
    from lms.certificates.services import issue_certificates, new_verification_code
    from lms.core.pdf import html_to_pdf
    from lms.enrollment.models import Enrollment
    from lms.extensions import db
    from tests.factories import Factories

    folder = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    app = create_app(
        {
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "STORAGE_DIR": str(folder / "storage"),
        }
    )
    with app.app_context(), app.test_request_context(base_url="https://lms.example.vn"):
        db.create_all()
        make = Factories()
        make.settings()
        director = make.director()
        klass = make.klass(start_date=date(2019, 10, 14), end_date=date(2019, 10, 18))
        for _ in range(n):
            make.enrollment(klass, outcome="completed", attended_count=5)
        db.session.commit()
        enrollment_ids = [e.id for e in db.session.scalars(db.select(Enrollment))]
        user = db.session.get(User, director.id)

        # WeasyPrint alone: the same template's HTML, built beforehand.
        center = render.center_info()
        htmls = []
        for i in range(n):
            cert = Certificate(
                full_name=f"Nguyễn Văn Thành {i}",
                date_of_birth=date(1980, 1, 1),
                unit_name="Đơn vị",
                class_code=klass.code,
                class_title=klass.title,
                program_name=klass.program.name,
                start_date=klass.start_date,
                end_date=klass.end_date,
                result="Hoàn thành (tham dự 5/5 buổi)",
                signer_title="GIÁM ĐỐC",
                signer_name="Nguyễn Thế Thạch",
                place="Quận Hoàng Mai",
                issued_on=date(2019, 10, 25),
                register_number=f"{i + 1:04d}/2019/GCN",
                verification_code=new_verification_code(),
            )
            htmls.append(
                render_template(
                    "certificates/certificate.html",
                    pages=[render.page_values(cert, center, None)],
                    parent_body=center.parent_body,
                    center_name=center.center_name,
                    header_kind=center.header_kind,
                    signature_url=None,
                )
            )
        html_to_pdf(htmls[0], stylesheets=render.STYLESHEETS)  # warm up fonts and CSS
        start = time.perf_counter()
        for html in htmls:
            html_to_pdf(html, stylesheets=render.STYLESHEETS)
        weasy = time.perf_counter() - start
        print(
            f"WeasyPrint alone: {n} pages in {weasy:.2f} s = {n / weasy:.1f}/s "
            f"({weasy / n * 1000:.1f} ms a page); RSS {rss_mb()[0]:.0f} MB"
        )

        # Issuing: as the issue-all job does it (chunks of 25, one commit each).
        rss_start = rss_mb()[0]
        start = time.perf_counter()
        marks = []
        for first in range(0, n, 25):
            chunk = enrollment_ids[first : first + 25]
            enrollments = list(
                db.session.scalars(db.select(Enrollment).where(Enrollment.id.in_(chunk)))
            )
            issued = issue_certificates(enrollments, actor=user, issued_on=date(2019, 10, 25))
            db.session.commit()
            for cert in issued:
                db.session.expunge(cert)
            marks.append(rss_mb()[0])
        issuing = time.perf_counter() - start
        print(
            f"Issuing: {n} certificates in {issuing:.2f} s = {n / issuing:.1f}/s "
            f"= {weasy / issuing:.0%} of WeasyPrint alone (needed: at least 50%)"
        )
        print(
            f"  RSS during issuing: start {rss_start:.0f} MB, after first chunk "
            f"{marks[0]:.0f} MB, end {marks[-1]:.0f} MB"
        )
        stored = db.session.scalar(db.select(db.func.sum(db.func.length(Certificate.pdf))))
        print(f"  stored PDF bytes: {stored / 1024 / 1024:.1f} MB ({stored // n} bytes each)")

        # The merged class PDF: one WeasyPrint document.
        certs = list(db.session.scalars(db.select(Certificate).order_by(Certificate.seq)))
        start = time.perf_counter()
        pdf = render.render_certificates(certs)
        merged = time.perf_counter() - start
        current, peak = rss_mb()
        print(
            f"Merged PDF: {n} pages in one document, {merged:.2f} s, {len(pdf) / 1024:.0f} KB; "
            f"RSS {current:.0f} MB, peak {peak:.0f} MB"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
