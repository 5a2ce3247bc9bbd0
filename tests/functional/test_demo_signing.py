"""`motcua demo`'s digital signatures (motcua_app.demo_signing, docs/demo.md#digital-signatures): the demo set-up
run for a seeded province makes a demo CA and the province's keys, registers the certificates and gives its
marriage registration signature steps; a dossier is then signed by the leader and sealed through the real HTTP
API with those keys alone, and the citizen's file verifies as trusted against the demo trust list. A second run
replaces no key and registers nothing twice; a deployment with its own keys gets no demo keys."""

from __future__ import annotations

import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import pkcs12
from dossier_support import citizen_client, intake_body, move
from motcua_app import demo_signing
from motcua_app.demo import DemoProvince, seed_signing
from motcua_onestop.catalogue.models import Procedure, ProcedureStatus
from motcua_onestop.dossiers.forms.rendering import html_to_pdf, qr_data_uri, render_html
from motcua_onestop.dossiers.forms.samples import sample_context
from motcua_platform.audit.models import TenantAuditEvent as AuditEvent
from motcua_platform.rendering.pdf import find_font
from motcua_platform.signatures.models import SigningCertificate
from motcua_platform.signatures.settings import verify_document
from portal_support import words
from sqlalchemy import func, select
from test_signing_workflow import claim_and_complete, download, sign, step_post, upload_result, version_of

AGENCY = "UBND tỉnh Alpha"
LEADER = "commune_admin@alpha.test"  # tenant_admin of commune A: the leader of the seeded province


@pytest.fixture(scope="module")
def result_pdf() -> bytes:
    context = sample_context("01")
    context["qr"] = qr_data_uri(context["tracking_url"])
    return html_to_pdf(render_html("01", context), find_font(), title="Kết quả", creator="Motcua Cloud")


def set_up(runtime, folder):
    return demo_signing.set_up(runtime, folder, "alpha", agency=AGENCY, leader_email=LEADER)


def certificate(p12) -> x509.Certificate:
    passphrase = p12.with_suffix(".passphrase").read_bytes()
    return pkcs12.load_key_and_certificates(p12.read_bytes(), passphrase)[1]


def register_and_audit(runtime):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        rows = [
            (row.purpose, row.staff_id, row.fingerprint, row.subject)
            for row in session.scalars(select(SigningCertificate).order_by(SigningCertificate.id))
        ]
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("signing.%") | (AuditEvent.target == "procedure:1.000894"))
            .order_by(AuditEvent.id)
        ).all()
        workflow = session.scalars(
            select(Procedure.workflow).where(
                Procedure.code == "1.000894", Procedure.status == ProcedureStatus.PUBLISHED
            )
        ).one()
        return rows, actions, workflow


