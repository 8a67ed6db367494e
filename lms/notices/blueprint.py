"""The notices blueprint: every URL of the package in one table (the views are in views.py).

GET  /notices                       notices.index        a person's notices (SIGNED_IN)
POST /notices/read                  notices.mark_read    one or all read (SIGNED_IN, own)
GET  /notices/preferences           notices.preferences  language, reminders, e-mail
POST /notices/preferences           notices.preferences
GET  /notices/outbox                notices.outbox       the center's outbox (director)
POST /notices/outbox/resend         notices.resend       a failed notice again (director)
"""

from flask import Blueprint

bp = Blueprint("notices", __name__)


@bp.record_once
def _init(state) -> None:
    """Registering the blueprint also wakes the sender after commits and checks the setup."""
    from lms.notices.outbox import init_app

    app = state.app
    if (
        app.config.get("ENV") == "production"
        and app.config.get("MAIL_SERVER")
        and not app.config.get("PUBLIC_BASE_URL")
    ):
        raise RuntimeError(
            "LMS_ENV=production with MAIL_SERVER needs PUBLIC_BASE_URL (the address in e-mails)"
        )
    init_app(app)
