"""Installed libraries meet the security floors (checked offline: no advisory feed here), the
pins in requirements.txt agree, and the bandit rules stay switched on in ruff."""

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
FLOORS = {"weasyprint": "70.0", "flask": "3.1.3", "werkzeug": "3.1.6"}


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s#;]+).*", line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


@pytest.mark.parametrize(("package", "floor"), FLOORS.items())
def test_installed_version_meets_the_floor(package, floor):
    assert Version(version(package)) >= Version(floor), f"{package} must be >= {floor}"


@pytest.mark.parametrize(("package", "floor"), FLOORS.items())
def test_requirements_pin_meets_the_floor(package, floor):
    pinned = _pins().get(package)
    assert pinned, f"{package} is not pinned (==) in requirements.txt"
    assert Version(pinned) >= Version(floor), f"requirements.txt pins {package}=={pinned}"


def test_ruff_runs_the_bandit_rules_on_the_application():
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert "S" in lint["select"]
    assert not [code for code in lint.get("ignore", []) if code.startswith("S")]
    for pattern, codes in lint.get("per-file-ignores", {}).items():
        if any(code.startswith("S") for code in codes):
            assert pattern.startswith(("tests/", "scripts/", "bench/")), pattern
