"""Stopping the servers a benchmark starts."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen) -> None:
    """Ask the process to end (gunicorn finishes its requests), then kill it after 10 s."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
