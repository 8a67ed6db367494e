"""Installed libraries meet the security floors (checked offline: no advisory feed here)."""

from importlib.metadata import version

import pytest
from packaging.version import Version

FLOORS = {"weasyprint": "70.0", "flask": "3.1.3", "werkzeug": "3.1.6"}


@pytest.mark.parametrize(("package", "floor"), FLOORS.items())
def test_installed_version_meets_the_floor(package, floor):
    assert Version(version(package)) >= Version(floor), f"{package} must be >= {floor}"
