"""Online fee payment against a local gateway on 127.0.0.1 (``payment_support``) that implements the gateway's
side of the VNPAY protocol: the province's merchant settings, the order sent to the gateway (signature checked
there), the notification as the only thing that records a payment, and every refusal — forged, tampered,
replayed, out of order, another amount, an unknown order, another province's secret — answered with nothing
recorded; the dossier returning to processing once paid; counter payments; refunds on withdrawal; the
reconciliation finding planted differences; the receipt read back with pdftotext."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import urllib.parse
import urllib.request

import pytest
from dossier_support import move
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.payments import refunds
from motcua_onestop.payments import settings as merchant
from motcua_onestop.payments.models import Payment
from motcua_platform.audit.models import TenantAuditEvent
from payment_support import MERCHANT, OTHER_SECRET, SECRET, LocalGateway, start_gateway
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

EXTENSION = "1.009997"  # Gia hạn giấy phép xây dựng: fully online, 15 000 đồng, paid before intake
NEW_PERMIT = "1.009994"  # Cấp giấy phép xây dựng: partly online, 75 000 đồng, paid before the result
OWNER = {
    "full_name": "Nguyễn Văn Chủ",
    "citizen_id": "079090003333",
    "date_of_birth": "1980-05-05",
    "address": "Xã A, tỉnh Alpha",
    "phone": "0903334444",
}
FORMS = {
    EXTENSION: {"owner": OWNER, "permit_number": "GP-12/2024", "reason": "Chưa khởi công kịp"},
    NEW_PERMIT: {
        "owner": OWNER,
        "land_parcel": "Thửa 12, tờ 3",
        "land_certificate_number": "CS 0001",
        "site_address": "Xã A",
        "site_area_m2": 120.0,
        "floor_area_m2": 200.0,
        "floors": 2,
        "height_m": 8.5,
    },
}
IPN = "/api/v1/payments/vnpay/ipn"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def gateway():
    got = LocalGateway()
    server = start_gateway(got)
    yield got
    server.shutdown()
    server.server_close()


def configure(runtime, gateway, slug="alpha", *, secret=SECRET, merchant_code=MERCHANT, enabled=True):
    from dossier_support import SYSTEM

    with runtime.db.tenant_session(runtime.db.binding(slug)) as session:
        merchant.change(
            session,
            SYSTEM,
            enabled=enabled,
            merchant_code=merchant_code,
            pay_url=gateway.pay_url,
            api_url=gateway.api_url,
            secret=secret,
            local_addresses=True,
        )
        session.commit()


def citizen(host_client, seeded, slug="alpha"):
    return host_client(seeded[slug].host, seeded[slug].citizen_token)


def staff(host_client, seeded, role, slug="alpha"):
    return host_client(seeded[slug].host, seeded[slug].tokens[role])


def submit_online(host_client, seeded, procedure=EXTENSION, slug="alpha"):
    body = {
        "procedure_code": procedure,
        "receiving_unit_id": seeded[slug].units["commune_a"],
        "channel": "online",
        "form": FORMS[procedure],
    }
    response = citizen(host_client, seeded, slug).post("/api/v1/dossiers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def upload_components(client, code, count=2):
    """The citizen uploads the procedure's required documents (a fully online dossier is received complete)."""
    for index in range(count):
        fields = {"component": str(index), "file": FileStorage(io.BytesIO(PDF), filename=f"giay-{index}.pdf")}
        boundary, data = encode_multipart(fields)
        response = client.post(
            f"/api/v1/dossiers/{code}/documents", data=data, content_type=f"multipart/form-data; boundary={boundary}"
        )
        assert response.status_code == 201, response.get_json()


def start(host_client, seeded, code, slug="alpha"):
    response = citizen(host_client, seeded, slug).post(f"/api/v1/my/dossiers/{code}/payments")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def open_at_gateway(pay_url: str) -> int:
    """The payer's browser opening the gateway's page (a real HTTP request): the gateway checks our signature."""
    try:
        with urllib.request.urlopen(pay_url, timeout=5) as response:  # noqa: S310 - the local gateway
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def notify(client, fields: dict) -> dict:
    response = client.get(IPN + "?" + urllib.parse.urlencode(fields))
    assert response.status_code == 200
    return response.get_json()


def motcua_cli(runtime, *args):
    from click.testing import CliRunner
    from motcua_platform.cli import CliContext, main

    context = CliContext()
    context._runtime = runtime
    return CliRunner().invoke(main, list(args), obj=context, catch_exceptions=False)


def rows(runtime, slug="alpha"):
    """Every payment of the province and the audit events about payments: what a refusal must not change."""
    with runtime.db.tenant_session(runtime.db.binding(slug)) as session:
        payments = [
            (p.id, p.state, p.gateway_txn, p.paid_at) for p in session.scalars(select(Payment).order_by(Payment.id))
        ]
        events = session.scalar(select(func.count()).where(TenantAuditEvent.action.like("payment.%")))
        methods = dict(session.execute(select(Dossier.code, Dossier.payment_method)).all())
        return payments, events, methods


