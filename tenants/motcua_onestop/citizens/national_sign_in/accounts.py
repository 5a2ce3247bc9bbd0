"""The citizen account a verified national identity signs in to.

The identity number (CCCD) is the key, as the national portal's own accounts are keyed by it: the first
sign-in of an identity links it to the province's citizen account with that number, or creates one, and
every later sign-in finds the account by the identity's issuer and subject. Linking an account that was
registered with a password ends that account's other sessions and marks it verified: the number it was
registered with (typed, unchecked) is now the one the provider vouched for. Its password keeps working.

Audit: ``auth.national_sign_in`` (target ``citizen:<id>``, ``linked`` / ``created`` on the first sign-in),
``auth.national_sign_in_refused`` with the reason (no account is named: the identity was not accepted).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.auth.services import LoginPolicy
from motcua_platform.auth.tokens import new_token
from motcua_platform.db.base import utcnow
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua_onestop.citizens import services as citizens
from motcua_onestop.citizens.identity import national_id_problems, normalise_phone
from motcua_onestop.citizens.models import NO_PASSWORD, AccountKind, CitizenAccount, CitizenToken
from motcua_onestop.citizens.national_sign_in.models import CitizenIdentity
from motcua_onestop.citizens.national_sign_in.protocol import SignInRefused


@dataclass(frozen=True)
class SignedIn:
    token: str
    expires_at: dt.datetime
    principal: citizens.CitizenPrincipal
    first_time: str | None  # "linked" or "created" on an identity's first sign-in, else None


def refused(session: Session, reason: str, remote_addr: str | None) -> None:
    """Audit a sign-in that did not go through (the caller commits, then shows the person one message)."""
    record(session, Actor("system", None, "auth", remote_addr), "auth.national_sign_in_refused", reason=reason)


def _name(claims: dict) -> str | None:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get(key) for key in ("family_name", "middle_name", "given_name")]
        name = " ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    return name.strip()[:200] or None


def _free_contacts(session: Session, claims: dict) -> tuple[str | None, str | None]:
    """The provider's e-mail and phone for a new account, each only when no other account of the
    province logs in with it (the person who owns that account keeps it)."""
    email = claims.get("email")
    email = email.strip()[:254] if isinstance(email, str) and "@" in email else None
    phone = normalise_phone(claims["phone_number"]) if isinstance(claims.get("phone_number"), str) else None
    if email is not None and session.scalar(
        select(CitizenAccount.id).where(func.lower(CitizenAccount.email) == email.lower()).limit(1)
    ):
        email = None
    if phone is not None and session.scalar(select(CitizenAccount.id).where(CitizenAccount.phone == phone).limit(1)):
        phone = None
    return email, phone


def _account_for(session: Session, issuer: str, subject: str, national_id: str, claims: dict, remote_addr):
    """The account of this identity, and how it was found the first time (None on later sign-ins)."""
    # two first sign-ins of one person at once (two tabs): the second waits here, then finds the link
    lock = f"national_sign_in:{session.binding.schema}:{national_id}"
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(lock, 0))))
    linked = session.scalar(
        select(CitizenIdentity).where(CitizenIdentity.issuer == issuer, CitizenIdentity.subject == subject)
    )
    now = utcnow()
    if linked is not None:
        if linked.national_id != national_id:  # the provider's own record of the person changed number
            raise SignInRefused("identity_changed")
        linked.last_sign_in_at = now
        return session.get(CitizenAccount, linked.citizen_id), None
    account = session.scalar(
        select(CitizenAccount)
        .where(CitizenAccount.kind == AccountKind.CITIZEN, CitizenAccount.national_id == national_id)
        .order_by(CitizenAccount.identity_verified_at.is_(None), CitizenAccount.id)
        .limit(1)
        .with_for_update()
    )
    if account is not None:
        how = "linked"
        if account.identity_verified_at is None:
            citizens.revoke_tokens(session, account.id, now=now)  # sessions opened on a number nobody checked
            citizens.cancel_reset_codes(session, account.id, now)
            account.identity_verified_at = now
    else:
        how = "created"
        email, phone = _free_contacts(session, claims)
        account = CitizenAccount(
            kind=AccountKind.CITIZEN,
            email=email,
            phone=phone,
            full_name=_name(claims) or national_id,
            national_id=national_id,
            password_hash=NO_PASSWORD,
            identity_verified_at=now,
        )
        session.add(account)
        session.flush()
        record(
            session,
            Actor("citizen", account.id, account.login, remote_addr),
            "citizen.register",
            target=f"citizen:{account.id}",
            kind=account.kind,
            via="national_sign_in",
        )
    session.add(CitizenIdentity(citizen_id=account.id, issuer=issuer, subject=subject, national_id=national_id))
    session.flush()
    return account, how


def sign_in(
    session: Session,
    *,
    issuer: str,
    claims: dict,
    identity_claim: str,
    scope: str,
    policy: LoginPolicy,
    remote_addr: str | None = None,
) -> SignedIn:
    """Open a session for the person whose verified ``claims`` the provider gave: a token marked
    identity-verified, for the linked, found or new account. The caller commits."""
    national_id = claims.get(identity_claim)
    if not isinstance(national_id, str) or national_id_problems(national_id):
        raise SignInRefused("identity_number")
    account, how = _account_for(session, issuer, claims["sub"], national_id, claims, remote_addr)
    if account is None or not account.active:
        raise SignInRefused("account_inactive")
    token, token_hash = new_token(scope, citizen=True)
    expires_at = utcnow() + policy.token_ttl
    session.add(
        CitizenToken(citizen_id=account.id, token_hash=token_hash, expires_at=expires_at, identity_verified=True)
    )
    principal = citizens.principal_of(account, scope, identity_verified=True)
    record(
        session,
        principal.actor(remote_addr),
        "auth.national_sign_in",
        target=f"citizen:{account.id}",
        **({"first_time": how} if how else {}),
    )
    session.flush()
    return SignedIn(token, expires_at, principal, how)
