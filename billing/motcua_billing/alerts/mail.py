"""SMTP delivery with the standard library."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.policy import SMTP

# Long lines: a Vietnamese subject then stays one encoded word. Folded into several, the space between two
# encoded words is dropped by readers (RFC 2047), gluing "hạn" and "mức" together.
POLICY = SMTP.clone(max_line_length=998)


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0):
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def send(self, recipients: list[str], subject: str, body: str) -> None:
        message = EmailMessage(policy=POLICY)
        message["From"] = self.sender
        message["To"] = ", ".join(recipients)
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)
