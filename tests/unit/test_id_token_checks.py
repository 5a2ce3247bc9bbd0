"""Every check of an ID token (OpenID Connect Core §3.1.3.7) on tokens made here with PyJWT, each wrong in
one way: the functional tests show the real provider's tokens pass and the ones a test can make it issue
wrong fail; these cover what no honest provider issues (alg none, an HMAC signed with the public key,
another audience, several audiences without azp…)."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from motcua_onestop.citizens.national_sign_in.protocol import SignInRefused, _challenge, check_id_token

ISSUER = "https://sso.dichvucong.gov.vn"
CLIENT = "motcua-daklak"
NONCE = "n-0S6_WzA2Mj"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def jwk(key, kid: str) -> dict:
    public = key.public_key()
    algorithm = jwt.algorithms.RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else jwt.algorithms.ECAlgorithm
    return {**json.loads(algorithm.to_jwk(public)), "kid": kid, "use": "sig"}


KEYS = {"keys": [jwk(KEY, "k1"), jwk(EC_KEY, "k2")]}


def claims(**changes) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "sub": "vneid-123", "aud": CLIENT, "iat": now, "exp": now + 300, "nonce": NONCE}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def token(payload: dict | None = None, key=KEY, kid: str = "k1", algorithm: str = "RS256") -> str:
    return jwt.encode(payload or claims(), key, algorithm=algorithm, headers={"kid": kid})


def check(raw: str, nonce: str = NONCE, keys: dict = KEYS) -> dict:
    return check_id_token(raw, keys, issuer=ISSUER, client_id=CLIENT, nonce=nonce, clock_skew=0)


def refused(raw: str, **kwargs) -> str:
    with pytest.raises(SignInRefused) as caught:
        check(raw, **kwargs)
    return caught.value.reason


def test_a_good_token_passes_with_rsa_and_with_ec_keys():
    assert check(token())["sub"] == "vneid-123"
    assert check(token(key=EC_KEY, kid="k2", algorithm="ES256"))["nonce"] == NONCE


def test_several_audiences_need_azp_naming_us():
    assert check(token(claims(aud=[CLIENT, "other"], azp=CLIENT)))["azp"] == CLIENT
    assert refused(token(claims(aud=[CLIENT, "other"]))) == "authorized_party"
    assert refused(token(claims(aud=[CLIENT, "other"], azp="other"))) == "authorized_party"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iss": "https://evil.example"}, "issuer"),
        ({"aud": "another-client"}, "audience"),
        ({"exp": -1}, "expired"),  # seconds from now (the claims are made when the test runs, not collected)
        ({"nbf": 600}, "not_yet_valid"),
        ({"nonce": "another"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"exp": None}, "claims"),
        ({"iat": None}, "claims"),
        ({"sub": None}, "claims"),
        ({"sub": ""}, "subject"),
    ],
)
def test_each_wrong_claim_is_refused(changes, reason):
    now = int(time.time())
    timed = {k: now + v if k in ("exp", "nbf") and v is not None else v for k, v in changes.items()}
    assert refused(token(claims(**timed))) == reason


def test_a_token_signed_by_another_key_under_the_same_key_id_is_refused():
    assert refused(token(key=OTHER_KEY)) == "signature"


def test_a_key_id_the_provider_does_not_publish_is_refused():
    assert refused(token(kid="k9")) == "key_not_found"


def test_unsigned_and_hmac_tokens_are_refused_by_their_algorithm():
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": "k1"}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(claims()).encode()).rstrip(b"=")
    assert refused((header + b"." + body + b".").decode()) == "algorithm"
    # the classic confusion signs with the provider's public key as the HMAC secret; any HMAC is refused
    public_pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256)
    head = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": "k1"}).encode()).rstrip(b"=")
    signature = base64.urlsafe_b64encode(signing.sign(head + b"." + body, public_pem)).rstrip(b"=")
    assert refused((head + b"." + body + b"." + signature).decode()) == "algorithm"


def test_a_tampered_payload_fails_the_signature():
    head, _body, signature = token().split(".")
    other = base64.urlsafe_b64encode(json.dumps(claims(sub="someone-else")).encode()).rstrip(b"=").decode()
    assert refused(f"{head}.{other}.{signature}") == "signature"


def test_garbage_is_refused_as_malformed():
    assert refused("not.a.token") == "malformed"
    assert refused("") == "malformed"


def test_the_pkce_challenge_is_rfc_7636s_example():
    # RFC 7636 Appendix B
    assert _challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.mark.parametrize(
    "issuer",
    [
        "http://sso.example.vn",
        "https://127.0.0.1:8443",
        "https://10.1.2.3",
        "https://169.254.169.254",
        "https://localhost",
    ],
)
def test_a_provider_inside_our_own_networks_or_without_https_is_never_called(issuer):
    from motcua_onestop.citizens.national_sign_in.protocol import Client, discover

    with pytest.raises(SignInRefused) as caught:
        discover(Client(issuer, CLIENT, "secret-secret", "openid", local=False))
    assert caught.value.reason == "issuer_url"


def test_without_a_key_id_each_published_key_of_the_type_is_tried():
    rotating = {"keys": [jwk(OTHER_KEY, "old"), jwk(KEY, "new")]}
    raw = jwt.encode(claims(), KEY, algorithm="RS256")  # no kid in the header
    assert check(raw, keys=rotating)["sub"] == "vneid-123"
    assert refused(jwt.encode(claims(), EC_KEY, algorithm="ES256"), keys=rotating) == "key_not_found"


def test_a_present_azp_must_name_us_even_with_one_audience():
    assert refused(token(claims(azp="another-client"))) == "authorized_party"


def test_a_key_set_that_is_not_one_and_odd_headers_are_refused_not_errors():
    assert refused(token(), keys={"keys": {"k1": "x"}}) == "jwks_not_json"
    assert refused(token(), keys={}) == "jwks_not_json"
    head = base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "kid": 5}).encode()).rstrip(b"=").decode()
    body = token().split(".", 2)[1]
    assert refused(f"{head}.{body}.c2ln") == "malformed"  # a key id that is not a string


def pending(**changes):
    from motcua_onestop.citizens.national_sign_in.protocol import Pending

    base = {
        "tenant": "daklak",
        "issuer": ISSUER,
        "client_id": CLIENT,
        "state": "s" * 43,
        "nonce": NONCE,
        "verifier": "v" * 86,
        "started_at": int(time.time()),
        "next_url": "/my/dossiers",
    }
    return Pending(**(base | changes))


def test_a_return_is_checked_against_the_sign_in_this_browser_started_here():
    from motcua_onestop.citizens.national_sign_in.protocol import Client, Pending, check_return

    client = Client(ISSUER, CLIENT, "secret-secret", "openid")

    def reason(kept, state="s" * 43, tenant="daklak"):
        with pytest.raises(SignInRefused) as caught:
            check_return(client, tenant, kept, state)
        return caught.value.reason

    assert check_return(client, "daklak", pending(), "s" * 43).nonce == NONCE
    assert reason(None) == "no_pending"
    assert reason(pending(), tenant="angiang") == "other_provider"
    assert reason(pending(issuer="https://evil.example")) == "other_provider"
    assert reason(pending(client_id="other")) == "other_provider"
    assert reason(pending(), state="t" * 43) == "state"
    assert reason(pending(), state="") == "state"
    assert reason(pending(started_at=int(time.time()) - 601)) == "pending_expired"
    # what comes back from the cookie is checked for shape: anything else is no sign-in at all
    assert Pending.from_session({"state": "x"}) is None
    assert Pending.from_session(pending(started_at="1").to_session()) is None
    assert Pending.from_session("text") is None
