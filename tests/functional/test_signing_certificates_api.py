"""The register of signing certificates over the tenant host's API (/api/v1/signing-certificates): the
province's tenant admin registers the seal's certificate and an officer's, lists the register and retires
one; everyone else is refused and nothing is written; another province sees none of it; a certificate that
cannot sign is a 422 on the field; every change is in the province's audit trail. Certificates come from the
tests' CA (tests/signing_ca.py)."""

from __future__ import annotations

import base64

import pytest
from signing_ca import SigningCA

BASE = "/api/v1/signing-certificates"
SIGNING_ACTIONS = ("signing.seal_registered", "signing.officer_certificate_registered", "signing.certificate_retired")


@pytest.fixture(scope="module")
def ca() -> SigningCA:
    return SigningCA("http://127.0.0.1:9")  # no CRL is fetched here


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


def seal(client, pem: bytes):
    return client.post(f"{BASE}/seal", json={"certificate_pem": pem.decode()})


def officer_certificate(client, staff_id: int, pem: bytes):
    return client.post(f"{BASE}/officers", json={"staff_id": staff_id, "certificate_pem": pem.decode()})


def audit(client) -> list[dict]:
    """The province's audit events of the register, oldest first."""
    events = []
    for action in SIGNING_ACTIONS:
        response = client.get("/api/v1/tenant-audit", query_string={"action": action})
        assert response.status_code == 200, response.get_json()
        events += response.get_json()
    return sorted(events, key=lambda event: event["id"])


def test_the_admin_registers_the_seal_and_an_officer_and_lists_them(alpha, officer, seeded, ca):
    officer_id = seeded["alpha"].staff["officer"]
    made = officer_certificate(alpha, officer_id, ca.officer.pem)
    assert made.status_code == 201, made.get_json()
    sealed = seal(alpha, ca.seal.pem)
    assert sealed.status_code == 201, sealed.get_json()

    body = sealed.get_json()
    assert (body["purpose"], body["active"], body["subject"], body["staff_id"]) == (
        "seal",
        True,
        "UBND tỉnh Đắk Lắk",
        None,
    )
    assert body["fingerprint"] == ca.seal.asn1.sha256.hex()
    assert body["serial"] == format(ca.seal.cert.serial_number, "x")
    assert body["issuer"] == "Motcua Test Issuing CA" and body["organization"] == "UBND tỉnh Đắk Lắk"
    assert body["valid_until"].startswith(ca.seal.cert.not_valid_after_utc.date().isoformat())
    assert body["registered_by"].startswith(f"staff:{seeded['alpha'].staff['admin']}:") and body["retired_at"] is None
    mine = made.get_json()
    assert (mine["purpose"], mine["staff_id"], mine["staff_email"]) == ("officer", officer_id, "officer@alpha.test")
    assert mine["subject"] == "Nguyễn Thị Minh Hằng" and mine["staff_name"] == "officer Tỉnh Alpha"

    listed = alpha.get(BASE)
    assert listed.status_code == 200
    assert [(row["purpose"], row["id"]) for row in listed.get_json()] == [("seal", body["id"]), ("officer", mine["id"])]
    assert alpha.get(f"{BASE}/{mine['id']}").get_json() == mine
    # the officer reads their own, not the register
    own = officer.get(f"{BASE}/mine")
    assert own.status_code == 200 and [row["id"] for row in own.get_json()] == [mine["id"]]
    assert alpha.get(f"{BASE}/mine").get_json() == []

    events = audit(alpha)
    assert [(e["action"], e["target"]) for e in events] == [
        ("signing.officer_certificate_registered", f"signing_certificate:{mine['id']}"),
        ("signing.seal_registered", f"signing_certificate:{body['id']}"),
    ]
    assert events[0]["details"]["staff_id"] == officer_id and events[1]["details"]["fingerprint"] == body["fingerprint"]
    assert all(e["actor"].startswith(f"staff:{seeded['alpha'].staff['admin']}:") for e in events)


def test_a_der_certificate_in_base64_is_taken_too(alpha, ca):
    der = base64.b64encode(ca.seal.asn1.dump())
    response = seal(alpha, der)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["fingerprint"] == ca.seal.asn1.sha256.hex()


def test_retiring_keeps_it_listed_after_those_in_use_and_is_audited(alpha, seeded, ca):
    old = seal(alpha, ca.seal.pem).get_json()
    renewed = seal(alpha, ca.issue_signer("UBND tỉnh Đắk Lắk (2027)").pem).get_json()  # a renewal retires the old
    officer_cert = officer_certificate(alpha, seeded["alpha"].staff["officer"], ca.officer.pem).get_json()

    retired = alpha.post(f"{BASE}/{officer_cert['id']}/retire")
    assert retired.status_code == 200, retired.get_json()
    assert retired.get_json()["active"] is False and retired.get_json()["retired_at"] is not None
    again = alpha.post(f"{BASE}/{officer_cert['id']}/retire")  # nothing more happens, nor is audited
    assert again.status_code == 200 and again.get_json()["retired_at"] == retired.get_json()["retired_at"]

    rows = alpha.get(BASE).get_json()
    assert [(row["id"], row["active"]) for row in rows] == [
        (renewed["id"], True),
        (old["id"], False),
        (officer_cert["id"], False),
    ]
    retirements = [e for e in audit(alpha) if e["action"] == "signing.certificate_retired"]
    assert [e["target"] for e in retirements] == [f"signing_certificate:{officer_cert['id']}"]
    assert alpha.post(f"{BASE}/{officer_cert['id'] + 1000}/retire").status_code == 404


