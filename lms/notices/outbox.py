"""The outbox: sending the notices that are due, exactly the way docs/notices.md describes.

States of `Notice.mail_state` and what moves them:

    pending ──claim (commit)──> sending ──250──> sent
       ^                          │ 4xx / dropped connection, tries left: pending (later)
       └──────────────────────────┤ 5xx, or no tries left: failed (the server's answer kept)
                                  └ the sender died: found "sending" after
                                    MAIL_SENDING_STALE_SECONDS -> uncertain
    skipped: dashboard only (e-mail off, no address, inactive, an address refused before)

Per notice, in this order: read it and compose the message (nothing claimed yet: a template
error fails it without ambiguity); connect if needed (unreachable: a temporary failure of
this notice, and the run stops); claim it with a guarded UPDATE (pending -> sending, attempt
time, attempts + 1) and COMMIT; run MAIL, RCPT, DATA; record the answer and COMMIT.

Crash points (the process killed, the machine off):
- before the claim's commit: the notice is still pending; the next run sends it.
- after the claim, before the server's 250 is recorded: the message may or may not have
  arrived (the server may have taken it just before the crash). It is NOT sent again by
  itself: the next run finds it "sending" for longer than MAIL_SENDING_STALE_SECONDS (far
  longer than a live exchange, MAIL_TIMEOUT) and makes it "uncertain", with its Message-ID.
  A director sees it in the outbox and may resend it (same Message-ID: a receiving system
  that keeps Message-IDs drops the second copy; the mail server's log tells whether the
  first went out). So e-mail is at most once after a crash; the dashboard copy is always
  there (it was committed with the change), so nothing is lost.
- after the "sent" commit: done.
A temporary refusal (4xx) or a connection dropped before the server's answer is retried with
the same Message-ID after MAIL_RETRY_DELAYS. A server that took the whole message and then
dropped the connection before answering would get it twice (the duplicate of RFC 1047 that
every SMTP client has); the same Message-ID lets the receiving side drop it.

Two senders at once (a thread of each web process, cron, an RQ worker) never send one notice
twice: the claim is one UPDATE ... WHERE mail_state = 'pending', and only its winner sends.
"""

from __future__ import annotations

import atexit
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select, text, update

from lms.auth.models import User
from lms.core.actors import Actor, require
from lms.core.audit import record
from lms.core.settings import get_settings
from lms.core.types import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.notices.mailer import Connection, MailError, build_message
from lms.notices.models import Notice, NoticePreference
from lms.notices.services import SESSION_KEY, mail_on

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class RunReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    uncertain: int = 0  # found "sending" from a dead sender
    unreachable: str = ""  # the connection error that ended the run early

    def __str__(self) -> str:
        text = (
            f"{self.sent} sent, {self.retried} to retry, {self.failed} failed, "
            f"{self.skipped} dashboard only, {self.uncertain} uncertain"
        )
        return text + (f"; server unreachable: {self.unreachable}" if self.unreachable else "")


