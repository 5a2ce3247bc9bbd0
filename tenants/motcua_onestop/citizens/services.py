"""Citizen accounts: registration, login with the staff lockout policy, tokens bound to the tenant,
profile and password changes. No Flask here: callers pass the tenant's session and commit.

Audit (tenant log, never a password): ``citizen.register``, ``auth.login`` / ``auth.login_failed`` /
``auth.locked`` with target ``citizen:<id>``, ``citizen.update`` (the names of the changed fields),
``citizen.password``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from motcua_platform.audit.services import Actor, record
from motcua_platform.auth.passwords import hash_password, password_problems, verify_password
from motcua_platform.auth.services import LoginPolicy, check_password, token_owner_query
from motcua_platform.auth.tokens import hash_secret, new_token
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput, Unauthorized
from motcua_platform.i18n import _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua_onestop.citizens.identity import national_id_problems, normalise_phone, tax_code_problems
from motcua_onestop.citizens.models import AccountKind, CitizenAccount, CitizenToken, PasswordReset

LOGIN_FAILED = _("Login (e-mail or phone number) or password is incorrect.")
TAKEN = _("An account with this e-mail address or phone number already exists on this portal; log in instead.")


@dataclass(frozen=True)
class CitizenPrincipal:
    """The citizen or business calling a request. Holds no roles: it can never pass a staff check."""

    id: int
    kind: str
    login: str
    full_name: str
    scope: str  # the tenant slug
    # signed in with national identity (national_sign_in): what it submits is identity-verified (766 4.5)
    identity_verified: bool = False
    # The account row loaded with the token, held for the request so the session's (weak) identity map
    # keeps it: get_account then costs no second query.
    account: CitizenAccount | None = field(default=None, compare=False, repr=False)

    def actor(self, remote_addr: str | None = None) -> Actor:
        return Actor("citizen", self.id, self.login, remote_addr)


def principal_of(account: CitizenAccount, scope: str, *, identity_verified: bool = False) -> CitizenPrincipal:
    return CitizenPrincipal(
        account.id, account.kind, account.login, account.full_name, scope, identity_verified, account
    )


# -- validation ----------------------------------------------------------------------------------
def _clean_email(raw: str | None, errors: dict) -> str | None:
    if raw is None or not raw.strip():
        return None
    email = raw.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        errors["email"] = [_("The e-mail address is not valid.")]
    return email


def _clean_phone(raw: str | None, errors: dict) -> str | None:
    if raw is None or not raw.strip():
        return None
    phone = normalise_phone(raw)
    if phone is None:
        errors["phone"] = [_("A mobile number has 10 digits (0xxxxxxxxx or +84xxxxxxxxx).")]
    return phone


def _clean_identity(kind: str, national_id: str | None, tax_code: str | None, errors: dict) -> None:
    national_id = (national_id or "").strip() or None
    tax_code = (tax_code or "").strip() or None
    if national_id is not None and (problems := national_id_problems(national_id)):
        errors["national_id"] = problems
    elif national_id is None and kind == AccountKind.CITIZEN:
        errors["national_id"] = [_("A citizen must give their personal identification number (CCCD).")]
    if tax_code is not None and (problems := tax_code_problems(tax_code)):
        errors["tax_code"] = problems
    elif tax_code is None and kind == AccountKind.BUSINESS:
        errors["tax_code"] = [_("An organisation or business must give its tax code.")]


def _taken(session: Session, email: str | None, phone: str | None, exclude_id: int | None = None) -> bool:
    clauses = []
    if email is not None:
        clauses.append(func.lower(CitizenAccount.email) == email.lower())
    if phone is not None:
        clauses.append(CitizenAccount.phone == phone)
    if not clauses:
        return False
    query = select(CitizenAccount.id).where(clauses[0] if len(clauses) == 1 else clauses[0] | clauses[1])
    if exclude_id is not None:
        query = query.where(CitizenAccount.id != exclude_id)
    return session.scalar(query.limit(1)) is not None


def _flush_unique(session: Session) -> None:
    """Flush in a savepoint so a concurrent registration of the same login is a 409, not a 500."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(TAKEN) from None


# -- registration and login ----------------------------------------------------------------------
@dataclass(frozen=True)
class Registration:
    full_name: str
    password: str
    kind: str = AccountKind.CITIZEN
    email: str | None = None
    phone: str | None = None
    national_id: str | None = None
    tax_code: str | None = None


def new_password_problems(
    password: str,
    email: str | None,
    phone: str | None,
    full_name: str | None,
    national_id: str | None,
    tax_code: str | None,
    *,
    site: Sequence[str | None],
) -> list[str]:
    """The password policy with what a guesser knows of a citizen: contacts, name, ID numbers."""
    personal = {
        "e-mail address": email,
        "phone number": phone,
        "name": full_name,
        "ID number": national_id,
        "tax code": tax_code,
    }
    return password_problems(password, personal=personal, site=site)