def test_only_the_province_admin_manages_the_register(alpha, host_client, seeded, ca):
    alpha_seeded = seeded["alpha"]
    registered = seal(alpha, ca.seal.pem).get_json()
    # an officer, the admin of a commune, the province's finance viewer
    for key in ("officer", "commune_admin", "finance"):
        client = host_client(alpha_seeded.host, alpha_seeded.tokens[key])
        assert client.get(BASE).status_code == 403, key
        assert client.get(f"{BASE}/{registered['id']}").status_code == 403, key
        assert seal(client, ca.issue_signer("Con dấu giả").pem).status_code == 403, key
        assert officer_certificate(client, alpha_seeded.staff[key], ca.officer.pem).status_code == 403, key
        assert client.post(f"{BASE}/{registered['id']}/retire").status_code == 403, key
    assert host_client(alpha_seeded.host).get(BASE).status_code == 401

    rows = alpha.get(BASE).get_json()
    assert [(row["id"], row["active"]) for row in rows] == [(registered["id"], True)]
    assert [e["action"] for e in audit(alpha)] == ["signing.seal_registered"]


def test_another_province_sees_none_of_it(alpha, beta, host_client, seeded, ca):
    registered = seal(alpha, ca.seal.pem).get_json()
    officer_certificate(alpha, seeded["alpha"].staff["officer"], ca.officer.pem)

    assert beta.get(BASE).get_json() == []
    assert beta.get(f"{BASE}/{registered['id']}").status_code == 404
    assert beta.post(f"{BASE}/{registered['id']}/retire").status_code == 404
    beta_officer = host_client(seeded["beta"].host, seeded["beta"].tokens["officer"])  # the same staff id as alpha's
    assert beta_officer.get(f"{BASE}/mine").get_json() == []
    # alpha's admin token on beta's host
    assert host_client(seeded["beta"].host, seeded["alpha"].admin_token).get(BASE).status_code == 403
    # beta may register the very same certificate in its own register
    assert seal(beta, ca.seal.pem).status_code == 201
    assert alpha.get(f"{BASE}/{registered['id']}").get_json()["active"] is True


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("garbage", "This is not an X.509 certificate (PEM or DER)."),
        ("key", "This holds a private key: never give it to the platform."),
        ("bundle", "This holds a private key: never give it to the platform."),
        ("expired", "This certificate expired on "),
        ("ca", "This certificate is not meant for signing documents."),
    ],
)
def test_what_cannot_sign_is_a_422_on_the_field_and_writes_nothing(alpha, seeded, ca, which, message):
    data = {
        "garbage": b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "key": _private_key_pem(ca),
        "bundle": ca.officer.pem + _private_key_pem(ca),  # a certificate and its key: the key is not to be sent
        "expired": ca.expired.pem,
        "ca": ca.intermediate.pem,
    }[which]
    for response in (seal(alpha, data), officer_certificate(alpha, seeded["alpha"].staff["officer"], data)):
        assert response.status_code == 422, response.get_json()
        body = response.get_json()
        assert body["message"].startswith(message)
        assert body["errors"]["certificate_pem"] == [body["message"]]
    assert alpha.get(BASE).get_json() == []
    assert audit(alpha) == []


def test_the_expired_certificate_is_refused_with_its_date_in_vietnamese(host_client, seeded, ca):
    admin_vi = host_client(seeded["alpha"].host, seeded["alpha"].admin_token, language="vi")
    response = seal(admin_vi, ca.expired.pem)
    assert response.status_code == 422
    assert ca.expired.cert.not_valid_after_utc.date().isoformat() in response.get_json()["message"]
    assert "expired" not in response.get_json()["message"]


def test_a_duplicate_or_an_unknown_account_is_refused(alpha, seeded, ca):
    assert seal(alpha, ca.seal.pem).status_code == 201
    again = officer_certificate(alpha, seeded["alpha"].staff["officer"], ca.seal.pem)
    assert again.status_code == 409 and again.get_json()["message"] == "This certificate is already registered."
    unknown = officer_certificate(alpha, 987654, ca.officer.pem)
    assert unknown.status_code == 422 and "staff_id" in unknown.get_json()["errors"]
    missing = alpha.post(f"{BASE}/seal", json={})
    assert missing.status_code == 422 and "certificate_pem" in missing.get_json()["errors"]
    assert len(alpha.get(BASE).get_json()) == 1
    assert [e["action"] for e in audit(alpha)] == ["signing.seal_registered"]


def _private_key_pem(ca: SigningCA) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return ca.officer.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
