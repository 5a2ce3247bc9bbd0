"""Login, token checks and account management for operators (control plane) and staff (per tenant).

Both kinds of account share one flow; only the models and the session differ. Failed logins are counted
per account and client address, and lock that pair out (``auth.lockout``).
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, func, select, true, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from motcua_platform.audit.services import Actor, record
from motcua_platform.auth import lockout
from motcua_platform.auth.lockout import LockoutPolicy
from motcua_platform.auth.models import (
    Operator,
    OperatorRole,
    OperatorToken,
    StaffAccount,
    StaffRole,
    StaffRoleName,
    StaffToken,
)
from motcua_platform.auth.passwords import hash_password, password_problems, verify_password
from motcua_platform.auth.principal_cache import announce
from motcua_platform.auth.tokens import hash_secret, new_token
from motcua_platform.auth.units import unit_tree
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from motcua_platform.i18n import _


@dataclass(frozen=True)
class LoginPolicy(LockoutPolicy):
    token_ttl: dt.timedelta = dt.timedelta(hours=12)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request."""

    kind: str  # operator | staff
    id: int
    email: str
    full_name: str
    scope: str  # platform | tenant slug
    roles: tuple[tuple[str, int | None], ...]  # (role, unit id); unit is None for operators
    must_change_password: bool = False  # staff whose password is a temporary one somebody else chose

    def has_role(self, *roles: str) -> bool:
        return any(role in roles for role, _ in self.roles)

    def units_with(self, *roles: str) -> set[int]:
        return {unit for role, unit in self.roles if role in roles and unit is not None}

    def actor(self, remote_addr: str | None = None) -> Actor:
        return Actor(self.kind, self.id, self.email, remote_addr)


def _models(staff: bool):
    return (StaffAccount, StaffToken) if staff else (Operator, OperatorToken)


def login(
    session: Session, *, email: str, password: str, scope: str, policy: LoginPolicy, remote_addr: str | None = None
) -> tuple[str, dt.datetime, Principal]:
    """Check credentials; return ``(token, expires_at, principal)``. The caller commits either way, so
    failed attempts are counted even though the login fails."""
    staff = scope != "platform"
    account_model, token_model = _models(staff)
    account = session.scalar(select(account_model).where(func.lower(account_model.email) == email.strip().lower()))
    now = utcnow()
    check_password(
        session,
        account,
        password,
        policy,
        typed_login=email,
        now=now,
        target_kind="staff" if staff else "operator",
        remote_addr=remote_addr,
        message="E-mail or password is incorrect.",
    )
    token, token_hash = new_token(scope)
    expires_at = now + policy.token_ttl
    owner = {"staff_id": account.id} if staff else {"operator_id": account.id}
    session.add(token_model(token_hash=token_hash, expires_at=expires_at, **owner))
    principal = _principal(account, scope, staff)
    record(session, principal.actor(remote_addr), "auth.login", target=f"{principal.kind}:{account.id}")
    return token, expires_at, principal


def check_password(
    session: Session,
    account,
    password: str,
    policy: LoginPolicy,
    *,
    typed_login: str,
    now: dt.datetime,
    target_kind: str,
    remote_addr: str | None,
    message: str,
) -> None:
    """The login check every kind of account shares (staff, operators, citizens). ``account`` is None when
    nobody has the login the caller typed (``typed_login``). A wrong password, an unknown login and an
    inactive account are the same 401 (``message``) and cost the same time; failures are counted per
    account and client address (``auth.lockout``), and a pair that is locked gets a 429, even with the
    right password. A lock that starts on an account is audited (``auth.locked``). The caller commits
    either way, so failures are counted."""
    attempt = lockout.begin(
        session,
        target_kind,
        account.id if account is not None else None,
        typed_login,
        remote_addr,
        now=now,
        policy=policy,
    )
    # Verified before anything else is looked at: an unknown login (the dummy hash), an inactive account and
    # a wrong password each cost exactly one Argon2 verification, so the time taken tells nothing.
    verified = verify_password(account.password_hash if account is not None else None, password)
    if account is None or not verified or not account.active:
        seconds = lockout.failed(session, attempt, now=now, policy=policy)
        if seconds and account is not None:
            record(
                session,
                Actor("system", None, "auth", remote_addr),
                "auth.locked",
                target=f"{target_kind}:{account.id}",
                failures=attempt.failures,
                seconds=seconds,
            )
        raise Unauthorized(message)
    lockout.succeeded(session, attempt)