def test_the_demo_keys_sign_a_result_through_the_api_and_verify_as_trusted(
    runtime, seeded, host_client, tmp_path, monkeypatch, result_pdf
):
    folder = tmp_path / "demo-signing"
    signing = set_up(runtime, folder)
    keys = folder / "keys" / "alpha"
    assert signing.keys_dir == folder / "keys" and signing.trust_list == folder / "trust.pem"
    # keys and passphrases readable by their owner only; the root is the demo's, plainly named so
    for secret in ("seal.p12", "seal.passphrase", "leader.p12", "leader.passphrase"):
        assert stat.S_IMODE((keys / secret).stat().st_mode) == 0o600, secret
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    root = x509.load_pem_x509_certificate(signing.trust_list.read_bytes())
    assert "KHÔNG DÙNG THẬT" in root.subject.rfc4514_string()
    seal, leader = certificate(keys / "seal.p12"), certificate(keys / "leader.p12")
    assert seal.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == AGENCY
    assert seal.issuer == root.subject and leader.issuer == root.subject
    usage = leader.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign

    # registered as the demo actor: the seal, and the leader's certificate for their staff account
    rows, actions, workflow = register_and_audit(runtime)
    staff_id = seeded["alpha"].staff["commune_admin"]
    assert [(purpose, staff) for purpose, staff, _fp, _subject in rows] == [("seal", None), ("officer", staff_id)]
    assert [fp for _p, _s, fp, _subject in rows] == [
        seal.fingerprint(hashes.SHA256()).hex(),
        leader.fingerprint(hashes.SHA256()).hex(),
    ]
    assert actions == ["signing.seal_registered", "signing.officer_certificate_registered", "procedure.revise"]
    assert [(step["role"], step.get("signature")) for step in workflow[2:]] == [
        ("tenant_admin", "personal"),
        ("officer", "seal"),
    ]

    # twice: the same keys, nothing registered or revised again
    before = {path.name: path.read_bytes() for path in keys.iterdir()}
    root_key = (folder / "ca" / "root.key").read_bytes()
    set_up(runtime, folder)
    assert {path.name: path.read_bytes() for path in keys.iterdir()} == before
    assert (folder / "ca" / "root.key").read_bytes() == root_key
    assert register_and_audit(runtime) == (rows, actions, workflow)

    # the served demo's configuration: these keys, this trust list
    config = runtime.config.with_overrides(signing_keys_dir=signing.keys_dir, signing_trust_list=signing.trust_list)
    monkeypatch.setattr(runtime, "config", config)

    # a citizen's online marriage registration, taken through its steps over the API
    citizen = citizen_client(host_client, seeded)
    submitted = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    assert submitted.status_code == 201, submitted.get_json()
    code = submitted.get_json()["code"]
    clerk = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    boss = host_client(seeded["alpha"].host, seeded["alpha"].tokens["commune_admin"])
    assert move(clerk, code, 2, 1).status_code == 200
    assert move(clerk, code, 4, 2).status_code == 200
    claim_and_complete(clerk, code, "Hồ sơ đủ")
    claim_and_complete(clerk, code, "Đã thẩm định, trình lãnh đạo")
    token = upload_result(clerk, code, result_pdf)["verify_token"]

    assert step_post(boss, code, "current/claim", version_of(boss, code)).status_code == 200
    signed = sign(boss, code, 2)
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["steps"][2]["signed"]["fingerprint"] == leader.fingerprint(hashes.SHA256()).hex()
    assert step_post(boss, code, "current/complete", version_of(boss, code), comment="Đồng ý").status_code == 200
    assert step_post(clerk, code, "current/claim", version_of(clerk, code)).status_code == 200
    sealed = sign(clerk, code, 3)
    assert sealed.status_code == 200, sealed.get_json()
    assert step_post(clerk, code, "current/complete", version_of(clerk, code), comment="Đã đóng dấu").status_code == 200
    assert move(clerk, code, 9, version_of(clerk, code)).status_code == 200
    assert move(clerk, code, 10, version_of(clerk, code)).status_code == 200

    # the citizen's file: two signatures, both good against the demo trust list
    listed = citizen.get(f"/api/v1/dossiers/{code}/documents").get_json()
    current = [d for d in listed if d["kind"] == "result" and d["superseded_at"] is None]
    pdf = download(citizen, current[0]["download"])
    reports = verify_document(runtime.config, pdf)
    assert [r.signer.fingerprint for r in reports] == [
        leader.fingerprint(hashes.SHA256()).hex(),
        seal.fingerprint(hashes.SHA256()).hex(),
    ]
    assert all(r.intact and r.valid and r.trusted and not r.revoked for r in reports), [r.reasons for r in reports]
    assert reports[1].good and reports[1].covers_whole_document
    # the public page of its QR link says so
    page = words(host_client(seeded["alpha"].host).get(f"/verify/{token}"))
    assert f"Signed by {AGENCY} and not changed since it was signed" in page and code in page

    # the demo CA is trusted nowhere else: against an empty trust list the same file is untrusted
    untrusted = verify_document(runtime.config.with_overrides(signing_trust_list=None), pdf)
    assert not any(r.trusted for r in untrusted)


def test_the_demo_adds_no_keys_to_a_deployment_that_has_its_own(runtime, seeded, tmp_path, monkeypatch):
    own = tmp_path / "own-keys"
    own.mkdir()
    config = runtime.config.with_overrides(signing_keys_dir=own, instance_path=tmp_path / "instance")
    monkeypatch.setattr(runtime, "config", config)
    province = DemoProvince("alpha", "Tỉnh Alpha", "A01", "Alpha", ())
    assert seed_signing(runtime, [province]) is None
    assert runtime.config is config and not (tmp_path / "instance").exists() and not any(own.iterdir())
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        assert session.scalar(select(func.count()).select_from(SigningCertificate)) == 0


