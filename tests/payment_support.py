"""A local payment gateway for the payment tests: an HTTP server on 127.0.0.1 in a thread that implements the
gateway's side of the VNPAY 2.1.0 protocol from its published description, written apart from the platform's
adapter so that a mistake in one is not hidden by the same mistake in the other:

- ``GET /paymentv2/vpcpay.html``: the payment page. The order's fields must be signed with the merchant's
  hash secret (HMAC-SHA512 over the ``vnp_`` fields sorted by name and form-encoded): a forged order is
  refused (400). The page offers "Pay" and "Cancel" (a form, for the browser test).
- ``POST /paymentv2/pay``: the payer's choice. The gateway sends its notification (IPN) to ``ipn_url`` by a
  GET with the signed fields, then redirects the browser to the order's ``vnp_ReturnUrl`` with the same.
- ``POST /merchant_webapi/api/transaction``: ``querydr`` and ``refund``, JSON, signed over the fields joined
  by ``|``; answers signed the same way.

``outcome`` makes the signed fields of an order's outcome for the tests to send themselves (replays,
out-of-order notifications, forged ones)."""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = "PAYMENTTESTSECRETALPHA0123456789"  # 32 characters, as the gateway issues them
OTHER_SECRET = "PAYMENTTESTSECRETBETA01234567890"
MERCHANT = "ALPHA001"
_numbers = itertools.count(14_000_001)


def _hmac(secret: str, text: str) -> str:
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha512).hexdigest()


def hash_fields(secret: str, fields: dict) -> str:
    pairs = sorted(
        (k, str(v))
        for k, v in fields.items()
        if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType")
    )
    return _hmac(secret, urllib.parse.urlencode(pairs))  # urlencode quotes with quote_plus


def hash_joined(secret: str, fields: dict, names: list[str]) -> str:
    return _hmac(secret, "|".join(str(fields.get(name, "") or "") for name in names))