def token_owner_query(account_model, token_model, owner_column) -> Select:
    """The active account an unexpired, unrevoked token (bound as ``token_hash``) belongs to, for every kind
    of account (operators, staff, citizens). Callers build it once: every authenticated request runs it,
    and building a statement costs more than running this one."""
    return (
        select(account_model)
        .join(token_model, owner_column == account_model.id)
        .where(
            token_model.token_hash == bindparam("token_hash"),
            token_model.revoked_at.is_(None),
            token_model.expires_at > func.now(),
            account_model.active.is_(True),
        )
    )


@functools.cache
def _principal_query(staff: bool) -> Select:
    """What a staff or operator principal is made of, for a token bound as ``token_hash``, as one row of plain
    columns: the account and (staff) its roles and their units as two arrays in role id order. Every
    authenticated request runs it; a row of columns costs far fewer Python calls than the account, its
    roles and the identity map (issue 14's profile: about 1,000 of the /me request's 3,100). Built once."""
    account_model, token_model = _models(staff)
    owner = token_model.staff_id if staff else token_model.operator_id
    account = (account_model.id, account_model.email, account_model.full_name, token_model.expires_at)
    if not staff:
        owner_query = token_owner_query(account_model, token_model, owner)
        return owner_query.with_only_columns(*account, account_model.role, maintain_column_froms=True)
    by_role = aggregate_order_by  # one order for both arrays, so role i goes with unit i
    roles = (
        select(
            func.array_agg(by_role(StaffRole.role, StaffRole.id)).label("roles"),
            func.array_agg(by_role(StaffRole.unit_id, StaffRole.id)).label("units"),
        )
        .where(StaffRole.staff_id == account_model.id)
        .lateral("held")
    )
    query = token_owner_query(account_model, token_model, owner)
    query = query.with_only_columns(
        *account, account_model.must_change_password, roles.c.roles, roles.c.units, maintain_column_froms=True
    )
    return query.join(roles, true())


def authenticate(session: Session, *, scope: str, secret: str) -> Principal | None:
    """The principal a token belongs to, or None when the token is unknown, expired or revoked, or its
    account inactive. Checked against the database (one statement)."""
    found = authenticate_token(session, scope=scope, token_hash=hash_secret(secret))
    return found[0] if found is not None else None


def authenticate_token(session: Session, *, scope: str, token_hash: str) -> tuple[Principal, dt.datetime] | None:
    """``authenticate`` by the token's hash, with the token's expiry (how long a cache may keep the answer)."""
    staff = scope != "platform"
    row = session.execute(_principal_query(staff), {"token_hash": token_hash}).first()
    if row is None:
        return None
    roles = tuple(zip(row.roles or (), row.units or (), strict=True)) if staff else ((row.role, None),)
    principal = Principal(
        kind="staff" if staff else "operator",
        id=row.id,
        email=row.email,
        full_name=row.full_name,
        scope=scope,
        roles=roles,
        must_change_password=staff and row.must_change_password,
    )
    return principal, row.expires_at


def logout(session: Session, *, scope: str, secret: str) -> None:
    _, token_model = _models(scope != "platform")
    token = session.scalar(select(token_model).where(token_model.token_hash == hash_secret(secret)))
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        announce(session)


def _principal(account, scope: str, staff: bool) -> Principal:
    roles = tuple((r.role, r.unit_id) for r in account.roles) if staff else ((account.role, None),)
    return Principal(
        kind="staff" if staff else "operator",
        id=account.id,
        email=account.email,
        full_name=account.full_name,
        scope=scope,
        roles=roles,
        must_change_password=staff and account.must_change_password,
    )


