"""How alerts leave the platform."""

from __future__ import annotations

from typing import Protocol


class Mailer(Protocol):
    def send(self, recipients: list[str], subject: str, body: str, *, idempotency_key: str | None = None) -> None:
        """Deliver one message to all ``recipients`` or raise. A message sent again under the same
        ``idempotency_key`` carries the same Message-ID, so the recipient's mail store can tell it is a copy."""
