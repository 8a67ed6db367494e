"""One result format for every benchmark, so `make bench` can print one table.

Each benchmark (bench/*.py or scripts/bench_*.py) measures, then calls `emit(rows)`: the rows are
printed as a table and, when the environment names a file in LMS_BENCH_RESULTS, appended to it
as JSON lines for bench/__main__.py to gather into the one table of the whole run.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import asdict, dataclass


@dataclass
class Result:
    measure: str  # what was measured, e.g. "annual report, every breakdown"
    database: str  # "sqlite", "postgresql" or "-"
    size: str  # the data it ran on, e.g. "1.01 M attendance"
    value: float  # the median: milliseconds, or requests/s when unit says so
    unit: str = "ms"  # "ms", "req/s", "MB", "pages/s"
    baseline: str = ""  # what it is compared with, measured in the same run
    baseline_value: float | None = None
    ratio: float | None = None  # value vs baseline, in the direction the target states
    target: str = ""  # the line from the issue, e.g. "< 200 ms, faster than raw"
    ok: bool | None = None  # the target met (None: nothing to meet)
    statements: int | None = None  # SQL statements per request, where counted
    note: str = ""


def median_ms(fn, runs: int, warm: int = 1) -> float:
    """The median wall time of `runs` calls of fn, in ms, after `warm` unmeasured calls."""
    for _ in range(warm):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _cell(value, unit: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "**NO**"
    if isinstance(value, float):
        text = f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"
        return f"{text} {unit}".strip()
    return str(value)


HEADER = ("measure", "db", "data", "median", "baseline", "ratio", "target", "met", "SQL")


def table(results: list[Result]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in results:
        baseline = (
            f"{r.baseline} {_cell(r.baseline_value, r.unit)}".strip() if r.baseline else ""
        )
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else ""
        cells = (
            r.measure + (f" ({r.note})" if r.note else ""),
            r.database,
            r.size,
            _cell(r.value, r.unit),
            baseline,
            ratio,
            r.target,
            _cell(r.ok),
            _cell(r.statements),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def emit(results: list[Result]) -> None:
    """Print the rows; append them to $LMS_BENCH_RESULTS (JSON lines) when it is set."""
    print(table(results), flush=True)
    path = os.environ.get("LMS_BENCH_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            for r in results:
                out.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")


def load(path: str) -> list[Result]:
    with open(path, encoding="utf-8") as source:
        return [Result(**json.loads(line)) for line in source if line.strip()]
