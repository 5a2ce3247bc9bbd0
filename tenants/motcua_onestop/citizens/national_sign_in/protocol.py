"""The OpenID Connect authorization code flow with PKCE, as a client (OpenID Connect Core 1.0 §3.1,
RFC 7636): the provider's discovery document, the authorization request, the code's exchange at the token
endpoint and every check of the ID token (§3.1.3.7). No Flask and no database: the caller keeps the
``Pending`` request in the browser's session between ``begin`` and ``finish``.

Nothing the provider publishes is cached: a sign-in reads the discovery document when it starts and the
keys when it ends, so a provider's key rotation is seen at once, and sign-ins are few enough (one person at
a time, a few a second at most per province) that two small GETs each cost nothing that matters.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import http.client
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt
from motcua_platform.outbound import OPENER, internal_host

# Asymmetric signatures only: "none" would accept any token, and an HMAC algorithm would let a token be
# signed with the provider's public key as the secret.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
TIMEOUT_SECONDS = 10
PENDING_SECONDS = 600  # a sign-in not finished within ten minutes starts again
MAX_DOCUMENT = 1_000_000  # bytes of any answer read from the provider


class SignInRefused(Exception):
    """The sign-in cannot go on. ``reason`` is a short code for the audit log and the tests (state, nonce,
    signature, expired…); the person sees one plain message whatever it was."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail[:200]


@dataclass(frozen=True)
class Client:
    """What the province registered with its provider."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    local: bool = False  # the test runs' setting: a provider on http://127.0.0.1 is allowed


@dataclass(frozen=True)
class Pending:
    """A sign-in between the redirect to the provider and its return: kept in the browser's signed session
    cookie (nothing in it is secret from the browser that started it; PKCE protects the code from anyone
    else). It names the province, issuer and client it was started for, and is refused anywhere else: the
    one secret key signs every host's cookies, so a sign-in started on one province's portal (with its
    provider) must never be finished on another's. The provider's endpoints are not kept in it: they are
    read again from the province's own provider when the browser returns."""

    tenant: str
    issuer: str
    client_id: str
    state: str
    nonce: str
    verifier: str
    started_at: int  # seconds since the epoch
    next_url: str
    link_to: int | None = None  # the signed-in account that asked to link its national identity

    def to_session(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_session(cls, value: Any) -> Pending | None:
        if not isinstance(value, dict):
            return None
        try:
            pending = cls(**value)
        except TypeError:
            return None
        texts = (pending.tenant, pending.issuer, pending.client_id, pending.state, pending.nonce, pending.next_url)
        if not all(isinstance(text, str) for text in texts) or not isinstance(pending.started_at, int):
            return None
        return pending


def _url_allowed(url: str, local: bool) -> bool:
    """https, outside the platform's own networks (the server calls the token, key and userinfo endpoints:
    a province's setting must not point them at our own services); ``local`` allows http and 127.0.0.1."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:
        return False
    if parts.scheme not in (("http", "https") if local else ("https",)) or not parts.hostname:
        return False
    if parts.username is not None or parts.password is not None:
        return False
    return local or not internal_host(parts.hostname)


def _read_json(request: urllib.request.Request, what: str) -> dict:
    try:
        with OPENER.open(request, timeout=TIMEOUT_SECONDS) as answer:
            body = answer.read(MAX_DOCUMENT + 1)
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace")
        raise SignInRefused(f"{what}_http", f"{exc.code} {detail}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        raise SignInRefused(f"{what}_unreachable", str(exc)) from None
    if len(body) > MAX_DOCUMENT:
        raise SignInRefused(f"{what}_too_large")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise SignInRefused(f"{what}_not_json") from None
    if not isinstance(document, dict):
        raise SignInRefused(f"{what}_not_json")
    return document


def _get(url: str, what: str, headers: dict | None = None) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})})  # noqa: S310 - checked scheme
    return _read_json(request, what)


@dataclass(frozen=True)
class Endpoints:
    authorization: str
    token: str
    jwks: str
    userinfo: str | None


def discover(client: Client) -> Endpoints:
    """The provider's endpoints from its discovery document (OpenID Connect Discovery 1.0 §4), whose
    ``issuer`` must be the configured one exactly (§4.3)."""
    if not _url_allowed(client.issuer, client.local):
        raise SignInRefused("issuer_url")
    document = _get(client.issuer.rstrip("/") + "/.well-known/openid-configuration", "discovery")
    if document.get("issuer") != client.issuer:
        raise SignInRefused("discovery_issuer", str(document.get("issuer"))[:100])
    found = {}
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(key)
        if not isinstance(value, str) or not _url_allowed(value, client.local):
            raise SignInRefused("discovery_endpoint", key)
        found[key] = value
    userinfo = document.get("userinfo_endpoint")
    if not isinstance(userinfo, str) or not _url_allowed(userinfo, client.local):
        userinfo = None
    return Endpoints(found["authorization_endpoint"], found["token_endpoint"], found["jwks_uri"], userinfo)


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def begin(
    client: Client,
    tenant: str,
    redirect_uri: str,
    next_url: str,
    *,
    link_to: int | None = None,
    now: float | None = None,
) -> tuple[str, Pending]:
    """The address to send the browser to, and what to keep until it comes back: a fresh state (against a
    forged return), nonce (against a replayed ID token) and PKCE verifier (against a stolen code)."""
    endpoints = discover(client)
    pending = Pending(
        tenant=tenant,
        issuer=client.issuer,
        client_id=client.client_id,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),
        started_at=int(now if now is not None else time.time()),
        next_url=next_url,
        link_to=link_to,
    )
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": redirect_uri,
            "scope": client.scopes,
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": _challenge(pending.verifier),
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if urllib.parse.urlsplit(endpoints.authorization).query else "?"
    return endpoints.authorization + separator + query, pending


def check_return(
    client: Client, tenant: str, pending: Pending | None, state: str, *, now: float | None = None
) -> Pending:
    """The sign-in this browser started on this province's portal with this provider, less than ten
    minutes ago, whose state the return carries."""
    if pending is None:
        raise SignInRefused("no_pending")
    if (pending.tenant, pending.issuer, pending.client_id) != (tenant, client.issuer, client.client_id):
        raise SignInRefused("other_provider")
    if not state or not hmac.compare_digest(state.encode(), pending.state.encode()):
        raise SignInRefused("state")
    if (now if now is not None else time.time()) - pending.started_at > PENDING_SECONDS:
        raise SignInRefused("pending_expired")
    return pending


def finish(
    client: Client,
    pending: Pending,
    redirect_uri: str,
    *,
    code: str,
    needed: tuple[str, ...] = (),
    clock_skew: int = 60,
) -> dict:
    """The verified claims of the person who signed in (``pending`` as ``check_return`` gave it): the code is
    exchanged with the PKCE verifier and the client's secret at the token endpoint the province's provider
    names now, and the ID token must pass every check of ``check_id_token``. Claims in ``needed`` missing
    from the ID token are read from the userinfo endpoint, whose ``sub`` must be the ID token's (Core
    §5.3.2)."""
    if not code:
        raise SignInRefused("no_code")
    endpoints = discover(client)
    tokens = _exchange(client, endpoints.token, pending, redirect_uri, code)
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise SignInRefused("no_id_token")
    keys = _get(endpoints.jwks, "jwks")
    claims = check_id_token(
        id_token, keys, issuer=client.issuer, client_id=client.client_id, nonce=pending.nonce, clock_skew=clock_skew
    )
    access_token = tokens.get("access_token")
    if any(name not in claims for name in needed) and endpoints.userinfo and isinstance(access_token, str):
        extra = _get(endpoints.userinfo, "userinfo", {"Authorization": f"Bearer {access_token}"})
        if extra.get("sub") != claims["sub"]:
            raise SignInRefused("userinfo_subject")
        claims = {**extra, **claims}  # what the signed token says wins
    return claims


def _exchange(client: Client, token_endpoint: str, pending: Pending, redirect_uri: str, code: str) -> dict:
    body = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "code": code[:2000],
            "redirect_uri": redirect_uri,
            "code_verifier": pending.verifier,
        }
    ).encode()
    # client_secret_basic (RFC 6749 §2.3.1): the id and secret form-encoded before base64
    pair = f"{urllib.parse.quote_plus(client.client_id)}:{urllib.parse.quote_plus(client.client_secret)}"
    request = urllib.request.Request(  # noqa: S310 - the scheme was checked
        token_endpoint,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Authorization": "Basic " + base64.b64encode(pair.encode()).decode("ascii"),
        },
    )
    return _read_json(request, "token")


_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC"}


def _keys_for(header: dict, keys: dict) -> list:
    """The published keys that may have signed a token with this header: the one of its ``kid``, or, with
    none, every signing key of the algorithm's type (a provider rotating its keys publishes two)."""
    published = keys.get("keys")
    if not isinstance(published, list):
        raise SignInRefused("jwks_not_json")
    kty = _KEY_TYPES[header["alg"][:2]]
    candidates = [k for k in published if isinstance(k, dict) and k.get("use", "sig") == "sig" and k.get("kty") == kty]
    kid = header.get("kid")
    if kid is not None:
        candidates = [k for k in candidates if k.get("kid") == kid][:1]
    found = []
    for candidate in candidates:
        try:
            found.append(jwt.PyJWK(candidate, algorithm=header["alg"]).key)
        except (jwt.PyJWKError, jwt.InvalidKeyError, KeyError, ValueError, TypeError):
            continue
    if not found:
        raise SignInRefused("key_not_found", str(kid)[:100])
    return found


