"""The payment gateway adapter for VNPAY's published merchant protocol (version 2.1.0), the kind of
redirect-and-signed-callback gateway Vietnamese public services use:

- pay: the citizen's browser is sent to ``pay_url`` with ``vnp_*`` fields; every field, sorted by name and
  form-encoded (``quote_plus``), is signed with HMAC-SHA512 and the province's hash secret into
  ``vnp_SecureHash``. ``vnp_Amount`` is the amount in đồng × 100; dates are Vietnam time ``yyyyMMddHHmmss``.
- return and notification (IPN): the gateway sends the outcome back the same way, signed the same way; a
  success is ``vnp_ResponseCode`` and ``vnp_TransactionStatus`` both ``00``; ``vnp_TransactionNo`` is its
  transaction number.
- query (``querydr``) and refund: JSON POSTs to ``api_url``, signed over their fields joined by ``|`` in the
  order the protocol fixes; the answer is signed the same way and checked before it is believed.

No Flask here."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request

from motcua_platform.outbound import OPENER
from motcua_platform.timezones import VIETNAM

from motcua_onestop.payments.gateway import BadSignature, GatewayUnavailable, Order, Outcome, Refund

VERSION = "2.1.0"
SUCCESS = "00"
TIMEOUT = 10  # seconds for the merchant API
QUERY_REQUEST = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERY_ANSWER = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
REFUND_REQUEST = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_ANSWER = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
)
# what the query answers when it has no such order
ORDER_NOT_FOUND = "91"


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


def hmac_sha512(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()


def signed_text(fields: dict[str, str]) -> str:
    """The text a redirect's or callback's hash covers: every ``vnp_`` field but the hash itself, sorted by
    name, form-encoded."""
    kept = sorted(
        (k, v) for k, v in fields.items() if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType")
    )
    return "&".join(f"{urllib.parse.quote_plus(k)}={urllib.parse.quote_plus(str(v))}" for k, v in kept)


def sign_fields(secret: str, fields: dict[str, str]) -> str:
    return hmac_sha512(secret, signed_text(fields))


def sign_joined(secret: str, fields: dict[str, str], order: tuple[str, ...]) -> str:
    return hmac_sha512(secret, "|".join(str(fields.get(name) or "") for name in order))


def _matches(expected: str, given: object) -> bool:
    return isinstance(given, str) and given.isascii() and hmac.compare_digest(expected, given.lower())


def _amount(raw: object) -> int | None:
    """Whole đồng from the gateway's ×100 amount; None when it is not a whole number of đồng."""
    text = str(raw or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 18 or int(text) % 100:
        return None
    return int(text) // 100


class VnpayGateway:
    def __init__(self, merchant_code: str, secret: str, pay_url: str, api_url: str, timeout: int = TIMEOUT):
        self.merchant_code, self.secret = merchant_code, secret
        self.pay_url, self.api_url, self.timeout = pay_url, api_url, timeout

    def payment_url(self, order: Order, *, return_url: str, client_ip: str, locale: str) -> str:
        fields = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.merchant_code,
            "vnp_Amount": str(order.amount * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": order.ref,
            "vnp_OrderInfo": order.description,
            "vnp_OrderType": "other",
            "vnp_Locale": "en" if locale == "en" else "vn",
            "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": client_ip,
            "vnp_CreateDate": stamp(order.created_at),
            "vnp_ExpireDate": stamp(order.created_at + dt.timedelta(minutes=15)),
        }
        query = signed_text(fields)
        return f"{self.pay_url}?{query}&vnp_SecureHash={hmac_sha512(self.secret, query)}"

    def verify(self, fields: dict[str, str]) -> Outcome:
        if not _matches(sign_fields(self.secret, fields), fields.get("vnp_SecureHash")):
            raise BadSignature("vnp_SecureHash does not match")
        if fields.get("vnp_TmnCode") != self.merchant_code:
            raise BadSignature("another merchant's answer")
        return self._outcome(fields)

    @staticmethod
    def _outcome(fields: dict) -> Outcome:
        code = str(fields.get("vnp_ResponseCode") or "")
        return Outcome(
            order_ref=str(fields.get("vnp_TxnRef") or ""),
            amount=_amount(fields.get("vnp_Amount")),
            succeeded=code == SUCCESS and fields.get("vnp_TransactionStatus") == SUCCESS,
            response_code=code[:10],
            gateway_txn=str(fields.get("vnp_TransactionNo") or "")[:40] or None,
            bank_code=str(fields.get("vnp_BankCode") or "")[:20] or None,
        )

    def _post(self, body: dict, answer_order: tuple[str, ...]) -> dict:
        request = urllib.request.Request(  # noqa: S310 - an https address checked when saved
            self.api_url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with OPENER.open(request, timeout=self.timeout) as response:
                answer = json.loads(response.read(65_536))
        except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError, ValueError) as error:
            raise GatewayUnavailable(f"{type(error).__name__}: {str(error)[:80]}") from None
        if not isinstance(answer, dict):
            raise GatewayUnavailable("the gateway's answer is not a JSON object")
        if not _matches(sign_joined(self.secret, answer, answer_order), answer.get("vnp_SecureHash")):
            raise GatewayUnavailable("the gateway's answer is not signed with the province's secret")
        return answer

    def _request(self, command: str, order: Order, client_ip: str, now: dt.datetime) -> dict:
        return {
            "vnp_RequestId": secrets.token_hex(16),
            "vnp_Version": VERSION,
            "vnp_Command": command,
            "vnp_TmnCode": self.merchant_code,
            "vnp_TxnRef": order.ref,
            "vnp_OrderInfo": order.description,
            "vnp_TransactionDate": stamp(order.created_at),
            "vnp_CreateDate": stamp(now),
            "vnp_IpAddr": client_ip,
        }

    def query(self, order: Order, *, client_ip: str, now: dt.datetime) -> Outcome | None:
        body = self._request("querydr", order, client_ip, now)
        body["vnp_SecureHash"] = sign_joined(self.secret, body, QUERY_REQUEST)
        answer = self._post(body, QUERY_ANSWER)
        if answer.get("vnp_ResponseCode") == ORDER_NOT_FOUND:
            return None
        if answer.get("vnp_ResponseCode") != SUCCESS or answer.get("vnp_TxnRef") != order.ref:
            raise GatewayUnavailable(f"query refused: {str(answer.get('vnp_ResponseCode'))[:10]}")
        outcome = self._outcome(answer)
        # the query's ResponseCode says the query worked; the payment's own result is its TransactionStatus
        return Outcome(
            outcome.order_ref,
            outcome.amount,
            answer.get("vnp_TransactionStatus") == SUCCESS,
            str(answer.get("vnp_TransactionStatus") or "")[:10],
            outcome.gateway_txn,
            outcome.bank_code,
        )

    def refund(self, order: Order, gateway_txn: str, *, by: str, client_ip: str, now: dt.datetime) -> Refund:
        body = self._request("refund", order, client_ip, now)
        body |= {
            "vnp_TransactionType": "02",
            "vnp_Amount": str(order.amount * 100),
            "vnp_TransactionNo": gateway_txn,
            "vnp_CreateBy": by[:250],
        }
        body["vnp_SecureHash"] = sign_joined(self.secret, body, REFUND_REQUEST)
        answer = self._post(body, REFUND_ANSWER)
        code = str(answer.get("vnp_ResponseCode") or "")[:10]
        return Refund(code == SUCCESS, code, str(answer.get("vnp_Message") or "")[:200])