def dossier_row(runtime, code, slug="alpha"):
    with runtime.db.tenant_session(runtime.db.binding(slug)) as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        session.expunge(dossier)
        return dossier


def paid_dossier(host_client, seeded, gateway, procedure=EXTENSION):
    """An online dossier paid online: (dossier, the order's outcome fields)."""
    dossier = submit_online(host_client, seeded, procedure)
    started = start(host_client, seeded, dossier["code"])
    assert open_at_gateway(started["pay_url"]) == 200
    fields = gateway.outcome(started["payment"]["order_ref"])
    assert notify(host_client(seeded["alpha"].host), fields) == {"RspCode": "00", "Message": "Confirm Success"}
    return dossier, fields


# -- the whole flow ---------------------------------------------------------------------------------
def test_a_fully_online_dossier_is_paid_online_before_intake_and_the_notification_records_it(
    runtime, seeded, host_client, gateway, tmp_path
):
    configure(runtime, gateway)
    dossier = submit_online(host_client, seeded)
    code, officer = dossier["code"], staff(host_client, seeded, "officer")
    assert dossier["total_fee"] == 15_000
    upload_components(citizen(host_client, seeded), code)
    refused = move(officer, code, 2, dossier["version"])  # not paid yet: the officer cannot receive it
    assert refused.status_code == 409 and "not paid" in refused.get_json()["message"]
    fees = citizen(host_client, seeded).get(f"/api/v1/my/dossiers/{code}/payments").get_json()
    assert (fees["outstanding"], fees["due_stage"], fees["can_pay_online"]) == (15_000, "intake", True)

    started = start(host_client, seeded, code)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(started["pay_url"]).query))
    assert query["vnp_Amount"] == "1500000" and query["vnp_TmnCode"] == MERCHANT and query["vnp_CurrCode"] == "VND"
    assert open_at_gateway(started["pay_url"]) == 200  # the gateway accepted our signature
    ref = started["payment"]["order_ref"]
    assert rows(runtime)[0][-1][1] == "pending"

    fields = gateway.outcome(ref)
    assert notify(host_client(seeded["alpha"].host), fields) == {"RspCode": "00", "Message": "Confirm Success"}
    payments, events, methods = rows(runtime)
    assert [(state, txn) for _id, state, txn, _at in payments] == [("paid", fields["vnp_TransactionNo"])]
    assert methods[code] == "online"

    # the same notification again (the gateway retries): the same answer as any settled order, nothing doubled
    assert notify(host_client(seeded["alpha"].host), fields)["RspCode"] == "02"
    assert rows(runtime) == (payments, events, methods)

    fees = citizen(host_client, seeded).get(f"/api/v1/my/dossiers/{code}/payments").get_json()
    assert (fees["outstanding"], fees["can_pay_online"], fees["payment_method"]) == (0, False, "online")
    received = move(officer, code, 2, dossier_row(runtime, code).version)
    assert received.status_code == 200, received.get_json()

    # the receipt, read back
    payment_id = payments[0][0]
    pdf = citizen(host_client, seeded).get(f"/api/v1/my/dossiers/{code}/payments/{payment_id}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):  # as the forms' tests: the text is read back where poppler is installed
        (tmp_path / "r.pdf").write_bytes(pdf.data)
        text = subprocess.run(
            ["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        for expected in (
            code,
            "15.000 đồng",
            "Lệ phí gia hạn giấy phép xây dựng",
            fields["vnp_TransactionNo"],
            "Trực tuyến qua cổng thanh toán",
            "BIÊN NHẬN THANH TOÁN",
        ):
            assert expected in text, expected
    # and to the officer too; not to another citizen, not for another dossier's payment
    assert (
        staff(host_client, seeded, "officer")
        .get(f"/api/v1/dossiers/{code}/payments/{payment_id}/receipt.pdf")
        .status_code
        == 200
    )
    assert (
        citizen(host_client, seeded, "beta")
        .get(f"/api/v1/my/dossiers/{code}/payments/{payment_id}/receipt.pdf")
        .status_code
        == 404
    )


def test_a_dossier_asked_for_payment_goes_back_to_processing_once_paid(runtime, seeded, host_client, gateway):
    configure(runtime, gateway)
    dossier = submit_online(host_client, seeded, NEW_PERMIT)
    code, officer = dossier["code"], staff(host_client, seeded, "officer")
    fees = citizen(host_client, seeded).get(f"/api/v1/my/dossiers/{code}/payments").get_json()
    assert (fees["due_stage"], fees["can_pay_online"]) == ("result", False)  # not before intake
    assert citizen(host_client, seeded).post(f"/api/v1/my/dossiers/{code}/payments").status_code == 409
    version = dossier["version"]
    for status in (2, 4, 6):
        response = move(officer, code, status, version)
        assert response.status_code == 200, response.get_json()
        version = response.get_json()["version"]
    started = start(host_client, seeded, code)
    assert started["payment"]["amount"] == 75_000
    assert open_at_gateway(started["pay_url"]) == 200
    assert (
        notify(host_client(seeded["alpha"].host), gateway.outcome(started["payment"]["order_ref"]))["RspCode"] == "00"
    )
    after = dossier_row(runtime, code)
    assert (after.status, after.payment_method) == (4, "online")
    history = citizen(host_client, seeded).get(f"/api/v1/my/dossiers/{code}").get_json()["history"]
    assert (history[-1]["action"], history[-1]["from_status"], history[-1]["to_status"]) == ("fee_paid", 6, 4)


# -- refusals: nothing recorded --------------------------------------------------------------------
def test_forged_tampered_unknown_and_mismatched_notifications_are_refused_with_nothing_recorded(
    runtime, seeded, host_client, gateway
):
    configure(runtime, gateway)
    dossier = submit_online(host_client, seeded)
    started = start(host_client, seeded, dossier["code"])
    assert open_at_gateway(started["pay_url"]) == 200
    ref, client = started["payment"]["order_ref"], host_client(seeded["alpha"].host)
    before = rows(runtime)

    forged = gateway.outcome(ref, secret=OTHER_SECRET)  # signed with a secret that is not the province's
    assert notify(client, forged) == {"RspCode": "97", "Message": "Invalid signature"}
    tampered = gateway.outcome(ref) | {"vnp_Amount": "100"}  # a signed success with its amount changed
    assert notify(client, tampered)["RspCode"] == "97"
    unsigned = {k: v for k, v in gateway.outcome(ref).items() if k != "vnp_SecureHash"}
    assert notify(client, unsigned)["RspCode"] == "97"
    assert notify(client, gateway.outcome(ref) | {"vnp_SecureHash": "é" * 128})["RspCode"] == "97"
    cheaper = gateway.outcome(ref, amount=1_000)  # properly signed, but not the order's amount
    assert notify(client, cheaper) == {"RspCode": "04", "Message": "Invalid amount"}
    fraction = gateway.outcome(ref) | {"vnp_Amount": "1500050"}  # not a whole number of đồng
    fraction["vnp_SecureHash"] = _resign(fraction)
    assert notify(client, fraction)["RspCode"] == "04"
    gateway.orders["NOSUCHORDER"] = gateway.orders[ref] | {"vnp_TxnRef": "NOSUCHORDER"}
    assert notify(client, gateway.outcome("NOSUCHORDER")) == {"RspCode": "01", "Message": "Order not found"}
    assert notify(client, {})["RspCode"] == "97"
    assert rows(runtime) == before  # the payment still pending, no audit event, the dossier not paid
    assert before[0][-1][1] == "pending" and before[2][dossier["code"]] is None


def _resign(fields: dict) -> str:
    from payment_support import hash_fields

    return hash_fields(SECRET, fields)


def test_a_late_failure_or_a_second_transaction_never_undoes_a_payment(runtime, seeded, host_client, gateway):
    configure(runtime, gateway)
    _dossier, fields = paid_dossier(host_client, seeded, gateway)
    ref, client = fields["vnp_TxnRef"], host_client(seeded["alpha"].host)
    settled = rows(runtime)
    failure = gateway.outcome(ref, ok=False)  # the failure notification arriving after the success
    assert notify(client, failure) == {"RspCode": "02", "Message": "Order already confirmed"}
    assert notify(client, gateway.outcome(ref, number="99999999"))["RspCode"] == "02"  # another success
    assert rows(runtime) == settled


def test_a_failure_is_recorded_and_the_payer_can_try_again(runtime, seeded, host_client, gateway):
    configure(runtime, gateway)
    dossier = submit_online(host_client, seeded)
    first = start(host_client, seeded, dossier["code"])
    assert open_at_gateway(first["pay_url"]) == 200
    client = host_client(seeded["alpha"].host)
    assert notify(client, gateway.outcome(first["payment"]["order_ref"], ok=False))["RspCode"] == "00"
    assert rows(runtime)[0][-1][1] == "failed"
    assert notify(client, gateway.outcome(first["payment"]["order_ref"], ok=False))["RspCode"] == "02"  # a replay
    second = start(host_client, seeded, dossier["code"])
    assert second["payment"]["order_ref"] != first["payment"]["order_ref"]
    assert open_at_gateway(second["pay_url"]) == 200
    assert notify(client, gateway.outcome(second["payment"]["order_ref"]))["RspCode"] == "00"
    assert [state for _id, state, _txn, _at in rows(runtime)[0]] == ["failed", "paid"]


def test_one_province_secret_cannot_confirm_another_province_payment(runtime, seeded, host_client, gateway):
    configure(runtime, gateway)
    beta_gateway = LocalGateway(secret=OTHER_SECRET, url=gateway.url)
    configure(runtime, beta_gateway, "beta", secret=OTHER_SECRET)
    beta_dossier = submit_online(host_client, seeded, slug="beta")
    started = start(host_client, seeded, beta_dossier["code"], slug="beta")
    order = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(started["pay_url"]).query))
    gateway.orders[order["vnp_TxnRef"]] = order  # alpha's secret signs an outcome of beta's order
    before = rows(runtime, "beta")
    assert notify(host_client(seeded["beta"].host), gateway.outcome(order["vnp_TxnRef"]))["RspCode"] == "97"
    # sent to alpha's host instead, with alpha's secret: alpha has no such order
    assert notify(host_client(seeded["alpha"].host), gateway.outcome(order["vnp_TxnRef"]))["RspCode"] == "01"
    assert rows(runtime, "beta") == before
    beta_gateway.orders[order["vnp_TxnRef"]] = order
    assert notify(host_client(seeded["beta"].host), beta_gateway.outcome(order["vnp_TxnRef"]))["RspCode"] == "00"