# -- account management --------------------------------------------------------------------------
def _check_new_account(
    session: Session, model, email: str, password: str, full_name: str, site: Sequence[str | None]
) -> dict:
    errors: dict[str, list[str]] = {}
    if "@" not in email or len(email) > 254:
        errors["email"] = [_("A valid e-mail address is required.")]
    elif session.scalar(select(model.id).where(func.lower(model.email) == email.strip().lower())) is not None:
        errors["email"] = [_("An account with this e-mail already exists.")]
    if problems := password_problems(password, personal={"e-mail address": email, "name": full_name}, site=site):
        errors["password"] = problems
    if not full_name.strip():
        errors["full_name"] = [_("Full name is required.")]
    return errors


def create_operator(
    session: Session, actor: Actor, *, email: str, full_name: str, password: str, role: str
) -> Operator:
    errors = _check_new_account(session, Operator, email, password, full_name, site=())
    if role not in set(OperatorRole):
        errors["role"] = [_("Role must be one of: %(roles)s.", roles=", ".join(OperatorRole))]
    if errors:
        raise InvalidInput(_("The operator account could not be created."), errors)
    operator = Operator(
        email=email.strip(), full_name=full_name.strip(), password_hash=hash_password(password), role=role
    )
    session.add(operator)
    session.flush()
    record(session, actor, "operator.create", target=f"operator:{operator.id}", role=role)
    return operator


def list_operators(session: Session) -> list[Operator]:
    return list(session.scalars(select(Operator).order_by(Operator.id)))


def set_operator_active(session: Session, actor: Actor, operator_id: int, active: bool) -> Operator:
    """Activate or deactivate an operator account. Deactivating revokes all its tokens at once (its
    sessions end); nobody deactivates their own account, and the vendor keeps at least one active admin.
    Audited as ``operator.activate``/``operator.deactivate``."""
    operator = session.get(Operator, operator_id, with_for_update=True)
    if operator is None:
        raise NotFound(_("No operator account with id %(operator_id)s.", operator_id=operator_id))
    if operator.active == active:
        return operator
    if not active:
        if actor.kind == "operator" and actor.id == operator_id:
            raise Conflict(_("You cannot deactivate your own account."))
        if operator.role == OperatorRole.ADMIN:
            admins = session.scalars(
                select(Operator.id)
                .where(Operator.role == OperatorRole.ADMIN, Operator.active.is_(True))
                .with_for_update()
            ).all()
            if set(admins) <= {operator_id}:
                raise Conflict(_("This is the last active admin account; make another account admin first."))
        session.execute(
            update(OperatorToken)
            .where(OperatorToken.operator_id == operator_id, OperatorToken.revoked_at.is_(None))
            .values(revoked_at=func.now())
        )
    operator.active = active
    announce(session)
    record(session, actor, "operator.activate" if active else "operator.deactivate", target=f"operator:{operator_id}")
    return operator


