"""The register of signing certificates in the console (/console/signing-certificates), through the test
client and the session cookie as a browser: the province's tenant admin registers the seal's certificate
from a file and an officer's from pasted PEM, sees them listed (the seal first, the officer by name) and
retires one after a confirmation page; a refusal is shown beside its field, the pasted text kept, nothing
written; nobody else opens the page. Checked through the API the page shares its registry with."""

from __future__ import annotations

import io
import re

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from portal_support import console_client, csrf_token, text, words
from signing_ca import SigningCA

PAGE = "/console/signing-certificates"
MULTIPART = {"content_type": "multipart/form-data"}


@pytest.fixture(scope="module")
def ca() -> SigningCA:
    return SigningCA("http://127.0.0.1:9")


@pytest.fixture
def admin(host_client, seeded):
    return console_client(host_client, seeded["alpha"].host, "admin@alpha.test")


def post(client, action: str, data: dict):
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    return client.post(action, data={**data, "csrf_token": token}, **MULTIPART)


def register(alpha) -> list[dict]:
    return alpha.get("/api/v1/signing-certificates").get_json()


def audit(alpha, action: str) -> list[dict]:
    return alpha.get("/api/v1/tenant-audit", query_string={"action": action}).get_json()


def test_register_the_seal_and_an_officer_then_retire_one(admin, alpha, seeded, ca):
    assert "No certificate of the agency’s seal is in use" in text(admin.get(PAGE))
    sealed = post(
        admin, f"{PAGE}/seal", {"seal_file": (io.BytesIO(ca.seal.asn1.dump()), "con-dau.cer"), "seal_pem": ""}
    )
    assert sealed.status_code == 303, text(sealed)
    officer_id = seeded["alpha"].staff["officer"]
    made = post(admin, f"{PAGE}/officer", {"staff_id": str(officer_id), "officer_pem": ca.officer.pem.decode()})
    assert made.status_code == 303, text(made)

    rows = register(alpha)
    assert [(row["purpose"], row["staff_id"]) for row in rows] == [("seal", None), ("officer", officer_id)]
    page = admin.get(made.headers["Location"])
    shown = words(page)
    assert "The certificate of officer Tỉnh Alpha is registered" in shown
    listed = shown[shown.index("Registered certificates") : shown.index("Register the seal’s certificate")]
    assert listed.index("The agency’s seal") < listed.index("officer Tỉnh Alpha In use officer@alpha.test")
    assert rows[0]["fingerprint"] in shown and "Nguyễn Thị Minh Hằng" in shown
    assert "No certificate of the agency’s seal is in use" not in shown

    retire = f"{PAGE}/{rows[1]['id']}/retire"
    assert f'href="{retire}"' in page.get_data(as_text=True)
    asked = admin.get(retire)
    assert asked.status_code == 200 and "Retire this certificate?" in words(asked)
    assert register(alpha)[1]["active"] is True  # asking changes nothing
    done = admin.post(retire, data={"csrf_token": csrf_token(asked.get_data(as_text=True))})
    assert done.status_code == 303
    assert [row["active"] for row in register(alpha)] == [True, False]
    after = admin.get(done.headers["Location"])
    assert "is retired" in words(after) and f'href="{retire}"' not in after.get_data(as_text=True)
    assert admin.get(retire).status_code == 303  # a retired one is not asked about again
    assert len(audit(alpha, "signing.seal_registered")) == 1
    assert len(audit(alpha, "signing.officer_certificate_registered")) == 1
    assert [e["target"] for e in audit(alpha, "signing.certificate_retired")] == [
        f"signing_certificate:{rows[1]['id']}"
    ]
    trail = words(admin.get("/console/admin/audit"))  # the province's audit trail page says what happened
    for said in (
        "Registered the seal’s signing certificate",
        "Registered an officer’s signing certificate",
        "Retired a signing certificate",
    ):
        assert said in trail, said