def test_a_signed_success_after_a_recorded_failure_is_recorded(runtime, seeded, host_client, gateway):
    """The gateway's word that it took the money after all (out of order): never lost, while a failure
    after a success never undoes it (the test above)."""
    configure(runtime, gateway)
    dossier = submit_online(host_client, seeded)
    started = start(host_client, seeded, dossier["code"])
    assert open_at_gateway(started["pay_url"]) == 200
    client, ref = host_client(seeded["alpha"].host), started["payment"]["order_ref"]
    assert notify(client, gateway.outcome(ref, ok=False))["RspCode"] == "00"
    assert notify(client, gateway.outcome(ref))["RspCode"] == "00"
    assert [state for _id, state, _txn, _at in rows(runtime)[0]] == ["paid"]
    assert rows(runtime)[2][dossier["code"]] == "online"


def test_an_order_made_before_payment_was_switched_off_is_still_recorded(runtime, seeded, host_client, gateway):
    """Off stops new orders; the notification of one already at the gateway is checked with the secret still
    stored and recorded (the money was taken). With no secret stored at all, nothing can be checked: 97."""
    configure(runtime, gateway)
    dossier = submit_online(host_client, seeded)
    started = start(host_client, seeded, dossier["code"])
    assert open_at_gateway(started["pay_url"]) == 200
    configure(runtime, gateway, enabled=False)
    client = host_client(seeded["alpha"].host)
    assert notify(client, gateway.outcome(started["payment"]["order_ref"], secret=OTHER_SECRET))["RspCode"] == "97"
    assert notify(client, gateway.outcome(started["payment"]["order_ref"]))["RspCode"] == "00"
    assert rows(runtime)[2][dossier["code"]] == "online"
    assert notify(host_client(seeded["beta"].host), gateway.outcome(started["payment"]["order_ref"]))["RspCode"] == "97"
    # and, off, a fully online dossier is received unpaid: it is paid at the office
    other = submit_online(host_client, seeded)
    upload_components(citizen(host_client, seeded), other["code"])
    assert move(staff(host_client, seeded, "officer"), other["code"], 2, other["version"]).status_code == 200