_REFUSALS = (
    (jwt.InvalidSignatureError, "signature"),
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidAudienceError, "audience"),
    (jwt.InvalidIssuerError, "issuer"),
    (jwt.MissingRequiredClaimError, "claims"),
    (jwt.InvalidIssuedAtError, "issued_at"),
)


def check_id_token(token: str, keys: dict, *, issuer: str, client_id: str, nonce: str, clock_skew: int = 60) -> dict:
    """The claims of ``token`` once it passes OpenID Connect Core §3.1.3.7: signed with one of the
    provider's published keys by an asymmetric algorithm, issued by ``issuer`` for ``client_id`` (and, with
    several audiences, authorised for it), within its lifetime (``clock_skew`` seconds either way), with
    this sign-in's nonce. Anything else raises ``SignInRefused``."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise SignInRefused("malformed", str(exc)) from None
    if header.get("alg") not in ALGORITHMS:
        raise SignInRefused("algorithm", str(header.get("alg"))[:20])
    claims = None
    for key in _keys_for(header, keys):
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[header["alg"]],
                audience=client_id,
                issuer=issuer,
                leeway=clock_skew,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
            break
        except jwt.InvalidSignatureError:
            continue  # another of the provider's keys may have signed it
        except jwt.InvalidTokenError as exc:
            reason = next((code for kind, code in _REFUSALS if isinstance(exc, kind)), "invalid")
            raise SignInRefused(reason, str(exc)) from None
    if claims is None:
        raise SignInRefused("signature")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != client_id:
        raise SignInRefused("authorized_party")
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce.encode(), nonce.encode()):
        raise SignInRefused("nonce")
    if not isinstance(claims["sub"], str) or not claims["sub"] or len(claims["sub"]) > 255:
        raise SignInRefused("subject")
    return claims
