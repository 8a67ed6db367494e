"""Benchmark: issuing a class of 300 certificates against WeasyPrint alone on the same template,
and resident memory across 2,000 certificate renders.

    .venv/bin/python -m bench.certificates [--trainees 300] [--renders 2000]

- WeasyPrint alone: the certificate template's HTML built beforehand, rendered with the shared
  fonts and parsed CSS (lms.core.pdf.html_to_pdf), no database.
- Issuing: as the issue-all job does it, chunks of 25 enrolments with register numbers, frozen
  data, a stored PDF each and one commit per chunk.
  The two alternate chunk by chunk (25 pages of WeasyPrint, then 25 issued), so a change in the
  machine's load hits both; the ratio is the median of the per-chunk ratios.
- Memory: the app's one-certificate render (render.render_certificate) 2,000 times; RSS before,
  after the first 100 (warm), at the end and the peak during the renders. Flat: end − warm
  under 20 MB.
- The merged class PDF (one WeasyPrint document of 300 pages): time and peak RSS.
- Which font subsetter WeasyPrint uses here: HarfBuzz (libharfbuzz-subset ≥ 4.1) or the ~10×
  slower fontTools fallback (STACK-NOTES.md).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.results import Result, emit

GROWTH_LIMIT_MB = 20


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def reset_peak() -> None:
    """Start the peak (VmHWM) again from the current RSS (Linux: clear_refs 5)."""
    with contextlib.suppress(OSError):  # not Linux: the peak is the process's
        Path("/proc/self/clear_refs").write_text("5")


def font_subsetter() -> str:
    """The subsetter WeasyPrint picks (weasyprint/pdf/fonts.py: Font.subset)."""
    import ctypes

    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    library = ctypes.CDLL("libharfbuzz.so.0")
    library.hb_version_string.restype = ctypes.c_char_p
    version = library.hb_version_string().decode()
    if harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0):
        return f"HarfBuzz {version} (libharfbuzz-subset)"
    return f"fontTools (no libharfbuzz-subset ≥ 4.1; HarfBuzz {version})"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=300)
    parser.add_argument("--renders", type=int, default=2000)
    args = parser.parse_args(argv)
    n = args.trainees

    import weasyprint
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

    subsetter = font_subsetter()
    print(f"WeasyPrint {weasyprint.__version__}; font subsetting: {subsetter}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    app = create_app(
        {
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "STORAGE_DIR": str(folder / "storage"),
        }
    )
    size = f"{n} trainees"
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

        # The same template's HTML for WeasyPrint alone, built beforehand.
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

        weasy_total = issue_total = 0.0
        ratios = []
        for first in range(0, n, 25):
            started = time.perf_counter()
            for html in htmls[first : first + 25]:
                html_to_pdf(html, stylesheets=render.STYLESHEETS)
            weasy = time.perf_counter() - started
            chunk = enrollment_ids[first : first + 25]
            started = time.perf_counter()
            enrollments = list(
                db.session.scalars(db.select(Enrollment).where(Enrollment.id.in_(chunk)))
            )
            issued = issue_certificates(enrollments, actor=user, issued_on=date(2019, 10, 25))
            db.session.commit()
            for cert in issued:
                db.session.expunge(cert)
            issuing = time.perf_counter() - started
            weasy_total += weasy
            issue_total += issuing
            ratios.append(weasy / issuing)  # issuing rate ÷ WeasyPrint's rate
        weasy_rate, issue_rate = n / weasy_total, n / issue_total
        ratio = statistics.median(ratios)
        stored = db.session.scalar(db.select(db.func.sum(db.func.length(Certificate.pdf))))
        print(
            f"WeasyPrint alone {weasy_rate:.1f}/s, issuing {issue_rate:.1f}/s, median chunk "
            f"ratio {ratio:.2f}; stored {stored // n} bytes a PDF",
            flush=True,
        )
        results = [
            Result(
                measure="certificates issued (numbers, frozen data, stored PDF, commit per 25)",
                database="sqlite",
                size=size,
                value=issue_rate,
                unit="pages/s",
                baseline="WeasyPrint alone, same template",
                baseline_value=weasy_rate,
                ratio=ratio,
                target="≥ 0.5× WeasyPrint's rate",
                ok=ratio >= 0.5,
                note=f"font subsetting: {subsetter}",
            )
        ]

        # Memory across many renders of one certificate through the app's render path (before
        # the merged PDF, whose few hundred MB would hide a slow growth).
        certs = list(db.session.scalars(db.select(Certificate).order_by(Certificate.seq)))
        reset_peak()
        before = rss_mb()[0]
        warm = before
        started = time.perf_counter()
        for i in range(args.renders):
            render.render_certificate(certs[i % len(certs)])
            if i == 99:
                warm = rss_mb()[0]
        elapsed = time.perf_counter() - started
        after, peak = rss_mb()
        growth = after - warm
        print(
            f"{args.renders} renders in {elapsed:.0f} s: RSS before {before:.0f} MB, after 100 "
            f"{warm:.0f} MB, after {args.renders} {after:.0f} MB, peak {peak:.0f} MB",
            flush=True,
        )
        results.append(
            Result(
                measure=f"RSS growth across {args.renders:,} certificate renders",
                database="-",
                size="1 certificate a render",
                value=growth,
                unit="MB",
                baseline="RSS after the first 100",
                baseline_value=warm,
                target=f"flat: < {GROWTH_LIMIT_MB} MB",
                ok=growth < GROWTH_LIMIT_MB,
                note=(
                    f"RSS before {before:.0f} MB, after {after:.0f} MB, peak {peak:.0f} MB; "
                    f"{elapsed / args.renders * 1000:.0f} ms a render"
                ),
            )
        )
        # The merged class PDF: one WeasyPrint document.
        reset_peak()
        started = time.perf_counter()
        pdf = render.render_certificates(certs)
        merged = (time.perf_counter() - started) * 1000
        results.append(
            Result(
                measure="merged class PDF, one document",
                database="sqlite",
                size=size,
                value=merged,
                baseline="WeasyPrint alone × pages",
                baseline_value=weasy_total * 1000,
                ratio=merged / (weasy_total * 1000),
                note=f"{len(pdf) // 1024} KB, RSS peak {rss_mb()[1]:.0f} MB while making it",
            )
        )

    emit(results)


if __name__ == "__main__":
    sys.exit(main())