QUERY_IN = (
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
QUERY_OUT = (
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
REFUND_IN = (
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
REFUND_OUT = (
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


@dataclass
class LocalGateway:
    secret: str = SECRET
    merchant: str = MERCHANT
    url: str = ""
    ipn_url: str | None = None  # where the gateway notifies outcomes (the browser test's live server)
    ipn_host: str | None = None  # the Host header of the notification (the province's host)
    refund_code: str = "00"  # what a refund is answered
    garbled: set = field(default_factory=set)  # order refs whose API calls get a broken HTTP answer
    redirect_to: str | None = None  # answer the API's calls with a redirect there (a moved or hostile gateway)
    down: bool = False  # the merchant API answers 503
    orders: dict[str, dict] = field(default_factory=dict)  # ref -> the order's fields as received
    paid: dict[str, dict] = field(default_factory=dict)  # ref -> the outcome the gateway settled
    refunds: list[dict] = field(default_factory=list)
    refused_orders: int = 0  # pay pages refused for a bad signature
    notifications: list[dict] = field(default_factory=list)  # the answers to the notifications it sent
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def pay_url(self) -> str:
        return self.url + "/paymentv2/vpcpay.html"

    @property
    def api_url(self) -> str:
        return self.url + "/merchant_webapi/api/transaction"

    def outcome(
        self,
        ref: str,
        *,
        ok: bool = True,
        amount: int | None = None,
        secret: str | None = None,
        number: str | None = None,
    ) -> dict:
        """The signed fields of ``ref``'s outcome, as the return and the notification carry them; a success is
        settled here (the query answers it). ``amount`` in đồng (default: the order's); ``secret`` signs
        instead of the merchant's (a forgery)."""
        order = self.orders[ref]
        amount_x100 = str(amount * 100) if amount is not None else order["vnp_Amount"]
        fields = {
            "vnp_Amount": amount_x100,
            "vnp_BankCode": "NCB",
            "vnp_BankTranNo": "VNP" + str(next(_numbers)),
            "vnp_CardType": "ATM",
            "vnp_OrderInfo": order["vnp_OrderInfo"],
            "vnp_PayDate": order["vnp_CreateDate"],
            "vnp_ResponseCode": "00" if ok else "24",
            "vnp_TmnCode": self.merchant,
            "vnp_TransactionNo": number or str(next(_numbers)),
            "vnp_TransactionStatus": "00" if ok else "02",
            "vnp_TxnRef": ref,
        }
        fields["vnp_SecureHash"] = hash_fields(secret or self.secret, fields)
        if ok and secret is None:
            with self.lock:
                self.paid.setdefault(ref, fields)
        return fields

    def only_order(self) -> str:
        assert len(self.orders) == 1, self.orders
        return next(iter(self.orders))

    # -- the HTTP side -------------------------------------------------------------------------------
    def pay_page(self, query: str) -> tuple[int, str]:
        fields = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        signed = hmac.compare_digest(hash_fields(self.secret, fields), fields.get("vnp_SecureHash", ""))
        if not signed or fields.get("vnp_TmnCode") != self.merchant or fields.get("vnp_Command") != "pay":
            with self.lock:
                self.refused_orders += 1
            return 400, "<p>Sai chữ ký</p>"
        with self.lock:
            self.orders[fields["vnp_TxnRef"]] = fields
        amount = int(fields["vnp_Amount"]) // 100
        ref = html.escape(fields["vnp_TxnRef"])
        return (
            200,
            f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thanh toán thử</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>
<h1>Cổng thanh toán thử</h1><p>Số tiền: <strong id="amount">{amount:,}</strong> VND</p>
<p>{html.escape(fields["vnp_OrderInfo"])}</p>
<form method="post" action="/paymentv2/pay"><input type="hidden" name="ref" value="{ref}">
<button name="choice" value="pay">Thanh toán</button> <button name="choice" value="cancel">Hủy</button></form>
</main></body></html>""",
        )

    def choose(self, ref: str, choice: str) -> str:
        """The payer chose: notify (a GET to the province's notification address), then where to send them."""
        fields = self.outcome(ref, ok=choice == "pay")
        if self.ipn_url:
            request = urllib.request.Request(self.ipn_url + "?" + urllib.parse.urlencode(fields))  # noqa: S310
            if self.ipn_host:
                request.add_header("Host", self.ipn_host)
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - our own test server
                self.notifications.append(json.loads(answer.read()))
        return self.orders[ref]["vnp_ReturnUrl"] + "?" + urllib.parse.urlencode(fields)

    def api(self, body: dict) -> tuple[int, dict]:
        if self.down:
            return 503, {}
        command = body.get("vnp_Command")
        names = QUERY_IN if command == "querydr" else REFUND_IN
        if not hmac.compare_digest(hash_joined(self.secret, body, names), str(body.get("vnp_SecureHash", ""))):
            return 200, self._signed({"vnp_ResponseCode": "97", "vnp_Message": "Invalid Checksum"}, QUERY_OUT)
        ref = body.get("vnp_TxnRef", "")
        settled = self.paid.get(ref)
        answer = {
            "vnp_ResponseId": body["vnp_RequestId"],
            "vnp_Command": command,
            "vnp_TmnCode": self.merchant,
            "vnp_TxnRef": ref,
            "vnp_OrderInfo": body.get("vnp_OrderInfo", ""),
        }
        if command == "querydr":
            if ref not in self.orders:
                return 200, self._signed(answer | {"vnp_ResponseCode": "91", "vnp_Message": "Not found"}, QUERY_OUT)
            answer |= {
                "vnp_ResponseCode": "00",
                "vnp_Message": "QueryDR Success",
                "vnp_Amount": (settled or self.orders[ref])["vnp_Amount"],
                "vnp_BankCode": "NCB" if settled else "",
                "vnp_PayDate": settled["vnp_PayDate"] if settled else "",
                "vnp_TransactionNo": settled["vnp_TransactionNo"] if settled else "0",
                "vnp_TransactionType": "01",
                "vnp_TransactionStatus": "00" if settled else "01",
                "vnp_PromotionCode": "",
                "vnp_PromotionAmount": "",
            }
            return 200, self._signed(answer, QUERY_OUT)
        with self.lock:
            self.refunds.append(body)
        ok = settled is not None and body.get("vnp_Amount") == settled["vnp_Amount"] and self.refund_code == "00"
        answer |= {
            "vnp_ResponseCode": "00" if ok else (self.refund_code if self.refund_code != "00" else "94"),
            "vnp_Message": "Refund success" if ok else "Refund refused",
            "vnp_Amount": body.get("vnp_Amount"),
            "vnp_BankCode": "NCB",
            "vnp_PayDate": "",
            "vnp_TransactionNo": body.get("vnp_TransactionNo"),
            "vnp_TransactionType": "02",
            "vnp_TransactionStatus": "05" if ok else "",
        }
        return 200, self._signed(answer, REFUND_OUT)

    def _signed(self, answer: dict, names: list[str]) -> dict:
        return answer | {"vnp_SecureHash": hash_joined(self.secret, answer, names)}


def start_gateway(gateway: LocalGateway) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, kind: str, location: str | None = None):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if location:
                self.send_header("Location", location)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            path, _, query = self.path.partition("?")
            if path != "/paymentv2/vpcpay.html":
                return self._send(404, b"", "text/plain")
            status, page = gateway.pay_page(query)
            self._send(status, page.encode(), "text/html; charset=utf-8")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/paymentv2/pay":
                form = dict(urllib.parse.parse_qsl(body.decode()))
                return self._send(303, b"", "text/plain", gateway.choose(form["ref"], form["choice"]))
            if self.path != "/merchant_webapi/api/transaction":
                return self._send(404, b"", "text/plain")
            call = json.loads(body)
            if gateway.redirect_to:
                return self._send(302, b"", "text/plain", gateway.redirect_to)
            if call.get("vnp_TxnRef") in gateway.garbled:
                self.wfile.write(b"HTTP/1.1 2x0 nonsense\r\n\r\n")  # not HTTP: the client cannot read it
                return None
            status, answer = gateway.api(call)
            self._send(status, json.dumps(answer).encode(), "application/json")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