def recover_stale(now: datetime | None = None) -> int:
    """ "sending" for too long: the sender died mid-message. Uncertain, never resent by itself.
    Commits. Returns how many."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["MAIL_SENDING_STALE_SECONDS"])
    count = (
        db.session.execute(
            update(Notice)
            .where(Notice.mail_state == "sending", Notice.attempted_at < cutoff)
            .values(
                mail_state="uncertain",
                mail_answer="the sender stopped during the SMTP exchange: the message may have "
                "arrived; not resent automatically (look for its Message-ID in the server's log)",
            )
        ).rowcount
        or 0
    )
    db.session.commit()
    return count


# What sending a notice needs, read for a batch in one statement as plain values (rows, not
# ORM objects: the commits of each step would expire objects and reload them one by one).
DUE_COLUMNS = (
    Notice.id,
    Notice.kind,
    Notice.class_id,
    Notice.params,
    Notice.message_id,
    Notice.attempts,
    User.id.label("user_id"),
    User.full_name,
    User.email,
    User.language,
    User.active,
    User.calendar_token,
    NoticePreference.bounced_email,
)


def send_due(*, limit: int | None = None, stop: threading.Event | None = None) -> RunReport:
    """Send every notice that is due (one connection), at most `limit`, until `stop` is set
    (checked between messages, never inside one). Commits per step."""
    report = RunReport(uncertain=recover_stale())
    if not mail_on():
        return report
    connection = Connection(current_app.config)
    center_name = get_settings().center_name or "LMS"
    done = 0
    try:
        while limit is None or done < limit:
            rows = db.session.execute(
                select(*DUE_COLUMNS)
                .join(User, User.id == Notice.user_id)
                .outerjoin(NoticePreference, NoticePreference.user_id == User.id)
                .where(Notice.mail_state == "pending", Notice.next_attempt_at <= utcnow())
                .order_by(Notice.next_attempt_at, Notice.id)
                .limit(BATCH if limit is None else min(BATCH, limit - done))
            ).all()
            if not rows:
                break
            for row in rows:
                if stop is not None and stop.is_set():
                    return report
                outcome = send_one(row, connection, center_name)
                if outcome is None:
                    continue
                done += 1
                setattr(report, outcome, getattr(report, outcome) + 1)
                if outcome == "retried" and connection.smtp is None and connection.unreachable:
                    report.unreachable = connection.unreachable
                    return report
    finally:
        connection.close()
    return report


def send_one(row, connection: Connection, center_name: str) -> str | None:
    """One notice (a row of DUE_COLUMNS) through every step (see the module). The outcome's
    name, or None when it was not ours to send (another sender claimed it first)."""
    because = skip_reason(row)
    if because:
        return _finish(row.id, "skipped", "pending", skipped_because=because)
    try:
        message = build_message(row, row, center_name)
    except Exception as error:  # a bug in a template: this notice fails, the others go on
        log.exception("notice %s: the message could not be composed", row.id)
        return _finish(
            row.id,
            "failed",
            "pending",
            mail_answer=f"not composed: {error}",
            attempted_at=utcnow(),
        )
    connection.unreachable = ""
    try:
        connection.open()
    except MailError as error:
        connection.unreachable = error.answer
        return _retry_or_fail(row.id, row.attempts + 1, error, "pending")
    attempts = db.session.execute(
        update(Notice)
        .where(Notice.id == row.id, Notice.mail_state == "pending")
        .values(
            mail_state="sending",
            attempted_at=utcnow(),
            attempts=Notice.attempts + 1,
            mail_to=row.email,
        )
        .returning(Notice.attempts)
    ).scalar_one_or_none()
    db.session.commit()  # the claim is on disk before the first byte of the message goes out
    if attempts is None:
        return None
    sender = parseaddr(current_app.config.get("MAIL_SENDER") or "")[1] or "no-reply@localhost"
    try:
        answer = connection.send(sender, row.email, message)
    except MailError as error:
        if error.bounced:
            _mark_bounced(row.user_id, row.email, error.answer)
        return _retry_or_fail(row.id, attempts, error, "sending")
    return _finish(row.id, "sent", "sending", sent_at=utcnow(), mail_answer=answer)


def skip_reason(row) -> str | None:
    """Why this person gets no e-mail now (checked again at sending: things change)."""
    if not row.email:
        return "no_address"
    if not row.active:
        return "inactive"
    if row.bounced_email is not None and row.bounced_email == row.email:
        return "bounced"
    return None


def _finish(notice_id: int, state: str, was: str, **values) -> str:
    """Move the notice from `was` to `state` (guarded) and commit; the outcome's name.

    On PostgreSQL this commit does not wait for the disk (synchronous_commit off for this
    transaction only; half the fsyncs of a message). Safe: a result lost in a database crash
    leaves the notice as its durable claim left it, "sending", which becomes "uncertain" and is
    never resent by itself; a lost "skipped" is pending again and skipped again. The claim
    itself is always a durable commit (a lost claim could send twice)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    db.session.execute(
        update(Notice)
        .where(Notice.id == notice_id, Notice.mail_state == was)
        .values(mail_state=state, **values)
    )
    db.session.commit()
    return "retried" if state == "pending" else state


def _retry_or_fail(notice_id: int, attempts: int, error: MailError, was: str) -> str:
    delays = current_app.config["MAIL_RETRY_DELAYS"]
    values: dict = {"mail_answer": error.answer}
    if was == "pending":  # never claimed (could not connect): the try counts all the same
        values.update(attempts=attempts, attempted_at=utcnow())
    if not error.temporary or attempts > len(delays):
        return _finish(notice_id, "failed", was, **values)
    later = utcnow() + timedelta(seconds=delays[attempts - 1])
    return _finish(notice_id, "pending", was, next_attempt_at=later, **values)


