"""The citizen account a verified national identity signs in to.

The identity number (CCCD) is the key, as the national portal's own accounts are keyed by it; an identity is
linked to one account by the provider's issuer and subject, and every later sign-in finds it so. The first
sign-in of an identity goes to:

- the account a person signed in with a password asked to link (from the account page): that account, if
  it is a citizen's registered with the same number; its other sessions end, it is marked verified and its
  number locked; its password keeps working;
- else the province's account whose number a national sign-in already vouched for (one made or linked
  through another provider of the province);
- else a new account, with no password. An account registered with a password and the same number is not
  linked on its own: anyone can type a number at registration, and linking it would hand the verified
  person's later dossiers to whoever registered it. The person is told such an account exists and how to
  link it if it is theirs.

Audit: ``auth.national_sign_in`` (target ``citizen:<id>``, ``first_time`` linked or created on an identity's
first sign-in), ``auth.national_sign_in_refused`` with the reason (no account is named: the identity was not
accepted).
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
    unlinked_account: bool = False  # a password account with the same number exists, not linked


def refused(session: Session, reason: str, detail: str, remote_addr: str | None) -> None:
    """Audit a sign-in that did not go through, with the reason and what the provider or the check said (the
    caller commits, then shows the person one message)."""
    system = Actor("system", None, "auth", remote_addr)
    record(session, system, "auth.national_sign_in_refused", reason=reason, detail=detail[:200] or None)


def _name(claims: dict) -> str | None:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get(key) for key in ("family_name", "middle_name", "given_name")]
        name = " ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    return name.strip()[:200] or None


def _free_contacts(session: Session, claims: dict) -> tuple[str | None, str | None]:
    """The provider's e-mail and phone for a new account, each only when the provider says it verified it
    (else whoever owns that address could set the account's password through a reset) and no other account
    of the province logs in with it (the person who owns that account keeps it)."""
    email = claims.get("email") if claims.get("email_verified") is True else None
    email = email.strip()[:254] if isinstance(email, str) and "@" in email else None
    phone = claims.get("phone_number") if claims.get("phone_number_verified") is True else None
    phone = normalise_phone(phone) if isinstance(phone, str) else None
    if email is not None and session.scalar(
        select(CitizenAccount.id).where(func.lower(CitizenAccount.email) == email.lower()).limit(1)
    ):
        email = None
    if phone is not None and session.scalar(select(CitizenAccount.id).where(CitizenAccount.phone == phone).limit(1)):
        phone = None
    return email, phone


def _link(session: Session, account: CitizenAccount, now: dt.datetime) -> None:
    """Mark ``account`` verified; end the sessions opened on the number it was registered with."""
    if account.identity_verified_at is None:
        citizens.revoke_tokens(session, account.id, now=now)
        citizens.cancel_reset_codes(session, account.id, now)
        account.identity_verified_at = now


def _account_for(
    session: Session, issuer: str, subject: str, national_id: str, claims: dict, link_to: int | None, remote_addr
) -> tuple[CitizenAccount, str | None, bool]:
    """The account of this identity; how it was found the first time (None on later sign-ins); whether an
    unlinked password account with the same number exists."""
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
        if link_to is not None and linked.citizen_id != link_to:
            raise SignInRefused("identity_linked_elsewhere")
        account = session.get(CitizenAccount, linked.citizen_id)
        _active(account)
        linked.last_sign_in_at = now
        return account, None, False
    same_number = select(CitizenAccount).where(
        CitizenAccount.kind == AccountKind.CITIZEN, CitizenAccount.national_id == national_id
    )
    if link_to is not None:
        account = session.get(CitizenAccount, link_to, with_for_update=True)
        if account is None or account.kind != AccountKind.CITIZEN or account.national_id != national_id:
            raise SignInRefused("link_number_differs")
        _active(account)
        _link(session, account, now)
        how = "linked"
    elif (
        account := session.scalar(
            same_number.where(CitizenAccount.identity_verified_at.is_not(None)).order_by(CitizenAccount.id).limit(1)
        )
    ) is not None:
        _active(account)  # vouched for by a national sign-in before (another provider of the province)
        how = "linked"
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
    unlinked = how == "created" and (
        session.scalar(
            select(CitizenAccount.id)
            .where(CitizenAccount.kind == AccountKind.CITIZEN, CitizenAccount.national_id == national_id)
            .where(CitizenAccount.identity_verified_at.is_(None))
            .limit(1)
        )
        is not None
    )
    return account, how, unlinked


def _active(account: CitizenAccount | None) -> None:
    if account is None or not account.active:
        raise SignInRefused("account_inactive")


def sign_in(
    session: Session,
    *,
    issuer: str,
    claims: dict,
    identity_claim: str,
    scope: str,
    policy: LoginPolicy,
    remote_addr: str | None = None,
    link_to: int | None = None,
) -> SignedIn:
    """Open a session for the person whose verified ``claims`` the provider gave: a token marked
    identity-verified, for the linked, found or new account (``link_to``: the account a person signed in
    with its password asked to link). The caller commits."""
    national_id = claims.get(identity_claim)
    if not isinstance(national_id, str) or not national_id.isascii() or national_id_problems(national_id):
        raise SignInRefused("identity_number")
    account, how, unlinked = _account_for(session, issuer, claims["sub"], national_id, claims, link_to, remote_addr)
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
    return SignedIn(token, expires_at, principal, how, unlinked)