def test_another_merchants_answer_and_a_transaction_reported_for_two_orders_are_refused(
    runtime, seeded, host_client, gateway
):
    configure(runtime, gateway)
    _dossier, fields = paid_dossier(host_client, seeded, gateway)
    client = host_client(seeded["alpha"].host)
    other = submit_online(host_client, seeded)
    started = start(host_client, seeded, other["code"])
    assert open_at_gateway(started["pay_url"]) == 200
    ref = started["payment"]["order_ref"]
    before = rows(runtime)
    elsewhere = gateway.outcome(ref) | {"vnp_TmnCode": "OTHERMER"}  # signed with our secret, another merchant
    elsewhere["vnp_SecureHash"] = _resign(elsewhere)
    assert notify(client, elsewhere)["RspCode"] == "97"
    again = gateway.outcome(ref, number=fields["vnp_TransactionNo"])  # the first order's transaction, again
    assert notify(client, again)["RspCode"] == "02"
    assert rows(runtime) == before


def test_a_field_the_gateway_adds_later_is_taken_as_signed(runtime, seeded, host_client, gateway):
    configure(runtime, gateway)
    dossier = submit_online(host_client, seeded)
    started = start(host_client, seeded, dossier["code"])
    assert open_at_gateway(started["pay_url"]) == 200
    fields = gateway.outcome(started["payment"]["order_ref"]) | {"vnp_CardHolder": "NGUYEN VAN A"}
    fields["vnp_SecureHash"] = _resign({k: v for k, v in fields.items() if k != "vnp_SecureHash"})
    assert notify(host_client(seeded["alpha"].host), fields)["RspCode"] == "00"
    unsigned_extra = gateway.outcome(started["payment"]["order_ref"]) | {"vnp_CardHolder": "X"}
    assert notify(host_client(seeded["alpha"].host), unsigned_extra)["RspCode"] == "97"  # not covered: forged