def field_error(response, name: str) -> str:
    match = re.search(rf'<p class="error-message" id="error-{name}">(.*?)</p>', text(response), re.S)
    assert match, f"no error beside {name}"
    return match.group(1).strip()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"seal_file": (io.BytesIO(b"not a certificate"), "con-dau.pem")}, "This is not an X.509 certificate"),
        ({"seal_pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}, "This is not an X.509"),
        ({"seal_pem": "expired"}, "This certificate expired on"),
        ({"seal_pem": "key"}, "This holds a private key: never give it to the platform."),
        ({"seal_file": "key"}, "This holds a private key: never give it to the platform."),
        ({"seal_file": "bad", "seal_pem": "key"}, "This is not an X.509 certificate"),
        ({}, "Choose the certificate file, or paste its PEM text."),
    ],
)
def test_a_bad_seal_certificate_is_refused_beside_its_field(admin, alpha, ca, form, message):
    key = ca.seal.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    if form.get("seal_file") == "bad":  # a file refused, with a key pasted beside it: the file is used
        form = {"seal_file": (io.BytesIO(b"not a certificate"), "con-dau.pem"), "seal_pem": key.decode()}
    elif form.get("seal_pem") == "expired":
        form = {"seal_pem": ca.expired.pem.decode()}
    elif form.get("seal_pem") == "key":  # a key and its certificate, as a .pem bundle often holds them
        form = {"seal_pem": (key + ca.seal.pem).decode()}
    elif form.get("seal_file") == "key":
        form = {"seal_file": (io.BytesIO(key + ca.seal.pem), "con-dau.pem")}
    refused = post(admin, f"{PAGE}/seal", form)
    assert refused.status_code == 422
    name = "seal_file" if form.get("seal_file") or not form.get("seal_pem") else "seal_pem"
    assert field_error(refused, name).startswith(message)
    assert 'class="error-summary"' in text(refused)
    if form.get("seal_pem") and "PRIVATE KEY" not in form["seal_pem"]:  # the pasted text is kept
        assert form["seal_pem"].strip() in text(refused)
    assert "PRIVATE KEY" not in text(refused)  # a key given by mistake is never written back into the page
    assert register(alpha) == [] and audit(alpha, "signing.seal_registered") == []


def test_an_officer_form_without_a_staff_member_or_already_registered(admin, alpha, seeded, ca):
    pem = ca.officer.pem.decode()
    missing = post(admin, f"{PAGE}/officer", {"staff_id": "", "officer_pem": pem})
    assert missing.status_code == 422
    assert field_error(missing, "staff_id") == "Choose the staff member who signs with this certificate."
    assert pem.strip() in text(missing)
    assert register(alpha) == []

    post(admin, f"{PAGE}/seal", {"seal_pem": ca.seal.pem.decode()})
    twice = post(
        admin,
        f"{PAGE}/officer",
        {"staff_id": str(seeded["alpha"].staff["officer"]), "officer_pem": ca.seal.pem.decode()},
    )
    assert twice.status_code == 409
    assert field_error(twice, "officer_pem") == "This certificate is already registered."
    assert f'<option value="{seeded["alpha"].staff["officer"]}" selected>' in text(twice)  # the choice is kept
    assert len(register(alpha)) == 1


def test_only_the_province_admin_opens_it_and_in_vietnamese_first(host_client, seeded, ca):
    anonymous = host_client(seeded["alpha"].host)
    assert anonymous.get(PAGE).headers["Location"].startswith("/console/login?next=")
    for who in ("officer", "commune_admin", "finance"):
        client = console_client(host_client, seeded["alpha"].host, f"{who}@alpha.test")
        assert client.get(PAGE).status_code == 403, who
        assert client.get(f"{PAGE}/1/retire").status_code == 403, who
        token = csrf_token(client.get("/console/password").get_data(as_text=True))
        refused = client.post(f"{PAGE}/seal", data={"csrf_token": token, "seal_pem": ca.seal.pem.decode()})
        assert refused.status_code == 403, who
        assert "Signing certificates" not in words(client.get("/console/password"))
    admin_vi = console_client(host_client, seeded["alpha"].host, "admin@alpha.test")
    admin_vi.language = "vi"
    shown = words(admin_vi.get(PAGE))
    assert "Chứng thư số ký" in shown and "Signing certificates" not in shown
