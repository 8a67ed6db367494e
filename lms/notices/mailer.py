"""E-mail: one notice becomes one message to one address, sent over SMTP (the standard
library's smtplib; STARTTLS or TLS, login when MAIL_USERNAME is set).

Each answer of the server is classified: a 2xx goes on, a 4xx or a dropped connection is
temporary (try again later), a 5xx is final. A 5xx to RCPT TO is a refused address: it is
marked bounced and not tried again until the person's e-mail changes.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale

from lms.core.types import utcnow
from lms.notices.content import build
from lms.notices.services import public_base_url

CRLF = compat32.clone(linesep="\r\n")  # SMTP's line ending (smtplib leaves bytes as given)


class MailError(Exception):
    """The server did not take the message."""

    def __init__(self, answer: str, *, temporary: bool, bounced: bool = False):
        super().__init__(answer)
        self.answer = answer[:2000]
        self.temporary = temporary
        self.bounced = bounced


def absolute_link(endpoint: str, **values) -> str:
    """An absolute URL from PUBLIC_BASE_URL (never the request's host), for e-mails and jobs."""
    urls = current_app.url_map.bind("localhost")
    return public_base_url() + urls.build(endpoint, values)


@dataclass
class Rendered:
    subject: str
    text: str
    html: str


def render(notice, user, center_name: str) -> Rendered:
    """Subject, plain text and HTML of a notice, in the recipient's language."""
    with force_locale(user.language or "vi"):
        content = build(notice, absolute_link, user.calendar_token)
        values = {
            "content": content,
            "name": user.full_name,
            "content_language": user.language or "vi",
            "center_name": center_name,
            "preferences_url": absolute_link("notices.preferences"),
            "notices_url": absolute_link("notices.index"),
        }
        return Rendered(
            content.subject,
            render_template("notices/mail.txt", **values),
            render_template("notices/mail.html", **values),
        )


def sender_header(center_name: str) -> str:
    """MAIL_SENDER's address with its name, or the center's name when it gives none."""
    name, address = parseaddr(current_app.config.get("MAIL_SENDER") or "")
    return formataddr((name or center_name, address or "no-reply@localhost"), charset="utf-8")


def build_message(notice, recipient, center_name: str) -> bytes:
    """The message: one recipient in To (no Cc, no list), headers as RFC 2047 UTF-8 words, a
    UTF-8 plain-text body with an HTML alternative, the notice's own Message-ID.

    `notice` has kind, class_id, params, message_id; `recipient` full_name, email, language,
    calendar_token (ORM rows or a plain row of them). Built with the email package's compat32
    classes: the same bytes as EmailMessage here, in far less time (its header objects alone
    would take 1,000 notices past the target; docs/benchmarks.md)."""
    rendered = render(notice, recipient, center_name)
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(rendered.subject, "utf-8")
    message["From"] = sender_header(center_name)
    message["To"] = formataddr((recipient.full_name, recipient.email), charset="utf-8")
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = notice.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    message["Content-Language"] = recipient.language or "vi"
    message.attach(MIMEText(rendered.text, "plain", "utf-8"))
    message.attach(MIMEText(rendered.html, "html", "utf-8"))
    return message.as_bytes(policy=CRLF)


class Connection:
    """One SMTP connection, opened on first use and reused for the messages of a run."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.unreachable = ""  # why the last open() failed

    def open(self) -> None:
        if self.smtp is not None:
            return
        c = self.config
        host, port, timeout = c["MAIL_SERVER"], int(c["MAIL_PORT"]), float(c["MAIL_TIMEOUT"])
        try:
            if c.get("MAIL_USE_SSL"):
                smtp = smtplib.SMTP_SSL(
                    host, port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
                if c.get("MAIL_USE_TLS"):
                    smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo_or_helo_if_needed()
            if c.get("MAIL_USERNAME"):
                smtp.login(c["MAIL_USERNAME"], c.get("MAIL_PASSWORD") or "")
        except smtplib.SMTPAuthenticationError as error:
            raise MailError(_answer(error.smtp_code, error.smtp_error), temporary=True) from None
        except smtplib.SMTPResponseException as error:
            temporary = error.smtp_code < 500
            raise MailError(
                _answer(error.smtp_code, error.smtp_error), temporary=temporary
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"cannot connect to {host}:{port}: {error}", temporary=True) from None
        self.smtp = smtp

    def send(self, sender: str, recipient: str, message: bytes) -> str:
        """Send one message; the server's answer to it, or MailError."""
        self.open()
        smtp = self.smtp
        if smtp is None:  # open() either connects or raises
            raise MailError("not connected", temporary=True)
        try:
            code, reply = smtp.mail(sender)
            if code != 250:
                raise self._refused(code, reply)
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise self._refused(code, reply, bounced=code >= 500)
            code, reply = smtp.data(message)
            if code != 250:
                raise self._refused(code, reply)
        except smtplib.SMTPResponseException as error:  # DATA refused before the message
            raise self._refused(error.smtp_code, error.smtp_error) from None
        except (OSError, smtplib.SMTPException) as error:  # dropped, timed out, reset
            self.close(polite=False)
            raise MailError(
                f"connection lost: {error or type(error).__name__}", temporary=True
            ) from None
        return _answer(code, reply)

    def _refused(self, code: int, reply: bytes, bounced: bool = False) -> MailError:
        """A refusal: reset the transaction so the connection can carry the next message."""
        try:
            self.smtp.rset()  # type: ignore[union-attr]
        except (OSError, smtplib.SMTPException):
            self.close(polite=False)
        return MailError(_answer(code, reply), temporary=400 <= code < 500, bounced=bounced)

    def close(self, *, polite: bool = True) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            if polite:
                smtp.quit()
            else:
                smtp.close()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _answer(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text}".strip()
