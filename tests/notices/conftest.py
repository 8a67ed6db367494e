"""A real SMTP server on 127.0.0.1 (aiosmtpd, in a thread of the test) and an app that mails
through it. The server keeps what it received and can be told to misbehave: answer 451 to the
next messages, cut the connection in the middle of the next ones, refuse an address (550)."""

from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

BASE_URL = "https://lms.example.vn"
SENDER = "Trung tâm Bồi dưỡng <no-reply@ttbd.example.vn>"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


@dataclass
class Mailbox:
    """What the server received, and how it should answer the next messages."""

    received: list[Received] = field(default_factory=list)
    busy: int = 0  # answer "451" to this many next messages
    cut: int = 0  # close the connection right after "354" for this many next messages
    refused: set[str] = field(default_factory=set)  # 550 to RCPT TO these addresses
    data_commands: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.busy:
            self.busy -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        message = email.message_from_bytes(envelope.original_content, policy=default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return f"250 2.0.0 Ok: queued as {len(self.received)}"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


class CuttingSMTP(SMTP):
    """Cuts the connection in the middle of a message when the mailbox says so: after "354",
    while the client sends the message, so nothing of it is kept."""

    async def smtp_DATA(self, arg):
        mailbox = self.event_handler
        if mailbox.cut and self.envelope is not None and self.envelope.rcpt_tos:
            mailbox.cut -= 1
            mailbox.data_commands += 1
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            self.transport.close()
            return
        mailbox.data_commands += 1
        await super().smtp_DATA(arg)


class Server(Controller):
    def factory(self):
        return CuttingSMTP(self.handler, **self.SMTP_kwargs)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox():
    box = Mailbox()
    server = Server(box, hostname="127.0.0.1", port=free_port())
    server.start()
    box.port = server.port
    yield box
    server.stop()


@pytest.fixture
def app_config(mailbox):
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,
        "MAIL_USE_TLS": False,
        "MAIL_SENDER": SENDER,
        "MAIL_TIMEOUT": 5,
        "MAIL_RETRY_DELAYS": (0, 0, 0),
        "MAIL_SEND_AFTER_COMMIT": False,
        "PUBLIC_BASE_URL": BASE_URL,
    }
