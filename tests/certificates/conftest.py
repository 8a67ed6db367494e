"""Completed enrolments ready for certificates (close-out is another blueprint's: the outcome
is set directly here)."""

from datetime import date

import pytest


@pytest.fixture
def completed(make):
    """completed(klass=None, **user_overrides) -> a completed enrolment in a finished class."""
    make.settings()
    classes = {}

    def build(klass=None, **user):
        if klass is None:
            klass = classes.get("default")
            if klass is None:
                program = make.program(name="Bồi dưỡng lý luận chính trị cho đảng viên mới")
                klass = make.klass(
                    program=program,
                    title="Lớp bồi dưỡng đảng viên mới khóa 3",
                    start_date=date(2019, 10, 14),
                    end_date=date(2019, 10, 18),
                )
                classes["default"] = klass
        trainee = make.trainee(**user)
        enrollment = make.enrollment(klass, trainee, outcome="completed", attended_count=5)
        return enrollment

    return build
