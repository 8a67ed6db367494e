"""The center's clock: today and now on its wall clock (`TIMEZONE`, default Asia/Ho_Chi_Minh).

Sessions, enrolment windows, the report's year to date and the CLI all speak in local dates;
the server's own clock (UTC on most servers) is seven hours off in Vietnam, which moves "today"
at 17:00. Timestamps stored in the database stay UTC (lms.core.types.utcnow).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_now() -> datetime:
    """Now on the center's wall clock (timezone-aware)."""
    return datetime.now(local_zone())


def local_today() -> date:
    """Today on the center's wall clock."""
    return local_now().date()


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(local_zone())