def test_outside_test_runs_the_gateway_must_be_https_and_outside_our_networks(runtime):
    from motcua_onestop.payments import settings as merchant
    from motcua_platform.audit.services import Actor
    from motcua_platform.errors import InvalidInput

    admin = Actor("staff", 1, "admin@alpha.test", None)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        for address in ("http://pay.example.vn/x", "https://127.0.0.1/x", "https://10.2.3.4/x", "https://100.64.0.1/x",
                        "https://169.254.169.254/x", "https://[abc/x", "https://pay.example.vn:99999/x"):  # fmt: skip
            with pytest.raises(InvalidInput) as refused:
                merchant.change(session, admin, enabled=False, merchant_code="MER", pay_url=address, api_url=address)
            assert refused.value.errors, address


# -- the counter -----------------------------------------------------------------------------------
def test_an_officer_records_cash_or_a_transfer_at_the_counter(runtime, seeded, host_client, gateway):
    dossier = submit_online(host_client, seeded, NEW_PERMIT)
    code, officer = dossier["code"], staff(host_client, seeded, "officer")
    version = dossier["version"]
    for status in (2, 4, 6):
        version = move(officer, code, status, version).get_json()["version"]
    path = f"/api/v1/dossiers/{code}/payments"
    before = rows(runtime)
    wrong = officer.post(path, json={"method": "cash", "amount": 70_000})
    assert wrong.status_code == 422 and "amount" in wrong.get_json()["errors"]
    no_reference = officer.post(path, json={"method": "transfer", "amount": 75_000})
    assert no_reference.status_code == 422 and "reference" in no_reference.get_json()["errors"]
    assert citizen(host_client, seeded).post(path, json={"method": "cash", "amount": 75_000}).status_code == 403
    assert (
        staff(host_client, seeded, "officer", "beta").post(path, json={"method": "cash", "amount": 75_000}).status_code
        == 404
    )
    assert rows(runtime) == before
    made = officer.post(path, json={"method": "transfer", "amount": 75_000, "reference": "FT24123456"})
    assert made.status_code == 201, made.get_json()
    got = made.get_json()
    assert (got["state"], got["method"], got["reference"]) == ("paid", "transfer", "FT24123456")
    after = dossier_row(runtime, code)
    assert (after.status, after.payment_method) == (4, "transfer")
    assert officer.post(path, json={"method": "cash", "amount": 75_000}).status_code == 409  # paid already
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        event = session.scalar(select(TenantAuditEvent).where(TenantAuditEvent.action == "payment.paid"))
        assert event.actor.startswith("staff:") and event.target == f"dossier:{code}"


# -- refunds ---------------------------------------------------------------------------------------
def test_a_payment_is_refunded_when_the_dossier_is_withdrawn_before_intake(runtime, seeded, host_client, gateway):
    configure(runtime, gateway)
    dossier, fields = paid_dossier(host_client, seeded, gateway)
    code = dossier["code"]
    admin, finance = staff(host_client, seeded, "admin"), staff(host_client, seeded, "finance")
    assert finance.get("/api/v1/payments/refunds").get_json() == []
    version = dossier_row(runtime, code).version
    withdrawn = citizen(host_client, seeded).post(
        f"/api/v1/my/dossiers/{code}/withdrawal", json={"reason": "Không cần nữa"}, headers={"If-Match": f'"{version}"'}
    )
    assert withdrawn.status_code == 200, withdrawn.get_json()
    due = finance.get("/api/v1/payments/refunds").get_json()
    assert [(d["payment"]["dossier_code"], d["reason"]) for d in due] == [(code, "withdrawn_before_intake")]
    payment_id = due[0]["payment"]["id"]
    assert finance.post(f"/api/v1/payments/{payment_id}/refund").status_code == 403  # finance reads, the admin acts

    gateway.refund_code = "94"  # the gateway refuses: recorded, still due, seen by finance
    refused = admin.post(f"/api/v1/payments/{payment_id}/refund")
    assert refused.status_code == 200 and refused.get_json()["state"] == "paid"
    assert refused.get_json()["refund_error"].startswith("94") and refused.get_json()["refund_attempts"] == 1
    assert finance.get("/api/v1/payments/refunds").get_json()[0]["payment"]["refund_error"].startswith("94")

    gateway.refund_code = "00"  # the periodic job's run asks again
    assert refunds.refund_everywhere(runtime.db) == {"alpha": (1, 0)}
    made = admin.get(f"/api/v1/dossiers/{code}/payments").get_json()[0]
    assert (made["state"], made["refund_error"], made["refund_attempts"]) == ("refunded", None, 2)
    assert (
        gateway.refunds[-1]["vnp_Amount"] == "1500000"
        and gateway.refunds[-1]["vnp_TransactionNo"] == fields["vnp_TransactionNo"]
    )
    assert finance.get("/api/v1/payments/refunds").get_json() == []
    assert admin.post(f"/api/v1/payments/{payment_id}/refund").status_code == 409  # not twice
    assert dossier_row(runtime, code).payment_method is None


def test_no_refund_once_the_dossier_was_received(runtime, seeded, host_client, gateway):
    configure(runtime, gateway)
    dossier, _fields = paid_dossier(host_client, seeded, gateway)
    code, officer = dossier["code"], staff(host_client, seeded, "officer")
    upload_components(citizen(host_client, seeded), code)
    version = move(officer, code, 2, dossier_row(runtime, code).version).get_json()["version"]
    assert move(officer, code, 7, version, "Công dân rút").status_code == 200
    assert staff(host_client, seeded, "finance").get("/api/v1/payments/refunds").get_json() == []


