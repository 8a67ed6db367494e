"""`make bench`: the benchmarks written so far, one after the other (not part of `make test`).

Each prints its own table with the baseline measured in the same run. Folding them into one
table, the 10 M scale and docs/benchmarks.md are the work of the benchmark issue.
"""

import subprocess
import sys

STEPS = [
    (
        "certificates: issuing 300 vs WeasyPrint alone",
        [sys.executable, "-m", "bench.certificates", "300"],
    ),
    (
        "attendance: 300-trainee roster load and save",
        [sys.executable, "scripts/bench_attendance.py"],
    ),
    (
        "check-in through gunicorn + wrk vs a bare Flask read",
        [sys.executable, "scripts/bench_checkin.py"],
    ),
    (
        "annual report at 1 M attendance records vs a raw query",
        [sys.executable, "scripts/bench_report.py"],
    ),
]


def main() -> int:
    failed = 0
    for title, command in STEPS:
        print(f"\n== {title}\n$ {' '.join(command[1:])}", flush=True)
        failed += subprocess.call(command) != 0  # noqa: S603  (the fixed STEPS above)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
