"""Stripe as the collection adapter, exercised with the real `stripe` library against a local HTTP server on
127.0.0.1 that answers with Stripe's documented objects (never the internet): customer, invoice items with
idempotency keys from our line ids, VND amounts unchanged, finalize and send; signed webhooks; reconciliation."""

import hashlib
import hmac
import itertools
import json
import logging
import re
import time
from urllib.parse import parse_qs

import pytest
import stripe
from billing_support import dossiers, ingest
from click.testing import CliRunner
from motcua_billing.invoices.models import Payment
from motcua_billing.payments.models import WebhookEvent
from motcua_platform.cli import CliContext, main
from sqlalchemy import func, select
from werkzeug.wrappers import Response

SECRET = "whsec_test_motcua"


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


class FakeStripe:
    """Just enough of the Stripe API, in Stripe's own object shapes, with idempotent replays."""

    def __init__(self):
        self.requests = []
        self.invoices = {}
        self.replays = {}
        self.ids = itertools.count(1)

    def __call__(self, request):
        form = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        key = request.headers.get("Idempotency-Key")
        self.requests.append({"method": request.method, "path": request.path, "form": form, "headers": request.headers})
        if key and key in self.replays:
            return self.replays[key]
        body = self.route(request.method, request.path, form)
        response = Response(json.dumps(body), status=200, content_type="application/json")
        if key:
            self.replays[key] = response
        return response

    def route(self, method, path, form):
        parts = path.strip("/").split("/")
        if parts[1] == "customers":
            return {
                "id": f"cus_{next(self.ids)}",
                "object": "customer",
                "name": form.get("name"),
                "email": form.get("email"),
                "metadata": {"motcua_tenant": form.get("metadata[motcua_tenant]")},
            }
        if parts[1] == "invoiceitems":
            invoice = self.invoices[form["invoice"]]
            invoice["total"] += int(form["amount"])
            invoice["amount_due"] = invoice["total"]
            return {
                "id": f"ii_{next(self.ids)}",
                "object": "invoiceitem",
                "amount": int(form["amount"]),
                "currency": form["currency"],
                "invoice": form["invoice"],
                "customer": form["customer"],
            }
        if parts[1] == "invoices" and len(parts) == 2:
            invoice_id = f"in_{next(self.ids)}"
            self.invoices[invoice_id] = {
                "id": invoice_id,
                "object": "invoice",
                "customer": form["customer"],
                "currency": form["currency"],
                "collection_method": form["collection_method"],
                "status": "draft",
                "total": 0,
                "amount_due": 0,
                "amount_paid": 0,
                "metadata": {
                    "motcua_invoice_id": form["metadata[motcua_invoice_id]"],
                    "motcua_number": form["metadata[motcua_number]"],
                },
            }
            return self.invoices[invoice_id]
        invoice = self.invoices[parts[2]]
        if len(parts) == 4 and parts[3] == "finalize":
            invoice["status"] = "open"
        return invoice


@pytest.fixture
def fake_stripe(httpserver, runtime):
    fake = FakeStripe()
    httpserver.expect_request(re.compile(r"^/v1/")).respond_with_handler(fake)
    original = runtime.config
    runtime.config = original.with_overrides(
        stripe_api_key="sk_test_motcua",
        stripe_webhook_secret=SECRET,
        stripe_api_base=httpserver.url_for("").rstrip("/"),
    )
    yield fake
    runtime.config = original