def test_the_demo_points_the_runtime_and_the_servers_environment_at_its_keys(runtime, seeded, tmp_path, monkeypatch):
    """Without keys of the deployment's own, `motcua demo` uses its demo keys: the runtime's configuration and
    the environment `motcua run` hands to gunicorn's workers and the job worker name them."""
    from motcua_platform.audit.services import cli_actor
    from motcua_platform.auth import services as auth_services
    from motcua_platform.auth.models import StaffRoleName
    from motcua_platform.config import load_config

    for name in ("MOTCUA_SIGNING_KEYS_DIR", "MOTCUA_SIGNING_TRUST_LIST"):
        monkeypatch.delenv(name, raising=False)  # and restored as it was after the test
    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(instance_path=tmp_path / "instance"))
    province = DemoProvince("alpha", "Tỉnh Alpha", "A01", "Alpha", ())
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:  # the demo's leader, as on a demo
        auth_services.create_staff(
            session,
            cli_actor(),
            email="quantri@alpha.gov.vn",
            full_name="Quản trị Tỉnh Alpha",
            password="Sen-hong-giua-dam-48",
            roles=[(StaffRoleName.TENANT_ADMIN, seeded["alpha"].units["root"])],
            site=("alpha", "Tỉnh Alpha"),
        )
        session.commit()
    signing = seed_signing(runtime, [province])
    assert signing.keys_dir == (tmp_path / "instance").resolve() / "demo-signing" / "keys"
    assert runtime.config.signing_keys_dir == signing.keys_dir
    assert runtime.config.signing_trust_list == signing.trust_list
    served = load_config()  # what a process started with this environment reads
    assert served.signing_keys_dir == signing.keys_dir and served.signing_trust_list == signing.trust_list
    assert '[officers."quantri@alpha.gov.vn"]' in (signing.keys_dir / "alpha" / "signing.toml").read_text()


def test_keys_of_a_demo_ca_made_again_are_renewed_and_registered(runtime, seeded, tmp_path):
    """The demo CA's folder deleted (or a certificate near its end): the next run makes new keys from the CA it
    has, and registers them; the new seal retires the old one, whose signatures are still recognised."""
    folder = tmp_path / "demo-signing"
    set_up(runtime, folder)
    old_seal = certificate(folder / "keys" / "alpha" / "seal.p12")
    for path in (folder / "ca").iterdir():
        path.unlink()
    signing = set_up(runtime, folder)
    root = x509.load_pem_x509_certificate(signing.trust_list.read_bytes())
    seal = certificate(folder / "keys" / "alpha" / "seal.p12")
    leader = certificate(folder / "keys" / "alpha" / "leader.p12")
    assert seal != old_seal
    seal.verify_directly_issued_by(root)
    leader.verify_directly_issued_by(root)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        rows = session.scalars(select(SigningCertificate).order_by(SigningCertificate.id)).all()
        assert [(row.purpose, row.retired_at is None) for row in rows] == [
            ("seal", False),
            ("officer", True),
            ("seal", True),
            ("officer", True),
        ]
        assert rows[2].fingerprint == seal.fingerprint(hashes.SHA256()).hex()


def test_a_run_stopped_between_a_key_and_its_passphrase_is_mended_by_the_next(runtime, seeded, tmp_path):
    """The passphrase file no longer opens the key (a run killed between writing the two): the next run makes
    the pair again and registers it, instead of failing on every later `motcua demo`."""
    folder = tmp_path / "demo-signing"
    set_up(runtime, folder)
    seal_file = folder / "keys" / "alpha" / "seal.p12"
    before = certificate(seal_file)
    seal_file.with_suffix(".passphrase").write_bytes(b"not-the-passphrase")
    set_up(runtime, folder)
    after = certificate(seal_file)
    assert after != before
    assert not list(folder.rglob(".*.partial"))  # every file written whole
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        active = session.scalars(
            select(SigningCertificate.fingerprint).where(
                SigningCertificate.purpose == "seal", SigningCertificate.retired_at.is_(None)
            )
        ).all()
    assert active == [after.fingerprint(hashes.SHA256()).hex()]
