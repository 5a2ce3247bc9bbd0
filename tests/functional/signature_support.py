"""The tests' certificate authority (tests/signing_ca.py) and signed copies of a real form, shared by the tests
of uploads' signature checks, the public verification page and invoice signing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from motcua_onestop.dossiers.forms.rendering import html_to_pdf, qr_data_uri, render_html
from motcua_onestop.dossiers.forms.samples import sample_context
from motcua_platform.rendering.pdf import find_font
from motcua_platform.signatures.pkcs12 import Pkcs12Signer
from motcua_platform.signatures.stamp import StampText
from pytest_httpserver import HTTPServer
from signing_ca import PASSPHRASE, SigningCA
from sqlalchemy import text

AGENCY = "UBND tỉnh Đắk Lắk"


@pytest.fixture(scope="module")
def ca_server():
    """The CA's HTTP server (CRLs, a timestamp authority), on its own so no other test clears its answers."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture(scope="module")
def ca(ca_server) -> SigningCA:
    authority = SigningCA(ca_server.url_for("/"))
    authority.serve(ca_server)
    return authority


@pytest.fixture(scope="module")
def receipt() -> bytes:
    context = sample_context("01")
    context["qr"] = qr_data_uri(context["tracking_url"])
    return html_to_pdf(render_html("01", context), find_font(), title="Mẫu 01", creator="Motcua Cloud")


def sign(pdf: bytes, issued, field_name: str = "Signature1") -> bytes:
    return Pkcs12Signer(issued.p12, lambda: PASSPHRASE).sign(
        pdf, stamp=StampText(signer=issued.name, agency=AGENCY), field_name=field_name, reason="Ký số"
    )


def tampered(signed: bytes) -> bytes:
    """One byte of the signed content changed (in the document's title), the length kept."""
    position = signed.index(b"/Title") + 2
    return signed[:position] + bytes([signed[position] ^ 0x01]) + signed[position + 1 :]


def deferred(runtime, task_name: str) -> list[dict]:
    """The arguments of the jobs ``task_name`` waiting in the queue (procrastinate's table), oldest first."""
    with runtime.db.engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT args FROM procrastinate.procrastinate_jobs WHERE task_name = :task AND status = 'todo' "
                    "ORDER BY id"
                ),
                {"task": task_name},
            ).scalars()
        )


def run_job(runtime, task, **args) -> None:
    """Run a job's function as the worker would (its context carries the runtime)."""
    task.func(SimpleNamespace(additional_context={"runtime": runtime}), **args)
