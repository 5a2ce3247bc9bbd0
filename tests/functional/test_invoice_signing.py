"""Invoices signed with the vendor's seal (issue 18 item 4, ADR 0063), through the real HTTP API: finance signs
a finalized invoice with the key in <MOTCUA_SIGNING_KEYS_DIR>/_vendor/signing.toml (the tests' CA, tests/
signing_ca.py); the invoice's PDF is then the signed file, which the platform's verify() and poppler's pdfsig
both find valid; the signature is audited. Refused: a draft, a second signature, the operator and the admin
roles, and no key set up — each leaving nothing behind."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import signature_support
from billing_support import contract, dossiers, finance, ingest  # noqa: F401  (fixtures)
from click.testing import CliRunner
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, TEST_PASSWORD, HostClient
from motcua_billing.invoices.models import InvoiceSignature
from motcua_platform.audit.models import ControlAuditEvent as AuditEvent
from motcua_platform.cli import CliContext, main
from motcua_platform.signatures.trust import TrustList
from motcua_platform.signatures.verify import verify
from portal_support import csrf_token, fresh_address, submit, words
from signing_ca import PASSPHRASE
from sqlalchemy import select

ca_server, ca = signature_support.ca_server, signature_support.ca


@pytest.fixture
def vendor_keys(runtime, ca, monkeypatch):
    """The vendor's seal set up as a province's is, in the folder no province can have (``_vendor``)."""
    folder = Path(tempfile.mkdtemp(prefix="motcua-vendor-keys-"))
    vendor = folder / "_vendor"
    vendor.mkdir()
    shutil.copy(ca.seal.p12, vendor / "seal.p12")
    (vendor / "seal.passphrase").write_bytes(PASSPHRASE)
    (vendor / "signing.toml").write_text(
        '[seal]\ntype = "pkcs12"\nfile = "seal.p12"\npassphrase_file = "seal.passphrase"\n'
    )
    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(signing_keys_dir=folder))
    return folder


def draft_invoice(finance) -> int:  # noqa: F811
    ingest(finance, dossiers(10))
    response = finance.post("/api/v1/billing/runs", json={"period": "2026-10"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["invoice_ids"][0]


def signatures(runtime, invoice_id):
    with runtime.db.control_session() as session:
        return session.scalars(select(InvoiceSignature).where(InvoiceSignature.invoice_id == invoice_id)).all()


def audit_lines(runtime, invoice_id):
    with runtime.db.control_session() as session:
        query = select(AuditEvent).where(
            AuditEvent.action == "billing.invoice_signed", AuditEvent.target == f"invoice:{invoice_id}"
        )
        return session.scalars(query).all()


def pdfsig(pdf: bytes) -> str:
    if not shutil.which("pdfsig"):
        pytest.skip("pdfsig is not installed (apt-get install -y poppler-utils)")
    path = Path(tempfile.mkdtemp(prefix="motcua-pdfsig-")) / "invoice.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, timeout=60)
    return run.stdout + run.stderr


def test_finance_signs_a_finalized_invoice_and_the_pdf_is_the_signed_one(
    finance,  # noqa: F811
    contract,  # noqa: F811
    vendor_keys,
    ca,
    runtime,
):
    invoice_id = draft_invoice(finance)
    draft = finance.post(f"/api/v1/billing/invoices/{invoice_id}/sign")
    assert draft.status_code == 409  # a draft still changes
    assert signatures(runtime, invoice_id) == [] and audit_lines(runtime, invoice_id) == []

    assert finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize").status_code == 200
    signed = finance.post(f"/api/v1/billing/invoices/{invoice_id}/sign")
    assert signed.status_code == 200, signed.get_json()
    body = signed.get_json()
    assert body["signer_fingerprint"] == ca.seal.asn1.sha256.hex() and body["signed_by"]

    pdf = finance.get(f"/api/v1/billing/invoices/{invoice_id}/pdf").data
    assert pdf.startswith(b"%PDF-")
    (report,) = verify(pdf, TrustList.from_file(ca.trust_list))
    assert report.intact and report.valid and report.trusted and report.covers_whole_document
    assert report.signer.name == ca.seal.name
    assert "Signature Validation: Signature is Valid." in pdfsig(pdf)
    assert hashlib.sha256(pdf).hexdigest() == body["sha256"]
    assert len(audit_lines(runtime, invoice_id)) == 1
    context = CliContext()
    context._runtime = runtime
    written = Path(tempfile.mkdtemp(prefix="motcua-invoice-")) / "invoice.pdf"
    cli = CliRunner().invoke(main, ["billing", "pdf", str(invoice_id), "-o", str(written)], obj=context)
    assert cli.exit_code == 0, cli.output
    assert written.read_bytes() == pdf  # the command line writes the signed file too

    again = finance.post(f"/api/v1/billing/invoices/{invoice_id}/sign")
    assert again.status_code == 409
    assert len(signatures(runtime, invoice_id)) == 1 and len(audit_lines(runtime, invoice_id)) == 1


def test_only_finance_signs_and_only_with_a_vendor_key(
    app,
    seeded,
    finance,  # noqa: F811
    contract,  # noqa: F811
    runtime,
    monkeypatch,
    vendor_keys,
):
    invoice_id = draft_invoice(finance)
    assert finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize").status_code == 200
    for role in ("operator",):
        other = HostClient(app, TEST_BASE_DOMAIN, seeded["platform"].tokens[role])
        assert other.post(f"/api/v1/billing/invoices/{invoice_id}/sign").status_code == 403
    admin = HostClient(app, TEST_BASE_DOMAIN, seeded["platform"].admin_token)
    assert admin.post(f"/api/v1/billing/invoices/{invoice_id}/sign").status_code == 403
    province = HostClient(app, seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    assert province.post(f"/api/v1/billing/invoices/{invoice_id}/sign").status_code in (403, 404)

    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(signing_keys_dir=None))
    unset = finance.post(f"/api/v1/billing/invoices/{invoice_id}/sign")
    assert unset.status_code == 404  # not set up: said so, nothing stored
    assert signatures(runtime, invoice_id) == [] and audit_lines(runtime, invoice_id) == []
    rendered = finance.get(f"/api/v1/billing/invoices/{invoice_id}/pdf").data
    assert verify(rendered, TrustList()) == []  # still the unsigned rendering


def console_log_in(host_client, email: str):
    client = host_client(TEST_BASE_DOMAIN)
    response = submit(
        client,
        "/operator/login",
        {"email": email, "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": fresh_address()},
    )
    assert response.status_code == 303, words(response)
    return client


def test_finance_signs_from_the_operator_console_and_the_admin_sees_no_button(
    host_client,
    finance,  # noqa: F811
    contract,  # noqa: F811
    vendor_keys,
    runtime,
    ca,
):
    invoice_id = draft_invoice(finance)
    assert finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize").status_code == 200
    page_path = f"/operator/finance/invoices/{invoice_id}"

    admin = console_log_in(host_client, "admin@vendor.test")
    assert "Sign with the vendor's seal" not in words(admin.get(page_path))
    shown = admin.get(page_path).get_data(as_text=True)
    refused = admin.post(f"{page_path}/sign", data={"csrf_token": csrf_token(shown)})
    assert refused.status_code == 403 and signatures(runtime, invoice_id) == []

    office = console_log_in(host_client, "finance@vendor.test")
    page = office.get(page_path)
    assert "Sign with the vendor's seal" in words(page)
    signed = office.post(f"{page_path}/sign", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert signed.status_code == 303
    after = words(office.get(page_path))
    assert "The invoice is signed" in after and f"Signed with the seal of {ca.seal.name}" in after
    assert "Sign with the vendor's seal" not in after
    (report,) = verify(office.get(f"{page_path}/pdf").data, TrustList.from_file(ca.trust_list))
    assert report.good or report.notes, report.reasons
    assert report.intact and report.trusted
