"""``motcua documents check-signatures``: PDFs stored before uploads were checked (their check SQL NULL, as the
rows written before the column existed) get their check, through the real CLI over the real database and the
tests' CA; the officer's page and the public verification page then say who signed them. Images keep none, a
re-run changes nothing, a missing file is named and the others are still checked."""

from __future__ import annotations

import json

import pytest
import signature_support
from click.testing import CliRunner
from dossier_support import intake_body, move
from motcua_onestop.dossiers.documents.models import DossierDocument
from motcua_platform.cli import CliContext, main
from motcua_platform.storage.services import tenant_objects
from portal_support import words
from signature_support import sign, tampered
from sqlalchemy import select, update
from test_signature_verification import PNG, upload

ca_server, ca, receipt = signature_support.ca_server, signature_support.ca, signature_support.receipt


@pytest.fixture
def trusting(runtime, ca, monkeypatch):
    config = runtime.config.with_overrides(signing_trust_list=ca.trust_list, signing_fetch_revocation=True)
    monkeypatch.setattr(runtime, "config", config)
    return config


@pytest.fixture
def motcua(runtime):
    context = CliContext()
    context._runtime = runtime

    def invoke(*args):
        return CliRunner().invoke(main, ["documents", *args], obj=context, catch_exceptions=False)

    return invoke


@pytest.fixture
def stored_before(runtime, host_client, seeded, trusting, receipt, ca):
    """A dossier with a signed result, a signed PDF, a tampered one, an unsigned one and an image, all stored
    as before checks existed (check NULL, the result without a public link); their ids by name."""
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    response = officer.post("/api/v1/dossiers", json=intake_body(seeded))
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["code"]
    signed = sign(receipt, ca.seal)
    ids = {  # the procedure has two components: the later upload of each supersedes the earlier, both kept
        "unsigned": upload(officer, code, receipt, component="0")["id"],
        "image": upload(officer, code, PNG, name="anh.png", component="1")["id"],
        "signed": upload(officer, code, sign(receipt, ca.officer), component="0")["id"],
        "tampered": upload(officer, code, tampered(signed), component="1")["id"],
    }
    assert move(officer, code, 4, version_of(officer, code)).status_code == 200
    result = upload(officer, code, signed, kind="result", component="")
    ids["result"] = result["id"]
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        session.execute(
            update(DossierDocument).where(DossierDocument.id.in_(ids.values())).values(signature_check=None)
        )
        # a result stored before results had a public link
        session.execute(update(DossierDocument).where(DossierDocument.id == ids["result"]).values(verify_token=None))
        session.commit()
    return code, ids


def version_of(client, code) -> int:
    return client.get(f"/api/v1/dossiers/{code}").get_json()["version"]


def checks(runtime, ids: dict[str, int]) -> dict[str, dict | None]:
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        rows = session.execute(
            select(DossierDocument.id, DossierDocument.signature_check).where(DossierDocument.id.in_(ids.values()))
        ).all()
    by_id = dict(rows)
    return {name: by_id[document_id] for name, document_id in ids.items()}


def token_of(runtime, document_id: int) -> str | None:
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        return session.get(DossierDocument, document_id).verify_token


def test_older_pdfs_get_their_check_and_results_their_link(runtime, host_client, seeded, ca, motcua, stored_before):
    code, ids = stored_before
    assert all(check is None for check in checks(runtime, ids).values())
    assert token_of(runtime, ids["result"]) is None

    run = motcua("check-signatures", "alpha", "--json")
    assert run.exit_code == 0, run.output + run.stderr
    line = json.loads(run.stdout)
    assert line["tenant"] == "alpha" and line["unreadable"] == [] and line["linked"] >= 1
    assert line["checked"] >= 4 and line["by_summary"]["good"] >= 2 and line["by_summary"]["none"] >= 1

    after = checks(runtime, ids)
    assert after["image"] is None  # an image carries no signature: it keeps no check
    assert [s["fingerprint"] for s in after["signed"]["signatures"]] == [ca.officer.asn1.sha256.hex()]
    assert [s["signer"] for s in after["result"]["signatures"]] == [ca.seal.name]
    assert all(s["good"] and s["trusted"] for s in after["signed"]["signatures"] + after["result"]["signatures"])
    assert after["unsigned"]["signatures"] == []
    [broken] = after["tampered"]["signatures"]
    assert not broken["good"] and "broken" in broken["problems"]
    assert {c["state"] for name, c in after.items() if c} == {"checked"}  # fetched now: final

    token = token_of(runtime, ids["result"])
    assert token and len(token) == 43
    page = words(host_client(seeded["alpha"].host).get(f"/verify/{token}"))
    assert "Signed by UBND tỉnh Đắk Lắk" in page and code in page

    again = motcua("check-signatures", "alpha", "--json")  # nothing left of these: nothing changes
    assert again.exit_code == 0
    assert checks(runtime, ids) == after and token_of(runtime, ids["result"]) == token


def test_a_missing_file_is_named_and_the_others_are_still_checked(runtime, motcua, stored_before):
    _code, ids = stored_before
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        key = session.get(DossierDocument, ids["signed"]).storage_key
    tenant_objects(runtime.config, "alpha").delete(key)

    run = motcua("check-signatures", "alpha")
    assert run.exit_code == 1
    assert f"document {ids['signed']} could not be read: the file is missing from storage" in run.stderr
    assert run.stdout.startswith("alpha: checked ")
    after = checks(runtime, ids)
    assert after["signed"] is None  # left for a later run, once the file is back
    assert after["result"] is not None and after["unsigned"] is not None and after["tampered"] is not None


def test_limit_refusals_and_no_trust_list(runtime, motcua, stored_before, monkeypatch):
    _code, ids = stored_before
    run = motcua("check-signatures", "alpha", "--limit", "1", "--json")
    assert run.exit_code == 0 and json.loads(run.stdout)["checked"] == 1  # four of ours at least were waiting
    pending = [name for name, check in checks(runtime, ids).items() if check is None and name != "image"]
    assert len(pending) >= 3

    unknown = motcua("check-signatures", "nowhere")
    assert unknown.exit_code != 0 and "nowhere" in (unknown.stderr + unknown.output)

    # without a trust list every check would say "untrusted" for good: refused before anything is written
    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(signing_trust_list=None))
    before = checks(runtime, ids)
    refused = motcua("check-signatures", "alpha")
    assert refused.exit_code != 0 and "MOTCUA_SIGNING_TRUST_LIST" in refused.stderr
    assert checks(runtime, ids) == before
