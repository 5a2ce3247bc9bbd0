"""How alerts leave the platform."""

from __future__ import annotations

from typing import Protocol


class Mailer(Protocol):
    def send(self, recipients: list[str], subject: str, body: str) -> None:
        """Deliver one message to all ``recipients`` or raise."""
