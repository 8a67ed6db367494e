"""`make bench`: every benchmark, then ONE table of the whole run (not part of `make test`).

    .venv/bin/python -m bench [--quick] [--only pages,certificates,...] [--size 1m|10m] [--docs]

1. Builds the province-sized database with the demo generator when it is missing
   (bench-data/report-<size>.sqlite3; and the PostgreSQL database named by
   LMS_BENCH_DATABASE_URL when it is set and empty).
2. Runs each benchmark as its own process (a fresh interpreter each: no benchmark warms another's
   caches or memory) with LMS_BENCH_RESULTS naming one file; each appends its rows
   (bench/results.py).
3. Prints the machine and the table of every row, and writes both to
   bench-data/results-<time>.md (rows as JSON lines beside it). --docs also puts them into
   docs/benchmarks.md between the markers.

--quick: fewer runs and smaller counts, for development (the figures are not the reference).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.province import DATA, ROOT, SIZES, ensure
from bench.results import load, table

DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def steps(size, quick: bool) -> dict[str, list[str]]:
    """name → command. The report script gets the size's generator settings and file."""
    py = sys.executable
    report = [py, "scripts/bench_report.py", "--size", size.name, "--sqlite", str(size.sqlite_path)]
    if quick:
        return {
            "report": [*report, "--runs", "3"],
            "pages": [py, "-m", "bench.pages", "--size", size.name, "--runs", "3"],
            "attendance": [py, "scripts/bench_attendance.py", "--runs", "3"],
            "certificates": [py, "-m", "bench.certificates", "--trainees", "50",
                             "--renders", "200"],
            "coldstart": [py, "-m", "bench.coldstart", "--runs", "3"],
            "checkin": [py, "scripts/bench_checkin.py", "--runs", "1", "--duration", "3"],
            "notices": [py, "-m", "bench.notices", "--runs", "3", "--messages", "200"],
            "offline": [py, "scripts/bench_offline_sync.py", "--runs", "3"],
            "crowd": [py, "scripts/bench_crowd.py", "--people", "100", "--phones", "8"],
        }
    return {
        "report": report,
        "pages": [py, "-m", "bench.pages", "--size", size.name],
        "attendance": [py, "scripts/bench_attendance.py"],
        "certificates": [py, "-m", "bench.certificates"],
        "coldstart": [py, "-m", "bench.coldstart"],
        "checkin": [py, "scripts/bench_checkin.py"],
        "notices": [py, "-m", "bench.notices"],
        "offline": [py, "scripts/bench_offline_sync.py"],
        "crowd": [py, "scripts/bench_crowd.py"],
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def postgres_version(url: str) -> str:
    if not url:
        return "not measured (LMS_BENCH_DATABASE_URL unset)"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW server_version")).scalar()
    except Exception as error:  # noqa: BLE001  (shown, not fatal)
        return f"unreachable ({error.__class__.__name__})"
    finally:
        engine.dispose()


def machine(load_start: tuple, load_end: tuple) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT  # noqa: S607
    ).stdout.strip()
    return "\n".join([
        f"- CPU: {cpu_model()}, {os.cpu_count()} cores",
        f"- load average (1, 5, 15 min): at start {' '.join(f'{x:.2f}' for x in load_start)}, "
        f"at end {' '.join(f'{x:.2f}' for x in load_end)}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"PostgreSQL {postgres_version(os.environ.get('LMS_BENCH_DATABASE_URL', ''))}",
        f"- {platform.platform()}; commit {commit or '?'}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
    ])


def put_in_docs(text: str) -> None:
    page = DOCS.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(page):
        raise SystemExit(f"{DOCS}: the markers {BEGIN} … {END} are missing")
    DOCS.write_text(pattern.sub(lambda _m: f"{BEGIN}\n{text}\n{END}", page), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, smaller counts")
    parser.add_argument("--only", default="", help="comma-separated: report,pages,attendance,"
                        "certificates,coldstart,checkin,notices,offline,crowd (default: all)")
    parser.add_argument("--size", default="1m", choices=sorted(SIZES))
    parser.add_argument("--docs", action="store_true", help="put the table into docs/benchmarks.md")
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    every = steps(size, args.quick)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(every)
    unknown = set(chosen) - set(every)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    DATA.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    results_file = DATA / f"results-{stamp}.jsonl"
    results_file.touch()
    env = {**os.environ, "LMS_BENCH_RESULTS": str(results_file), "PYTHONPATH": str(ROOT)}
    load_start = os.getloadavg()
    started = time.perf_counter()

    if {"report", "pages"} & set(chosen):
        ensure(f"sqlite:///{size.sqlite_path}", size)
        if os.environ.get("LMS_BENCH_DATABASE_URL"):
            ensure(os.environ["LMS_BENCH_DATABASE_URL"], size)
    failed, missing = [], []
    for name in chosen:
        command = every[name]
        print(f"\n== {name}\n$ {' '.join(command[1:])}", flush=True)
        rows = len(load(str(results_file)))
        if subprocess.call(command, cwd=ROOT, env=env) != 0:  # noqa: S603
            failed.append(name)
        elif len(load(str(results_file))) == rows:
            missing.append(name)

    results = load(str(results_file))
    text = "\n".join([
        machine(load_start, os.getloadavg()),
        "",
        table(results),
        "",
        f"`python -m bench{' --quick' if args.quick else ''} --size {size.name}"
        f"{' --only ' + ','.join(chosen) if args.only else ''}`, "
        f"{(time.perf_counter() - started) / 60:.0f} min. "
        "Median of several runs; the ratio is against the baseline named in its row, "
        "measured in the same run.",
    ])
    if failed:
        text += f"\n\nFailed (no rows): {', '.join(failed)}."
    if missing:
        text += f"\n\nRan but wrote no rows (not on bench/results.py yet): {', '.join(missing)}."
    report = results_file.with_suffix(".md")
    report.write_text(text + "\n", encoding="utf-8")
    print("\n" + text + f"\n\nwritten to {report.relative_to(ROOT)}")
    if args.docs:
        put_in_docs(text)
        print(f"and into {DOCS.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
