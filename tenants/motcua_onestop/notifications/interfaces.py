"""How notifications leave the platform. E-mail reuses billing's ``Mailer`` (``SmtpMailer`` over smtplib);
SMS goes through an ``SmsProvider`` chosen by ``MOTCUA_SMS_PROVIDER``."""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import dataclass, field
from typing import Protocol

from motcua_platform.messaging.interfaces import Mailer

__all__ = ["HttpSmsProvider", "LogSmsProvider", "Mailer", "SmsProvider", "sms_provider_from_config"]
log = logging.getLogger(__name__)


class SmsProvider(Protocol):
    def send(self, phone: str, text: str, *, reference: str, secret: bool = False) -> None:
        """Deliver one SMS or raise. ``reference`` is the outbox idempotency key: a provider that
        de-duplicates on it (most Vietnamese brand-name gateways accept a client reference) turns our
        rare re-send into a no-op. ``secret``: the text carries a one-time code, never to be logged."""


@dataclass
class LogSmsProvider:
    """The default: writes each message to the log and keeps it in ``sent`` (development and tests)."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def send(self, phone: str, text: str, *, reference: str, secret: bool = False) -> None:
        # a one-time code in a log would let anyone who reads the log use it
        log.info("SMS to %s (%s): %s", phone, reference, "(one-time code withheld from the log)" if secret else text)
        self.sent.append((phone, text, reference))


class HttpSmsProvider:
    """POSTs ``{"to", "text", "reference"}`` as JSON to a gateway URL; any non-2xx answer is a failure."""

    def __init__(self, url: str, timeout: float = 10.0):
        self.url, self.timeout = url, timeout

    def send(self, phone: str, text: str, *, reference: str, secret: bool = False) -> None:
        data = json.dumps({"to": phone, "text": text, "reference": reference}, ensure_ascii=False).encode()
        # the URL is a validated http(s) setting (MOTCUA_SMS_HTTP_URL), never user input
        headers = {"Content-Type": "application/json; charset=utf-8"}
        request = urllib.request.Request(self.url, data=data, method="POST", headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


def sms_provider_from_config(config) -> SmsProvider:
    if config.sms_provider == "http":
        if not config.sms_http_url:
            raise ValueError("MOTCUA_SMS_PROVIDER=http needs MOTCUA_SMS_HTTP_URL")
        return HttpSmsProvider(config.sms_http_url)
    return LogSmsProvider()


def mailer_from_config(config) -> Mailer | None:
    """Applicant e-mail goes through the same SMTP server as billing alerts, with its own sender."""
    if not config.smtp_host:
        return None
    from motcua_platform.messaging.mail import SmtpMailer

    return SmtpMailer(config.smtp_host, config.smtp_port, config.notify_sender)
