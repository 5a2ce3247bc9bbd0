"""What the payments area asks of a payment gateway, whichever it is: the address the citizen is sent to
pay, the check of what the gateway sends back (the browser's return and the server-to-server notification
carry the same signed fields), and the merchant API's query and refund. One adapter exists
(``vnpay.VnpayGateway``); a province's settings choose it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class BadSignature(Exception):
    """What came in is not signed with the province's secret: nothing of it is to be used."""


class GatewayUnavailable(Exception):
    """The gateway's API did not answer, or answered something we cannot trust (unsigned, malformed)."""


@dataclass(frozen=True)
class Order:
    """One online payment as we send it: our reference, whole đồng, what it is for, when it was made."""

    ref: str
    amount: int
    description: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Outcome:
    """A verified answer about one order: from a return, a notification or a query."""

    order_ref: str
    amount: int | None  # whole đồng, None when the gateway's amount is not a whole number of đồng
    succeeded: bool
    response_code: str
    gateway_txn: str | None
    bank_code: str | None


@dataclass(frozen=True)
class Refund:
    succeeded: bool
    response_code: str
    message: str


class Gateway(Protocol):
    def payment_url(self, order: Order, *, return_url: str, client_ip: str, locale: str) -> str:
        """Where to send the citizen's browser to pay ``order``."""

    def verify(self, fields: dict[str, str]) -> Outcome:
        """The outcome ``fields`` (a return's or a notification's query string) report; ``BadSignature``
        unless they are signed with the province's secret."""

    def query(self, order: Order, *, client_ip: str, now: dt.datetime) -> Outcome | None:
        """What the gateway knows of ``order`` (None: it has no such order); ``GatewayUnavailable`` when
        it cannot be asked."""

    def refund(self, order: Order, gateway_txn: str, *, by: str, client_ip: str, now: dt.datetime) -> Refund:
        """Give ``order``'s whole amount back; ``GatewayUnavailable`` when the gateway cannot be asked."""