def test_a_gateway_that_does_not_answer_leaves_the_refund_due_with_the_error(runtime, seeded, host_client, gateway):
    configure(runtime, gateway)
    dossier, _fields = paid_dossier(host_client, seeded, gateway)
    version = dossier_row(runtime, dossier["code"]).version
    citizen(host_client, seeded).post(
        f"/api/v1/my/dossiers/{dossier['code']}/withdrawal",
        json={"reason": "Thôi"},
        headers={"If-Match": f'"{version}"'},
    )
    gateway.down = True
    payment_id = rows(runtime)[0][0][0]
    got = staff(host_client, seeded, "admin").post(f"/api/v1/payments/{payment_id}/refund").get_json()
    assert got["state"] == "paid" and got["refund_error"].startswith("HTTPError")


# -- reconciliation --------------------------------------------------------------------------------
def test_the_reconciliation_lists_planted_differences_and_a_lost_notification_can_be_settled(
    runtime, seeded, host_client, gateway
):
    configure(runtime, gateway)
    good, _fields = paid_dossier(host_client, seeded, gateway)
    lost = submit_online(host_client, seeded)  # paid at the gateway, its notification never arrived
    lost_order = start(host_client, seeded, lost["code"])
    assert open_at_gateway(lost_order["pay_url"]) == 200
    gateway.outcome(lost_order["payment"]["order_ref"])
    planted = submit_online(host_client, seeded)  # recorded paid here, never paid there
    planted_order = start(host_client, seeded, planted["code"])
    assert open_at_gateway(planted_order["pay_url"]) == 200
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        row = session.get(Payment, planted_order["payment"]["id"])
        row.state, row.paid_at, row.gateway_txn = "paid", row.created_at, "PLANTED1"
        session.commit()
    finance = staff(host_client, seeded, "finance")
    today = dt.date.today()
    period = f"from={today - dt.timedelta(days=1)}&to={today + dt.timedelta(days=1)}"  # around today, wherever UTC is
    lines = finance.get(f"/api/v1/payments/reconciliation?{period}").get_json()
    problems = {line["dossier_code"]: line["problem"] for line in lines}
    assert problems == {good["code"]: None, lost["code"]: "paid_there_only", planted["code"]: "paid_here_only"}
    # the same from the shell: one line per difference, exit 1
    around = ["--from", str(today - dt.timedelta(days=1)), "--to", str(today + dt.timedelta(days=1))]
    shell = motcua_cli(runtime, "payments", "reconcile", "alpha", *around)
    assert shell.exit_code == 1 and shell.output.count("MISMATCH") == 2, shell.output
    assert lost["code"] in shell.output and planted["code"] in shell.output and good["code"] not in shell.output
    assert motcua_cli(runtime, "payments", "reconcile", "nobody", *around).exit_code == 1
    assert finance.get("/api/v1/payments/reconciliation?from=2026-01-01&to=2020-01-01").status_code == 422
    assert finance.get("/api/v1/payments/reconciliation?from=2020-01-01&to=2026-01-01").status_code == 422

    admin = staff(host_client, seeded, "admin")
    assert admin.post(f"/api/v1/payments/{planted_order['payment']['id']}/settle").status_code == 409
    settled = admin.post(f"/api/v1/payments/{lost_order['payment']['id']}/settle")
    assert settled.status_code == 200 and settled.get_json()["state"] == "paid"
    assert dossier_row(runtime, lost["code"]).payment_method == "online"
    gateway.down = True
    lines = finance.get(f"/api/v1/payments/reconciliation?{period}").get_json()
    assert {line["problem"] for line in lines} == {"unanswered"}


# -- settings --------------------------------------------------------------------------------------
def test_the_merchant_settings_are_the_tenant_admins_and_the_secret_is_never_shown(
    runtime, seeded, host_client, gateway
):
    admin, officer = staff(host_client, seeded, "admin"), staff(host_client, seeded, "officer")
    path = "/api/v1/province/payment-settings"
    assert admin.get(path).get_json()["secret_set"] is False
    incomplete = admin.put(path, json={"enabled": True, "merchant_code": "ALPHA001"})
    assert incomplete.status_code == 422 and {"pay_url", "api_url", "secret"} <= set(incomplete.get_json()["errors"])
    body = {
        "enabled": True,
        "merchant_code": MERCHANT,
        "pay_url": gateway.pay_url,
        "api_url": gateway.api_url,
        "secret": SECRET,
    }
    assert officer.put(path, json=body).status_code == 403
    saved = admin.put(path, json=body)
    assert saved.status_code == 200 and saved.get_json()["secret_set"] is True and "secret" not in saved.get_json()
    kept = admin.put(path, json={k: v for k, v in body.items() if k != "secret"})  # the secret left out: kept
    assert kept.get_json()["secret_set"] is True
    assert SECRET not in admin.get(path).get_data(as_text=True)
    short = admin.put(path, json=body | {"secret": "short"})
    assert short.status_code == 422
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        events = session.scalars(select(TenantAuditEvent).where(TenantAuditEvent.action == "payments.settings")).all()
        assert len(events) == 2 and all(SECRET not in str(e.details) for e in events)
    # beta's settings are beta's
    assert staff(host_client, seeded, "admin", "beta").get(path).get_json()["secret_set"] is False


