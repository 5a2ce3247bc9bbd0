"""Login lockout per account *and* client address, with a lock that doubles at every further failure.

Counting failures per account alone let anyone lock anyone out: six wrong passwords from an anonymous
caller kept the vendor's finance account shut for its owner. Here the failures are counted per pair
(account, client address): the caller who guesses is locked out, the owner at another address is not.
An unknown login is counted like an account (under a digest of what was typed), so the lockout tells
nothing about which logins exist. Across accounts, each client address is limited by the per-minute
budget of the login routes (``motcua_platform.web.ratelimit.count_account_attempt``).

For one pair: ``max_failures`` failures in a row are free; that failure and every further one lock the
pair for ``lock_seconds`` × 2^(failures − max_failures), at most ``max_lock_seconds``. While locked,
every attempt is a 429, even with the right password, and costs no password check. A success deletes the
row; a row whose last failure is older than ``max_lock_seconds`` is forgotten (the count starts again),
and such rows are removed whenever a failure is recorded, so the table holds only live pairs.

Rows live beside the accounts (``login_failures`` in the tenant's schema for staff and citizens, in
``control`` for operators), so counting, the lock and its audit record share the login's transaction.
No Flask here: callers pass the site's session and commit it whether the login succeeds or not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_platform.auth.models import LoginFailures, OperatorLoginFailures
from motcua_platform.errors import TooManyAttempts
from motcua_platform.i18n import _

UNKNOWN_CLIENT = "unknown"  # no address (a call from the CLI or a test harness)


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lock_seconds: int = 900
    max_lock_seconds: int = 86_400

    def lock_for(self, failures: int) -> int:
        """Seconds a pair is locked after its ``failures``-th failure in a row (0: not locked)."""
        if failures < self.max_failures:
            return 0
        return min(self.lock_seconds * 2 ** min(failures - self.max_failures, 32), self.max_lock_seconds)


def _model(kind: str):
    return OperatorLoginFailures if kind == "operator" else LoginFailures


def account_key(kind: str, account_id: int | None, typed_login: str) -> str:
    """``staff:12``; for a login nobody has, a digest of it (never the text: people type passwords into
    the login field)."""
    if account_id is not None:
        return f"{kind}:{account_id}"
    return f"{kind}:?{hashlib.sha256(typed_login.strip().lower().encode()).hexdigest()[:32]}"


def begin(
    session: Session,
    kind: str,
    account_id: int | None,
    typed_login: str,
    client: str | None,
    *,
    now: dt.datetime,
    policy: LockoutPolicy,
):
    """The pair's row, created if new and locked ``FOR UPDATE`` until the caller commits (two attempts of
    one pair are counted one after the other); TooManyAttempts while the pair is locked."""
    model = _model(kind)
    statement = (
        insert(model)
        .values(
            account=account_key(kind, account_id, typed_login),
            client=(client or UNKNOWN_CLIENT)[:64],
            failures=0,
            last_failure_at=now,
        )
        # a no-op update: it returns the existing row and takes its lock
        .on_conflict_do_update(index_elements=[model.account, model.client], set_={"failures": model.failures})
        .returning(model)
    )
    row = session.scalars(statement, execution_options={"populate_existing": True}).one()
    if row.locked_until is not None and row.locked_until > now:
        retry = int((row.locked_until - now).total_seconds()) + 1
        raise TooManyAttempts(
            _("Too many failed logins to this account from your address; wait before trying again."), retry_after=retry
        )
    if row.last_failure_at < now - dt.timedelta(seconds=policy.max_lock_seconds):
        row.failures = 0  # long enough ago: forgotten
    return row


def failed(session: Session, row, *, now: dt.datetime, policy: LockoutPolicy) -> int:
    """Count a failure of the pair; returns the seconds it is now locked for (0: not locked)."""
    row.failures += 1
    row.last_failure_at = now
    seconds = policy.lock_for(row.failures)
    row.locked_until = now + dt.timedelta(seconds=seconds) if seconds else None
    session.flush()
    model = type(row)
    forgotten = now - dt.timedelta(seconds=policy.max_lock_seconds)
    session.execute(
        delete(model).where(model.last_failure_at < forgotten), execution_options={"synchronize_session": False}
    )
    return seconds


def succeeded(session: Session, row) -> None:
    session.delete(row)


def clear(session: Session, kind: str, account_id: int) -> int:
    """Lift every lock on the account, from every address (its owner has just proved who they are by
    other means: a password reset; or an admin unlocks it). Returns how many addresses' counts were
    dropped."""
    model = _model(kind)
    result = session.execute(delete(model).where(model.account == account_key(kind, account_id, "")))
    return result.rowcount or 0


def locked_addresses(session: Session, kind: str, account_id: int, *, now: dt.datetime) -> int:
    """How many client addresses are locked out of the account now (what an admin's unlock would lift)."""
    model = _model(kind)
    return session.scalar(
        select(func.count())
        .select_from(model)
        .where(model.account == account_key(kind, account_id, ""), model.locked_until > now)
    )
