"""SMTP delivery with the standard library."""

from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

# Long lines: a Vietnamese subject then stays one encoded word. Folded into several, the space between two
# encoded words is dropped by readers (RFC 2047), gluing "hạn" and "mức" together.
POLICY = SMTP.clone(max_line_length=998)


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0):
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def send(self, recipients: list[str], subject: str, body: str, *, idempotency_key: str | None = None) -> None:
        message = EmailMessage(policy=POLICY)
        message["From"] = self.sender
        message["To"] = ", ".join(recipients)
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = self.message_id(idempotency_key)
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)

    def message_id(self, idempotency_key: str | None) -> str:
        """``<key@sender's domain>`` for a message that may be sent again: the same fact gets the same id, and
        mail stores that de-duplicate on Message-ID (Gmail's does) keep one copy. Else a fresh unique id."""
        domain = self.sender.rpartition("@")[2].strip(">") or "motcua.localhost"
        if idempotency_key is None:
            return make_msgid(domain=domain)
        return f"<{re.sub(r'[^A-Za-z0-9.!#$%&*+/=?^_`{|}~-]', '.', idempotency_key)}@{domain}>"