def register(
    session: Session, data: Registration, remote_addr: str | None = None, *, site: Sequence[str | None]
) -> CitizenAccount:
    """Create an account. Every invalid field is reported at once (422); a login already used on this
    portal is a 409 that does not say which of e-mail and phone it was. ``site``: the province's slug and
    names, which the password must not be built from."""
    errors: dict[str, list[str]] = {}
    if data.kind not in set(AccountKind):
        errors["kind"] = [_("Must be one of: %(kinds)s.", kinds=", ".join(AccountKind))]
    email = _clean_email(data.email, errors)
    phone = _clean_phone(data.phone, errors)
    if email is None and phone is None and "email" not in errors and "phone" not in errors:
        errors["_login"] = [_("Give at least one of the two: an e-mail address or a mobile number.")]
    if not data.full_name or not data.full_name.strip():
        errors["full_name"] = [_("This field is required.")]
    _clean_identity(data.kind, data.national_id, data.tax_code, errors)
    if problems := new_password_problems(
        data.password, data.email, data.phone, data.full_name, data.national_id, data.tax_code, site=site
    ):
        errors["password"] = problems
    if errors:
        raise InvalidInput(_("The account could not be created."), errors)
    if _taken(session, email, phone):
        raise Conflict(TAKEN)
    account = CitizenAccount(
        kind=data.kind,
        email=email,
        phone=phone,
        full_name=data.full_name.strip(),
        national_id=(data.national_id or "").strip() or None,
        tax_code=(data.tax_code or "").strip() or None,
        password_hash=hash_password(data.password),
    )
    session.add(account)
    _flush_unique(session)
    record(
        session,
        Actor("citizen", account.id, account.login, remote_addr),
        "citizen.register",
        target=f"citizen:{account.id}",
        kind=account.kind,
    )
    return account


def find_by_login(session: Session, identifier: str, *, lock: bool = False) -> CitizenAccount | None:
    """The account whose e-mail (any case) or mobile number (any accepted spelling) is ``identifier``."""
    identifier = identifier.strip()
    if "@" in identifier:
        query = select(CitizenAccount).where(func.lower(CitizenAccount.email) == identifier.lower())
    else:
        phone = normalise_phone(identifier)
        if phone is None:
            return None
        query = select(CitizenAccount).where(CitizenAccount.phone == phone)
    return session.scalar(query.with_for_update() if lock else query)


def login(
    session: Session, *, identifier: str, password: str, scope: str, policy: LoginPolicy, remote_addr=None
) -> tuple[str, dt.datetime, CitizenPrincipal]:
    """Check credentials (the staff lockout policy); return ``(token, expires_at, principal)``. The caller
    commits either way, so failures are counted and audited even though the login fails."""
    account = find_by_login(session, identifier)
    now = utcnow()
    try:
        check_password(
            session,
            account,
            password,
            policy,
            typed_login=normalise_phone(identifier) or identifier,
            now=now,
            target_kind="citizen",
            remote_addr=remote_addr,
            message=LOGIN_FAILED,
        )
    except Unauthorized:
        if account is not None:
            system = Actor("system", None, "auth", remote_addr)
            record(session, system, "auth.login_failed", target=f"citizen:{account.id}")
        raise
    token, token_hash = new_token(scope, citizen=True)
    expires_at = now + policy.token_ttl
    session.add(CitizenToken(citizen_id=account.id, token_hash=token_hash, expires_at=expires_at))
    principal = principal_of(account, scope)
    record(session, principal.actor(remote_addr), "auth.login", target=f"citizen:{account.id}")
    return token, expires_at, principal


TOKEN_ACCOUNT = token_owner_query(CitizenAccount, CitizenToken, CitizenToken.citizen_id).add_columns(
    CitizenToken.identity_verified
)


def authenticate(session: Session, *, scope: str, secret: str) -> CitizenPrincipal | None:
    """The citizen a token belongs to, or None when it is unknown, expired, revoked or the account inactive."""
    found = session.execute(TOKEN_ACCOUNT, {"token_hash": hash_secret(secret)}).first()
    if found is None:
        return None
    account, identity_verified = found
    return principal_of(account, scope, identity_verified=identity_verified)


def submits_verified(principal: CitizenPrincipal, account: CitizenAccount, applicant_number: str | None) -> bool:
    """Whether a dossier this session submits is identity-verified (766 item 4.5, the national record's
    TaiKhoanDuocXacThucVoiVNeID): the session was opened by a national sign-in, and the applicant is the
    person it checked, not someone the account applies for."""
    return bool(principal.identity_verified and applicant_number and applicant_number == account.national_id)