def sign(payload: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    timestamp = timestamp or int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def paid_event(remote: dict, event_id: str = "evt_1") -> bytes:
    obj = {**remote, "status": "paid", "amount_paid": remote["total"], "amount_due": 0}
    event = {
        "id": event_id,
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()),
        "type": "invoice.paid",
        "livemode": False,
        "pending_webhooks": 1,
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


def finalized_invoice(finance):
    ingest(finance, dossiers(1100))
    invoice_id = finance.post("/api/v1/billing/runs", json={"period": "2026-10"}).get_json()["invoice_ids"][0]
    response = finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_finalized_invoice_is_pushed_with_idempotency_keys_and_vnd_amounts(fake_stripe, finance, contract, seeded):
    invoice = finalized_invoice(finance)
    assert invoice["stripe_invoice_id"].startswith("in_")
    calls = [(r["method"], r["path"]) for r in fake_stripe.requests]
    remote_id = invoice["stripe_invoice_id"]
    assert calls[:2] == [("POST", "/v1/customers"), ("POST", "/v1/invoices")]
    assert calls[-2:] == [("POST", f"/v1/invoices/{remote_id}/finalize"), ("POST", f"/v1/invoices/{remote_id}/send")]
    for request in fake_stripe.requests:
        assert request["headers"]["Stripe-Version"] == stripe.api_version
        assert request["headers"]["Authorization"] == "Bearer sk_test_motcua"
    keys = [r["headers"].get("Idempotency-Key") for r in fake_stripe.requests]
    items = [r for r in fake_stripe.requests if r["path"] == "/v1/invoiceitems"]
    charged = [line for line in invoice["lines"] if line["amount_vnd"] > 0]
    assert [r["headers"]["Idempotency-Key"] for r in items] == [f"ii-{line['id']}" for line in charged] + [
        f"vat-{invoice['id']}"
    ]
    assert keys[1] == f"inv-{invoice['id']}"
    # VND is zero-decimal: the amounts Stripe receives are our đồng, unchanged (99,000,000, not ×100).
    assert [int(r["form"]["amount"]) for r in items] == [line["amount_vnd"] for line in charged] + [invoice["vat_vnd"]]
    assert {r["form"]["currency"] for r in items} == {"vnd"}
    assert fake_stripe.invoices[remote_id]["total"] == invoice["total_vnd"]
    assert fake_stripe.requests[1]["form"]["collection_method"] == "send_invoice"


def test_pushing_again_is_idempotent(fake_stripe, finance, contract, runtime):
    from motcua_billing.payments import services

    invoice = finalized_invoice(finance)
    sent = len([r for r in fake_stripe.requests if r["path"] == "/v1/invoiceitems"])
    with runtime.db.control_session() as session:
        services.push_invoice(session, services.collector_from_config(runtime.config), invoice["id"])
        session.commit()
    remote = fake_stripe.invoices[invoice["stripe_invoice_id"]]
    assert len(fake_stripe.invoices) == 1 and remote["total"] == invoice["total_vnd"]  # replayed, not duplicated
    assert len([r for r in fake_stripe.requests if r["path"] == "/v1/invoiceitems"]) == 2 * sent


def test_webhook_marks_paid_ignores_replays_and_rejects_bad_signatures(fake_stripe, finance, contract, runtime, caplog):
    invoice = finalized_invoice(finance)
    remote = fake_stripe.invoices[invoice["stripe_invoice_id"]]
    payload = paid_event(remote)
    url = "/api/v1/billing/stripe/webhook"

    with caplog.at_level(logging.WARNING):
        forged = finance.post(url, data=payload, headers={"Stripe-Signature": sign(payload, "whsec_wrong")})
    assert forged.status_code == 400 and forged.get_json()["code"] == "bad_signature"
    assert "rejected a Stripe webhook" in caplog.text
    tampered = finance.post(url, data=payload.replace(b"evt_1", b"evt_2"), headers={"Stripe-Signature": sign(payload)})
    assert tampered.status_code == 400
    stale = finance.post(
        url, data=payload, headers={"Stripe-Signature": sign(payload, timestamp=int(time.time()) - 3600)}
    )
    assert stale.status_code == 400
    assert finance.post(url, data=payload).status_code == 400  # no signature at all
    with runtime.db.control_session() as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
    assert finance.get(f"/api/v1/billing/invoices/{invoice['id']}").get_json()["status"] == "finalized"

    ok = finance.post(url, data=payload, headers={"Stripe-Signature": sign(payload)})
    assert ok.status_code == 200 and ok.get_json() == {
        "status": "processed",
        "event": "evt_1",
        "outcome": "marked paid",
    }
    paid = finance.get(f"/api/v1/billing/invoices/{invoice['id']}").get_json()
    assert paid["status"] == "paid" and paid["amount_paid_vnd"] == invoice["total_vnd"]
    replay = finance.post(url, data=payload, headers={"Stripe-Signature": sign(payload)})
    assert replay.status_code == 200 and replay.get_json()["status"] == "duplicate"
    with runtime.db.control_session() as session:
        payments = session.scalars(select(Payment).where(Payment.invoice_id == invoice["id"])).all()
        assert [(p.method, p.amount_vnd) for p in payments] == [("stripe", invoice["total_vnd"])]
    unknown = paid_event({**remote, "id": "in_unknown", "metadata": {}}, "evt_3")
    answer = finance.post(url, data=unknown, headers={"Stripe-Signature": sign(unknown)})
    assert answer.get_json()["outcome"] == "pending: no local invoice is linked to in_unknown yet"


def test_reconciliation_reports_mismatches(fake_stripe, finance, contract, runtime, seeded):
    invoice = finalized_invoice(finance)
    context = CliContext()
    context._runtime = runtime

    def reconcile():
        return CliRunner().invoke(main, ["billing", "reconcile"], obj=context, catch_exceptions=False)

    clean = reconcile()
    assert clean.exit_code == 0 and "checked 1 invoice(s)" in clean.output and "MISMATCH" not in clean.output
    fake_stripe.invoices[invoice["stripe_invoice_id"]]["total"] += 100  # someone edited the invoice at Stripe
    fake_stripe.invoices[invoice["stripe_invoice_id"]]["status"] = "paid"
    drift = reconcile()
    assert drift.exit_code == 1
    assert "MISMATCH" in drift.output and "≠ ours" in drift.output and "status paid ≠ expected open" in drift.output


def test_without_a_stripe_key_finance_records_bank_transfers(finance, contract, runtime):
    assert runtime.config.stripe_api_key is None
    invoice = finalized_invoice(finance)
    assert invoice["stripe_invoice_id"] is None
    paid = finance.post(
        f"/api/v1/billing/invoices/{invoice['id']}/payments",
        json={"amount_vnd": invoice["total_vnd"], "reference": "VCB-FT26305000001"},
    )
    assert paid.status_code == 201
    assert finance.get(f"/api/v1/billing/invoices/{invoice['id']}").get_json()["status"] == "paid"
    webhook = finance.post("/api/v1/billing/stripe/webhook", data=b"{}", headers={"Stripe-Signature": "t=1,v1=x"})
    assert webhook.status_code == 503 and webhook.get_json()["code"] == "not_configured"


URL = "/api/v1/billing/stripe/webhook"


def webhook_count(runtime) -> int:
    with runtime.db.control_session() as session:
        return session.scalar(select(func.count()).select_from(WebhookEvent))


def test_a_payment_that_overtakes_the_finalization_is_kept_and_applied(fake_stripe, finance, contract, runtime):
    ingest(finance, dossiers(1100))
    draft_id = finance.post("/api/v1/billing/runs", json={"period": "2026-10"}).get_json()["invoice_ids"][0]
    draft = finance.get(f"/api/v1/billing/invoices/{draft_id}").get_json()
    remote = {
        "id": "in_early",
        "object": "invoice",
        "currency": "vnd",
        "total": draft["total_vnd"],
        "metadata": {"motcua_invoice_id": str(draft["id"])},
    }
    payload = paid_event(remote, "evt_early")
    early = finance.post(URL, data=payload, headers={"Stripe-Signature": sign(payload)})
    assert early.status_code == 200, early.get_json()
    assert (
        early.get_json()["outcome"] == f"pending: local invoice {draft['id']} is a draft; applied when it is finalized"
    )
    assert finance.get(f"/api/v1/billing/invoices/{draft['id']}").get_json()["status"] == "draft"
    # kept, not lost: the reconciliation names it until it is applied
    context = CliContext()
    context._runtime = runtime
    reconcile = CliRunner().invoke(main, ["billing", "reconcile"], obj=context, catch_exceptions=False)
    assert reconcile.exit_code == 1 and "evt_early" in reconcile.output and "pending" in reconcile.output
    replay = finance.post(URL, data=payload, headers={"Stripe-Signature": sign(payload)})
    assert replay.get_json()["status"] == "duplicate"

    finalized = finance.post(f"/api/v1/billing/invoices/{draft['id']}/finalize")
    assert finalized.status_code == 200, finalized.get_json()
    paid = finance.get(f"/api/v1/billing/invoices/{draft['id']}").get_json()
    assert paid["status"] == "paid" and paid["amount_paid_vnd"] == draft["total_vnd"] and paid["amount_due_vnd"] == 0
    with runtime.db.control_session() as session:
        payments = session.scalars(select(Payment).where(Payment.invoice_id == draft["id"])).all()
        assert [(p.method, p.reference, p.amount_vnd) for p in payments] == [("stripe", "in_early", draft["total_vnd"])]
        event = session.scalar(select(WebhookEvent).where(WebhookEvent.event_id == "evt_early"))
        assert (event.pending, event.invoice_id, event.outcome) == (False, draft["id"], "marked paid (applied late)")
    assert "evt_early" not in CliRunner().invoke(main, ["billing", "reconcile"], obj=context).output


def test_a_signature_dated_in_the_future_is_refused(fake_stripe, finance, contract, runtime):
    invoice = finalized_invoice(finance)
    payload = paid_event(fake_stripe.invoices[invoice["stripe_invoice_id"]])
    ahead = finance.post(
        URL, data=payload, headers={"Stripe-Signature": sign(payload, timestamp=int(time.time()) + 3600)}
    )
    assert ahead.status_code == 400 and ahead.get_json()["code"] == "bad_signature"
    assert "future" in ahead.get_json()["message"] and "Stripe-Signature" in ahead.get_json()["errors"]
    assert webhook_count(runtime) == 0
    assert finance.get(f"/api/v1/billing/invoices/{invoice['id']}").get_json()["status"] == "finalized"
    # clock skew within the tolerance is not an attack
    skewed = finance.post(
        URL, data=payload, headers={"Stripe-Signature": sign(payload, timestamp=int(time.time()) + 5)}
    )
    assert skewed.status_code == 200 and skewed.get_json()["outcome"] == "marked paid"


def _event(**fields):
    event = {"id": "evt_shape", "object": "event", "type": "invoice.paid", "data": {"object": {}}}
    paid = {"id": "in_1", "object": "invoice", "currency": "vnd", "amount_paid": 1000, "metadata": {}}
    event["data"] = {"object": {**paid, **fields.pop("invoice", {})}}
    return json.dumps({**event, **fields}).encode()


SHAPES = {
    "array body": (b"[]", 422, "validation_error"),
    "string body": (b'"invoice.paid"', 422, "validation_error"),
    "not JSON": (b"{'id': 1}", 400, "malformed_json"),
    "not UTF-8": (b'{"id": "\xff"}', 400, "bad_signature"),
    "no id": (json.dumps({"type": "invoice.paid", "data": {"object": {}}}).encode(), 422, "validation_error"),
    "no type": (json.dumps({"id": "evt_x", "data": {"object": {}}}).encode(), 422, "validation_error"),
    "data null": (_event(data=None), 422, "validation_error"),
    "object null": (_event(data={"object": None}), 422, "validation_error"),
    "numeric id": (_event(id=2**70), 422, "validation_error"),
    "NUL in type": (_event(type="invoice.paid\u0000"), 400, "invalid_text"),
    "NUL elsewhere": (_event(invoice={"description": "a\u0000b"}), 400, "invalid_text"),
    "lone surrogate": (_event(invoice={"description": "\ud800"}), 400, "invalid_text"),
    "amount as text": (_event(invoice={"amount_paid": "1000"}), 422, "validation_error"),
    "amount not a number": (_event(invoice={"amount_paid": "mười nghìn"}), 422, "validation_error"),
    "amount of 2^70": (_event(invoice={"amount_paid": 2**70}), 422, "validation_error"),
    "fractional amount": (_event(invoice={"amount_paid": 10.5}), 422, "validation_error"),
    "no amount": (_event(invoice={"amount_paid": None}), 422, "validation_error"),
    "remote id of 2^70": (_event(invoice={"id": 2**70}), 422, "validation_error"),
    "local id of 2^70": (_event(invoice={"metadata": {"motcua_invoice_id": str(2**70)}}), 422, "validation_error"),
    "metadata not an object": (_event(invoice={"metadata": [1]}), 422, "validation_error"),
    "NaN": (_event(invoice={"total": float("nan")}), 400, "malformed_json"),
    "number past float": (
        _event(invoice={"total": 1}).replace(b'"total": 1', b'"total": 1e400'),
        400,
        "malformed_json",
    ),
    "nested 100 deep": (_event(invoice={"x": json.loads("[" * 100 + "]" * 100)}), 400, "bad_request"),
    "nested 100000 deep": (
        b'{"id": "evt_deep", "type": "invoice.paid", "data": ' + b"[" * 100000 + b"]" * 100000 + b"}",
        400,
        "bad_request",
    ),
}


@pytest.mark.parametrize("name", list(SHAPES))
def test_a_signed_event_of_an_unexpected_shape_is_refused_and_nothing_is_written(name, fake_stripe, finance, runtime):
    # Text the database cannot hold and deep nesting get the API's one answer (docs/security.md, Input handling).
    payload, status, code = SHAPES[name]
    response = finance.post(URL, data=payload, headers={"Stripe-Signature": sign(payload)})
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"status", "code", "message", "errors"} and body["status"] == status
    assert body["code"] == code
    assert webhook_count(runtime) == 0