# -- QĐ 766 ----------------------------------------------------------------------------------------
def test_indicators_3_5_and_3_6_on_known_dossiers(runtime, seeded, host_client, gateway):
    """May 2025, nothing else in it: four dossiers received, three with a fee (75 000 đồng): one paid online,
    one in cash at the counter, one unpaid; the fourth (a marriage) is free. 3.6 = 1 / 3."""
    from dossier_support import MARRIAGE, SYSTEM
    from motcua_onestop.catalogue.models import Procedure
    from motcua_onestop.dossiers import services as dossiers
    from motcua_onestop.dossiers.intake import services as intake
    from motcua_onestop.national_sync.models import NationalSyncOutbox
    from motcua_onestop.payments import services as payments
    from motcua_platform.plugins.engine import active
    from motcua_platform.timezones import VIETNAM

    configure(runtime, gateway)
    t0 = dt.datetime(2025, 5, 6, 9, tzinfo=VIETNAM)
    units, context = seeded["alpha"].units, seeded["alpha"].context
    officers = {units["root"]}

    def take(procedure, channel, form, account=None):
        data = intake.Intake(procedure, units["commune_a"], channel, "Nguyễn Văn Chủ", form, citizen_account_id=account)
        return intake.intake(session, SYSTEM, officers, active(), context, data, now=t0)

    def walk(dossier, statuses, hour):
        for status in statuses:
            dossiers.transition(
                session, SYSTEM, dossier, status, dossier.version, tenant=context, now=t0 + dt.timedelta(hours=hour)
            )

    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        online = take(NEW_PERMIT, "online", FORMS[NEW_PERMIT], seeded["alpha"].citizen_id)
        walk(online, (2, 4, 6), 1)
        started = payments.start_online(
            session,
            SYSTEM,
            online,
            return_url="http://alpha.test/payments/return",
            client_ip="127.0.0.1",
            locale="vi",
            now=t0 + dt.timedelta(hours=2),
        )
        cash = take(NEW_PERMIT, "counter", FORMS[NEW_PERMIT])
        payments.record_counter(
            session,
            SYSTEM,
            cash,
            method="cash",
            amount=75_000,
            reference="PT-01",
            tenant=context,
            now=t0 + dt.timedelta(hours=3),
        )
        take(NEW_PERMIT, "counter", FORMS[NEW_PERMIT])  # unpaid
        from dossier_support import FORM

        take(MARRIAGE, "counter", FORM)  # free
        session.commit()
        online_code = online.code
    assert open_at_gateway(started.url) == 200
    fields = gateway.outcome(started.payment.order_ref)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        assert payments.notify(session, fields, tenant=context, now=t0 + dt.timedelta(hours=4)) == payments.CONFIRMED
        session.commit()
        priced = sum(
            1
            for row in session.scalars(select(Procedure).where(Procedure.status == "published"))
            if sum(int(f.get("amount") or 0) for f in row.fees) > 0 and row.online_mode != "none"
        )
        last = session.scalar(
            select(NationalSyncOutbox)
            .where(NationalSyncOutbox.payload["MaHoSo"].astext == online_code)
            .order_by(NationalSyncOutbox.sequence.desc())
            .limit(1)
        )
        assert (last.payload["TrangThaiHoSo"], last.payload["DuocThanhToanTrucTuyen"]) == (4, 2)
    admin = staff(host_client, seeded, "admin")
    rows = {
        r["id"]: r
        for r in admin.get("/api/v1/statistics/indicators?period=month&value=2025-05").get_json()["indicators"]
    }
    assert (rows["3.6"]["numerator"], rows["3.6"]["denominator"], rows["3.6"]["value"], rows["3.6"]["score"]) == (
        1,
        3,
        33.33,
        "1.67",
    )  # 5 points × 33.33 %
    assert (rows["3.5"]["numerator"], rows["3.5"]["denominator"], rows["3.5"]["status"]) == (priced, priced, "computed")
    # Bến Tre's roadmap target (4.31 % to 30 %) measured on the same dossiers: 2025 to date is May alone
    plan = {
        "targets": [
            {"metric": "online_payment_rate", "target": 30, "baseline": "4.31"},
            {"metric": "online_payment_rate", "target": 30, "unit_id": units["commune_b"]},
        ]
    }
    targets = {
        row["unit_id"]: row
        for row in admin.put("/api/v1/statistics/targets?year=2025", json=plan).get_json()["targets"]
    }
    province = targets[None]
    assert (province["value"], province["projected"], province["on_track"]) == (33.33, 33.33, True)
    assert {m["month"]: m["value"] for m in province["months"]}[5] == 33.33
    assert targets[units["commune_b"]]["value"] is None  # commune B received none of them
    configure(runtime, gateway, enabled=False)  # no online payment: no procedure can be paid online
    rows = {
        r["id"]: r
        for r in admin.get("/api/v1/statistics/indicators?period=month&value=2025-05").get_json()["indicators"]
    }
    assert (rows["3.5"]["numerator"], rows["3.6"]["numerator"]) == (0, 1)


