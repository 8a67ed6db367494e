"""Benchmark: cold start. The CLI's `--help` and the first answer of a freshly started server.

    .venv/bin/python -m bench.coldstart [--runs 7] [--port 8520]

- `flask --app wsgi lms --help`: wall time of the whole subprocess, median of several runs
  (as hyperfine would), against `python -c "import flask"` in the same run.
- First request: gunicorn (one sync worker, gunicorn.conf.py) started on the app over a migrated
  SQLite file; the time from starting the process to the first 200 answer of /login, against the
  same for a bare Flask app (bare_app below) under the same gunicorn.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.processes import stop
from bench.results import Result, emit

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLI_TARGET_MS = 1000
FIRST_TARGET_MS = 3000


def bare_app():
    """gunicorn 'bench.coldstart:bare_app()': Flask with one page, nothing else."""
    from flask import Flask

    app = Flask(__name__)

    @app.get("/login")
    def login():
        return "ok"

    return app


def wall_ms(command: list[str], runs: int, env=None) -> float:
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=env)  # noqa: S603
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=env)  # noqa: S603
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def first_answer_ms(target: str, port: int, env: dict) -> float:
    """Start gunicorn on `target`; the ms until GET /login first answers 200."""
    command = [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--workers", "1",
               "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), target]
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = started + 30
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return (time.perf_counter() - started) * 1000
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode()[-2000:]) from None
                time.sleep(0.005)
        raise RuntimeError(f"{target} did not answer within 30 s")
    finally:
        stop(process)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--port", type=int, default=int(os.environ.get("LMS_BENCH_PORT", 8520)))
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="lms-bench-cold-"))
    env = {
        **os.environ,
        "LMS_DATABASE_URL": f"sqlite:///{folder / 'cold.sqlite3'}",
        "LMS_SECRET_KEY": "bench-" + "x" * 40,
        "LMS_STORAGE_DIR": str(folder / "storage"),
    }
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], check=True, capture_output=True, cwd=ROOT, env=env)  # noqa: S603

    bare_import = wall_ms([sys.executable, "-c", "import flask"], args.runs, env)
    cli = wall_ms([*flask, "lms", "--help"], args.runs, env)
    print(f"import flask {bare_import:.0f} ms; lms --help {cli:.0f} ms", flush=True)

    bare, app = [], []
    for _ in range(max(3, args.runs // 2)):  # alternate, so that load changes hit both
        bare.append(first_answer_ms("bench.coldstart:bare_app()", args.port, env))
        app.append(first_answer_ms("wsgi:app", args.port, env))
    bare_ms, app_ms = statistics.median(bare), statistics.median(app)
    print(f"first 200: bare Flask {bare_ms:.0f} ms, the app {app_ms:.0f} ms", flush=True)
    emit([
        Result(
            measure="cold start: flask --app wsgi lms --help", database="-", size="-",
            value=cli, baseline='python -c "import flask"', baseline_value=bare_import,
            ratio=cli / bare_import, target=f"< {CLI_TARGET_MS:,} ms", ok=cli < CLI_TARGET_MS,
            note=f"whole subprocess, median of {args.runs}",
        ),
        Result(
            measure="cold start: gunicorn start to first 200 (/login)", database="sqlite",
            size="empty", value=app_ms, baseline="bare Flask app, same gunicorn",
            baseline_value=bare_ms, ratio=app_ms / bare_ms, target=f"< {FIRST_TARGET_MS:,} ms",
            ok=app_ms < FIRST_TARGET_MS, note=f"1 sync worker, median of {len(app)}",
        ),
    ])


if __name__ == "__main__":
    sys.exit(main())