def logout(session: Session, *, secret: str) -> None:
    session.execute(
        update(CitizenToken)
        .where(CitizenToken.token_hash == hash_secret(secret), CitizenToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# -- profile -------------------------------------------------------------------------------------
def get_account(session: Session, citizen_id: int) -> CitizenAccount:
    account = session.get(CitizenAccount, citizen_id)
    assert account is not None, "an authenticated citizen's account exists"
    return account


PROFILE_FIELDS = ("full_name", "email", "phone", "national_id", "tax_code")


def update_profile(session: Session, actor: Actor, account: CitizenAccount, changes: dict) -> CitizenAccount:
    """Change profile fields (all errors at once). E-mail and phone stay unique; one of them must remain
    (unless the account signs in with national identity). The kind of account does not change (a business
    registers its own account), nor the identity number a national sign-in checked."""
    errors: dict[str, list[str]] = {}
    email = _clean_email(changes["email"], errors) if "email" in changes else account.email
    phone = _clean_phone(changes["phone"], errors) if "phone" in changes else account.phone
    if email is None and phone is None and account.identity_verified_at is None and not errors:
        errors["_login"] = [_("Give at least one of the two: an e-mail address or a mobile number.")]
    full_name = changes.get("full_name", account.full_name)
    if not full_name or not full_name.strip():
        errors["full_name"] = [_("This field is required.")]
    national_id = changes.get("national_id", account.national_id)
    if account.identity_verified_at is not None and (national_id or "").strip() != account.national_id:
        # the number the national sign-in vouched for: what identity-verified dossiers are submitted under
        errors["national_id"] = [_("Checked through your national identity: it cannot be changed here.")]
    tax_code = changes.get("tax_code", account.tax_code)
    _clean_identity(account.kind, national_id, tax_code, errors)
    if errors:
        raise InvalidInput(_("The profile was not changed."), errors)
    new = {
        "full_name": full_name.strip(),
        "email": email,
        "phone": phone,
        "national_id": (national_id or "").strip() or None,
        "tax_code": (tax_code or "").strip() or None,
    }
    changed = sorted(name for name, value in new.items() if getattr(account, name) != value)
    if not changed:
        return account
    login_changed = (email is not None and email != account.email) or (phone is not None and phone != account.phone)
    if login_changed and _taken(session, email, phone, exclude_id=account.id):
        raise Conflict(TAKEN)
    for name in changed:
        setattr(account, name, new[name])
    _flush_unique(session)
    if login_changed:
        cancel_reset_codes(session, account.id)
    record(session, actor, "citizen.update", target=f"citizen:{account.id}", fields=changed)
    return account


def account_password_problems(account: CitizenAccount, password: str, site: Sequence[str | None]) -> list[str]:
    """The password policy for a new password of an existing account."""
    return new_password_problems(
        password,
        account.email,
        account.phone,
        account.full_name,
        account.national_id,
        account.tax_code,
        site=site,
    )


def change_password(
    session: Session,
    actor: Actor,
    account: CitizenAccount,
    *,
    current: str,
    new: str,
    keep_secret: str | None,
    site: Sequence[str | None],
) -> None:
    """Replace the password; every other token of the account is revoked (the one in use, ``keep_secret``,
    stays valid)."""
    errors: dict[str, list[str]] = {}
    if not verify_password(account.password_hash, current):
        errors["current_password"] = [_("The current password is wrong.")]
    if problems := account_password_problems(account, new, site):
        errors["new_password"] = problems
    if errors:
        raise InvalidInput(_("The password was not changed."), errors)
    account.password_hash = hash_password(new)
    revoke_tokens(session, account.id, keep_secret=keep_secret)
    cancel_reset_codes(session, account.id)
    record(session, actor, "citizen.password", target=f"citizen:{account.id}")


def cancel_reset_codes(session: Session, account_id: int, now: dt.datetime | None = None) -> None:
    """Make the account's outstanding password-reset codes worthless: after a password or contact change,
    a code sent earlier (perhaps to an address the owner has just left) must not set a password."""
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.citizen_id == account_id, PasswordReset.used_at.is_(None))
        .values(used_at=now or utcnow())
    )


def revoke_tokens(
    session: Session, account_id: int, *, keep_secret: str | None = None, now: dt.datetime | None = None
) -> None:
    """End every session of the account but the one using ``keep_secret``."""
    tokens = update(CitizenToken).where(CitizenToken.citizen_id == account_id, CitizenToken.revoked_at.is_(None))
    if keep_secret is not None:
        tokens = tokens.where(CitizenToken.token_hash != hash_secret(keep_secret))
    session.execute(tokens.values(revoked_at=now or utcnow()))