def create_staff(
    session: Session,
    actor: Actor,
    *,
    email: str,
    full_name: str,
    password: str,
    roles: list[tuple[str, int]],
    site: Sequence[str | None],
    admin_units: set[int] | None = None,
    must_change_password: bool = False,
) -> StaffAccount:
    """Create a staff account. ``site``: the province's slug and names, which the password must not be
    built from. With ``admin_units`` (the creator's tenant-admin units), every role must be on a unit
    inside those units' subtrees. ``must_change_password``: the password is a temporary one the creator
    hands over, which the member replaces at their first console login."""
    errors = _check_new_account(session, StaffAccount, email, password, full_name, site)
    role_errors = []
    for role, unit_id in roles:
        if role not in set(StaffRoleName):
            role_errors.append(
                _("Unknown role '%(role)s'; use one of: %(roles)s.", role=role, roles=", ".join(StaffRoleName))
            )
        elif not unit_tree().exists(session, unit_id):
            role_errors.append(_("Unit %(unit_id)s does not exist.", unit_id=unit_id))
    if not roles:
        role_errors.append(_("At least one role on a unit is required."))
    if role_errors:
        errors["roles"] = role_errors
    if errors:
        raise InvalidInput(_("The staff account could not be created."), errors)
    if admin_units is not None:
        covered = unit_tree().subtree_ids(session, admin_units)
        outside = sorted({unit for _, unit in roles if unit not in covered})
        if outside:
            raise Forbidden(
                _("Your tenant-admin role does not cover unit(s) %(units)s.", units=", ".join(map(str, outside)))
            )
    staff = StaffAccount(
        email=email.strip(),
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    staff.roles = [StaffRole(role=role, unit_id=unit_id) for role, unit_id in dict.fromkeys(roles)]
    session.add(staff)
    session.flush()
    record(session, actor, "staff.create", target=f"staff:{staff.id}", roles=[list(r) for r in roles])
    return staff


@dataclass(frozen=True)
class StaffFilter:
    unit_id: int | None = None  # a role on this very unit
    role: str | None = None  # this role on some unit of the caller's
    active: bool | None = None


def staff_query(covered: set[int], filters: StaffFilter = StaffFilter()) -> Select:
    """Staff holding at least one role on a unit in ``covered`` (the caller's admin subtree), by id."""
    query = select(StaffAccount).where(StaffAccount.roles.any(StaffRole.unit_id.in_(covered)))
    if filters.unit_id is not None:
        query = query.where(StaffAccount.roles.any(StaffRole.unit_id == filters.unit_id))
    if filters.role is not None:
        query = query.where(StaffAccount.roles.any((StaffRole.role == filters.role) & StaffRole.unit_id.in_(covered)))
    if filters.active is not None:
        query = query.where(StaffAccount.active.is_(filters.active))
    return query.order_by(StaffAccount.id)


def list_staff(session: Session, covered: set[int], filters: StaffFilter = StaffFilter()) -> list[StaffAccount]:
    return list(session.scalars(staff_query(covered, filters)))


def get_staff(session: Session, staff_id: int, covered: set[int]) -> StaffAccount:
    staff = session.get(StaffAccount, staff_id)
    if staff is None or not any(role.unit_id in covered for role in staff.roles):
        raise NotFound(_("No staff account with id %(staff_id)s in your units.", staff_id=staff_id))
    return staff


def set_staff_active(session: Session, actor: Actor, staff_id: int, active: bool, covered: set[int]) -> StaffAccount:
    """Only an admin whose units cover every role of the account may (de)activate it."""
    return update_staff(session, actor, staff_id, covered, active=active)


def _managed_staff(session: Session, staff_id: int, covered: set[int]) -> StaffAccount:
    """A staff account the caller manages: 404 unless it holds a role in ``covered`` (the caller's admin
    subtree), 403 when it also holds a role outside it (an admin above those units must change it)."""
    staff = get_staff(session, staff_id, covered)
    if any(role.unit_id not in covered for role in staff.roles):
        raise Forbidden(_("The account also holds roles outside your units; an admin above them must change it."))
    return staff


def _lock_province_admins(session: Session) -> tuple[int | None, set[int]]:
    """The province's root unit and the active accounts holding tenant_admin on it, their role rows locked
    until commit, so two admins removing each other at once cannot leave the province without one."""
    root = unit_tree().root_id(session)
    if root is None:
        return None, set()
    rows = session.execute(
        select(StaffRole.staff_id, StaffAccount.active)
        .join(StaffAccount, StaffAccount.id == StaffRole.staff_id)
        .where(StaffRole.role == StaffRoleName.TENANT_ADMIN, StaffRole.unit_id == root)
        .with_for_update(of=StaffRole)
    ).all()
    return root, {staff_id for staff_id, active in rows if active}


def _keep_a_province_admin(session: Session, staff: StaffAccount, *, loses_it: bool) -> None:
    """Conflict when ``staff`` is the last active province-wide tenant admin and the change takes that away."""
    if not loses_it:
        return
    admins = _lock_province_admins(session)[1]
    if admins <= {staff.id}:
        raise Conflict(
            _(
                "This is the province's last active tenant admin on the province itself; give another account "
                "that role first."
            )
        )


def _is_province_admin(staff: StaffAccount, root: int | None) -> bool:
    return staff.active and any(r.role == StaffRoleName.TENANT_ADMIN and r.unit_id == root for r in staff.roles)


def update_staff(
    session: Session,
    actor: Actor,
    staff_id: int,
    covered: set[int],
    *,
    full_name: str | None = None,
    roles: list[tuple[str, int]] | None = None,
    active: bool | None = None,
) -> StaffAccount:
    """Change a staff account's name, roles (replaced as a whole) or whether it is active. Only an admin whose
    units cover every role of the account, old and new, may; the province keeps at least one active
    tenant admin on the province itself. Audited as ``staff.update`` with what changed (and
    ``staff.activate``/``staff.deactivate`` as before)."""
    staff = _managed_staff(session, staff_id, covered)
    errors: dict[str, list[str]] = {}
    if full_name is not None and not full_name.strip():
        errors["full_name"] = [_("Full name is required.")]
    if roles is not None:
        role_errors = []
        if not roles:
            role_errors.append(_("At least one role on a unit is required."))
        for role, unit_id in roles:
            if role not in set(StaffRoleName):
                role_errors.append(
                    _("Unknown role '%(role)s'; use one of: %(roles)s.", role=role, roles=", ".join(StaffRoleName))
                )
            elif not unit_tree().exists(session, unit_id):
                role_errors.append(_("Unit %(unit_id)s does not exist.", unit_id=unit_id))
        if role_errors:
            errors["roles"] = role_errors
    if errors:
        raise InvalidInput(_("The staff account could not be changed."), errors)
    if roles is not None:
        outside = sorted({unit for _, unit in roles if unit not in covered})
        if outside:
            raise Forbidden(
                _("Your tenant-admin role does not cover unit(s) %(units)s.", units=", ".join(map(str, outside)))
            )
    own = actor.kind == "staff" and actor.id == staff_id
    if active is False and own:
        raise Conflict(_("You cannot deactivate your own account."))

    root = unit_tree().root_id(session)
    was_province_admin = _is_province_admin(staff, root)
    new_roles = list(dict.fromkeys(roles)) if roles is not None else [(r.role, r.unit_id) for r in staff.roles]
    stays_active = staff.active if active is None else active
    will_be_province_admin = stays_active and (StaffRoleName.TENANT_ADMIN.value, root) in new_roles
    _keep_a_province_admin(session, staff, loses_it=was_province_admin and not will_be_province_admin)

    changes: dict[str, object] = {}
    if full_name is not None and full_name.strip() != staff.full_name:
        changes["full_name"] = {"from": staff.full_name, "to": full_name.strip()}
        staff.full_name = full_name.strip()
    if roles is not None:
        old_roles = [(r.role, r.unit_id) for r in staff.roles]
        added = [r for r in new_roles if r not in old_roles]
        removed = [r for r in old_roles if r not in new_roles]
        if added or removed:
            changes["roles"] = {"added": [list(r) for r in added], "removed": [list(r) for r in removed]}
            kept = [r for r in staff.roles if (r.role, r.unit_id) in new_roles]
            staff.roles = kept + [StaffRole(role=role, unit_id=unit_id) for role, unit_id in added]
    if changes:
        session.flush()
        record(session, actor, "staff.update", target=f"staff:{staff_id}", **changes)
    if active is not None:
        staff.active = active
        record(session, actor, "staff.activate" if active else "staff.deactivate", target=f"staff:{staff_id}")
    if changes or active is not None:
        announce(session)  # roles, name or activity: every cached principal of the account is stale
    return staff


def revoke_staff_tokens(session: Session, staff_id: int) -> int:
    """Revoke every live token of the account; returns how many."""
    result = session.execute(
        update(StaffToken)
        .where(StaffToken.staff_id == staff_id, StaffToken.revoked_at.is_(None), StaffToken.expires_at > func.now())
        .values(revoked_at=func.now())
    )
    announce(session)
    return result.rowcount or 0


def temporary_password() -> str:
    """Five groups of four characters from an alphabet without look-alikes (about 100 bits)."""
    return "-".join("".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(5))


TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def reset_staff_password(session: Session, actor: Actor, staff_id: int, covered: set[int]) -> dict:
    """Give the account a new, random temporary password, returned here once (only its hash is kept), revoke
    every token of the account and lift its login locks. Returns ``staff_id``, ``temporary_password``,
    ``tokens_revoked`` and ``locks_cleared``.
    Audited as ``staff.password_reset`` (never with the password)."""
    staff = _managed_staff(session, staff_id, covered)
    if actor.kind == "staff" and actor.id == staff_id:
        raise Conflict(_("You cannot reset your own password; ask another tenant admin."))
    password = temporary_password()
    staff.password_hash = hash_password(password)
    staff.must_change_password = True
    revoked = revoke_staff_tokens(session, staff_id)
    cleared = lockout.clear(session, "staff", staff_id)
    record(
        session,
        actor,
        "staff.password_reset",
        target=f"staff:{staff_id}",
        tokens_revoked=revoked,
        locks_cleared=cleared,
    )
    return {"staff_id": staff.id, "temporary_password": password, "tokens_revoked": revoked, "locks_cleared": cleared}


def change_own_password(
    session: Session,
    actor: Actor,
    staff_id: int,
    *,
    current: str,
    new: str,
    keep_secret: str | None,
    site: Sequence[str | None],
) -> StaffAccount:
    """A staff member replaces their own password (every error at once: ``current_password``,
    ``new_password``). Every other token of the account is revoked (the one in use, ``keep_secret``, stays
    valid) and a temporary password's must-change flag is cleared. Audited as ``staff.password``."""
    staff = session.get(StaffAccount, staff_id)
    if staff is None or not staff.active:
        raise NotFound(_("No staff account with id %(staff_id)s.", staff_id=staff_id))
    errors: dict[str, list[str]] = {}
    if not verify_password(staff.password_hash, current):
        errors["current_password"] = [_("The current password is wrong.")]
    if new and verify_password(staff.password_hash, new):
        errors["new_password"] = [_("The new password must differ from the current one.")]
    elif problems := password_problems(
        new, personal={"e-mail address": staff.email, "name": staff.full_name}, site=site
    ):
        errors["new_password"] = problems
    if errors:
        raise InvalidInput(_("The password was not changed."), errors)
    staff.password_hash = hash_password(new)
    staff.must_change_password = False
    tokens = update(StaffToken).where(
        StaffToken.staff_id == staff_id, StaffToken.revoked_at.is_(None), StaffToken.expires_at > func.now()
    )
    if keep_secret:
        tokens = tokens.where(StaffToken.token_hash != hash_secret(keep_secret))
    revoked = session.execute(tokens.values(revoked_at=func.now())).rowcount or 0
    announce(session)  # the other tokens, and the must-change flag the principal carries
    record(session, actor, "staff.password", target=f"staff:{staff_id}", tokens_revoked=revoked)
    return staff


def unlock_staff(session: Session, actor: Actor, staff_id: int, covered: set[int]) -> dict:
    """Lift the account's login locks and failure counts, from every address. Returns ``staff_id`` and
    ``locks_cleared`` (addresses); audited as ``staff.unlock``."""
    staff = _managed_staff(session, staff_id, covered)
    cleared = lockout.clear(session, "staff", staff_id)
    record(session, actor, "staff.unlock", target=f"staff:{staff_id}", locks_cleared=cleared)
    return {"staff_id": staff.id, "locks_cleared": cleared}