def withdrawn_paid(host_client, seeded, gateway, runtime) -> tuple[str, str]:
    dossier, fields = paid_dossier(host_client, seeded, gateway)
    version = dossier_row(runtime, dossier["code"]).version
    withdrawn = citizen(host_client, seeded).post(
        f"/api/v1/my/dossiers/{dossier['code']}/withdrawal",
        json={"reason": "Không cần nữa"},
        headers={"If-Match": f'"{version}"'},
    )
    assert withdrawn.status_code == 200, withdrawn.get_json()
    return dossier["code"], fields["vnp_TxnRef"]


def test_the_refund_job_keeps_each_refund_made_whatever_happens_to_the_next(runtime, seeded, host_client, gateway):
    """Each refund is committed as soon as the gateway answers: a broken answer about the next one (not even
    HTTP) leaves the first recorded as given back, and is itself kept as an error to ask again."""
    configure(runtime, gateway)
    first, _ref = withdrawn_paid(host_client, seeded, gateway, runtime)
    second, second_ref = withdrawn_paid(host_client, seeded, gateway, runtime)
    gateway.garbled.add(second_ref)
    assert refunds.refund_everywhere(runtime.db) == {"alpha": (1, 1)}
    admin = staff(host_client, seeded, "admin")
    (made,) = admin.get(f"/api/v1/dossiers/{first}/payments").get_json()
    (kept,) = admin.get(f"/api/v1/dossiers/{second}/payments").get_json()
    assert made["state"] == "refunded" and kept["state"] == "paid" and "BadStatusLine" in kept["refund_error"]
    gateway.garbled.clear()
    assert refunds.refund_everywhere(runtime.db) == {"alpha": (1, 0)}
    assert len(gateway.refunds) == 2  # each given back once


def test_a_gateway_answering_with_a_redirect_is_not_followed(runtime, seeded, host_client, gateway):
    import http.server
    import threading

    visited = []

    class Elsewhere(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            visited.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    elsewhere = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
    try:
        configure(runtime, gateway)
        code, _ref = withdrawn_paid(host_client, seeded, gateway, runtime)
        gateway.redirect_to = f"http://127.0.0.1:{elsewhere.server_address[1]}/latest/meta-data"
        assert refunds.refund_everywhere(runtime.db) == {"alpha": (0, 1)}
        (kept,) = staff(host_client, seeded, "admin").get(f"/api/v1/dossiers/{code}/payments").get_json()
        assert kept["state"] == "paid" and "302" in kept["refund_error"]
        assert visited == []
    finally:
        elsewhere.shutdown()
        elsewhere.server_close()


def test_a_payment_is_refunded_when_the_dossier_is_refused_at_intake(runtime, seeded, host_client, gateway):
    configure(runtime, gateway)
    dossier, _fields = paid_dossier(host_client, seeded, gateway)
    code, officer = dossier["code"], staff(host_client, seeded, "officer")
    refused = move(officer, code, 3, dossier_row(runtime, code).version, "Không thuộc thẩm quyền")
    assert refused.status_code == 200, refused.get_json()
    due = staff(host_client, seeded, "finance").get("/api/v1/payments/refunds").get_json()
    assert [(d["payment"]["dossier_code"], d["reason"]) for d in due] == [(code, "refused_at_intake")]


def test_a_dossier_paid_twice_has_the_second_payment_given_back_and_the_first_kept(
    runtime, seeded, host_client, gateway
):
    configure(runtime, gateway)
    dossier = submit_online(host_client, seeded)
    first, second = (start(host_client, seeded, dossier["code"]) for _ in range(2))  # two tabs
    client = host_client(seeded["alpha"].host)
    for started in (first, second):
        assert open_at_gateway(started["pay_url"]) == 200
        assert notify(client, gateway.outcome(started["payment"]["order_ref"]))["RspCode"] == "00"
    due = staff(host_client, seeded, "finance").get("/api/v1/payments/refunds").get_json()
    assert [(d["payment"]["order_ref"], d["reason"]) for d in due] == [(second["payment"]["order_ref"], "paid_twice")]
    assert refunds.refund_everywhere(runtime.db) == {"alpha": (1, 0)}
    states = {p["order_ref"]: p["state"] for p in staff(host_client, seeded, "admin").get(
        f"/api/v1/dossiers/{dossier['code']}/payments").get_json()}  # fmt: skip
    assert states == {first["payment"]["order_ref"]: "paid", second["payment"]["order_ref"]: "refunded"}
    assert dossier_row(runtime, dossier["code"]).payment_method == "online"