def _mark_bounced(user_id: int, address: str, answer: str) -> None:
    preference = db.session.get(NoticePreference, user_id)
    if preference is None:
        preference = NoticePreference(user_id=user_id)
        db.session.add(preference)
    preference.bounced_email = address
    preference.bounced_at = utcnow()
    preference.bounce_answer = answer[:2000]
    db.session.flush()


# --- the director's resend --------------------------------------------------------------------

RESENDABLE = ("failed", "uncertain")


def resend(notice_id: int | None, *, actor: Actor) -> Notice:
    """Put a failed or uncertain notice back in the queue, same Message-ID, tries from zero."""
    require(actor, "director", message=_l("Only directors manage the outbox."))
    notice = db.session.get(Notice, notice_id) if notice_id else None
    if notice is None:
        raise DomainError(_l("Choose a notice to send again."))
    if notice.mail_state not in RESENDABLE:
        raise DomainError(_l("Only a failed or uncertain notice can be sent again."))
    if not mail_on():
        raise DomainError(_l("E-mail is off on this server (no MAIL_SERVER)."))
    user = notice.user
    preference = db.session.get(NoticePreference, user.id)
    if not user.email:
        raise DomainError(_l("%(name)s has no e-mail address.", name=user.full_name))
    if preference is not None and preference.bounced_email == user.email:
        raise DomainError(
            _l("The address %(email)s was refused: correct it first.", email=user.email)
        )
    old = notice.mail_state
    notice.mail_state = "pending"
    notice.attempts = 0
    notice.next_attempt_at = utcnow()
    db.session.flush()
    record("notice.resend", notice, actor=actor, old_value=old, new_value="pending")
    db.session.info[SESSION_KEY] = True
    return notice


# --- sending after a commit ------------------------------------------------------------------

IDLE_EXIT_SECONDS = 60.0
MAX_SLEEP_SECONDS = 300.0


class Sender:
    """The embedded sender (no REDIS_URL): one thread per process, woken after a commit that
    wrote notices to mail; it sleeps until the next retry is due and ends when idle."""

    def __init__(self, app: Flask):
        self.app = app
        self.wakeup = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()
        self.registered = False

    def wake(self) -> None:
        with self.lock:
            self.wakeup.set()
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="notice-sender", daemon=True)
                self.thread.start()
                if not self.registered:
                    # A daemon thread dies wherever it is when the process exits: stop it
                    # between two messages instead (cut after its claim, one would be
                    # "uncertain").
                    atexit.register(self.stop)
                    self.registered = True

    def stop(self, timeout: float = 30) -> None:
        """Let the message in progress finish, then end the thread (tests; process exit)."""
        self.stopping.set()
        self.wakeup.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self) -> None:
        while not self.stopping.is_set():
            self.wakeup.clear()
            with self.app.app_context():
                try:
                    send_due(stop=self.stopping)
                    wait = seconds_to_next_due()
                except Exception:  # logged; the next wake-up or cron tries again
                    log.exception("sending notices failed")
                    wait = MAX_SLEEP_SECONDS
                finally:
                    db.session.remove()
            if self.wakeup.wait(IDLE_EXIT_SECONDS if wait is None else wait):
                continue
            with self.lock:
                if wait is None and not self.wakeup.is_set():
                    self.thread = None
                    return


def seconds_to_next_due() -> float | None:
    """Until the next pending notice is due (capped), or None when nothing is pending."""
    first = db.session.scalar(
        select(func.min(Notice.next_attempt_at)).where(Notice.mail_state == "pending")
    )
    if first is None:
        return None
    return min(max((first - utcnow()).total_seconds(), 0.0), MAX_SLEEP_SECONDS)


def sender_of(app: Flask) -> Sender:
    sender = app.extensions.get("lms.notices.sender")
    if sender is None:
        sender = app.extensions["lms.notices.sender"] = Sender(app)
    return sender


def wake_sender() -> None:
    """After a commit that wrote notices to mail: send them now, out of the request."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["MAIL_SEND_AFTER_COMMIT"] or not mail_on():
        return
    if app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue

        queue = Queue("lms", connection=Redis.from_url(app.config["REDIS_URL"]))
        queue.enqueue("lms.worker.send_notices", job_timeout=3600, result_ttl=0)
    else:
        sender_of(app).wake()


def _after_commit(session) -> None:
    if session.info.pop(SESSION_KEY, False):
        try:
            wake_sender()
        except Exception:  # the notices are committed; cron or the next commit sends them
            log.exception("could not wake the notice sender")


def _after_rollback(session) -> None:
    session.info.pop(SESSION_KEY, None)


def init_app(app: Flask) -> None:
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
