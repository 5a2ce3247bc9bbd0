"""Recovering a forgotten password with a one-time code sent to the account's own e-mail and phone.
No Flask here: callers pass the tenant's session, the platform secret and the clock, and commit.

* ``request_reset`` answers nothing about the account (the caller gives every requester the same 202): an
  unknown or inactive login, or an account past ``MAX_PER_HOUR`` codes, writes no code and sends nothing.
* ``confirm_reset`` turns a right code into a new password. Any wrong, expired, used or superseded code,
  or an unknown login, is the same 422 (``CODE_REFUSED``); a wrong code counts against the newest code's
  ``MAX_ATTEMPTS``, and the caller commits that count even though the request fails.

Audit (tenant log, never a code or password): ``auth.password_reset_requested`` (``sent`` false when the
hourly cap held the code back) and ``auth.password_reset``, with target ``citizen:<id>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence

from motcua_platform.audit.services import Actor, record
from motcua_platform.auth import lockout
from motcua_platform.auth.passwords import hash_password, password_problems
from motcua_platform.db.base import utcnow
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from motcua_onestop.citizens.models import CitizenAccount, PasswordReset
from motcua_onestop.citizens.services import account_password_problems, find_by_login, revoke_tokens
from motcua_onestop.notifications.models import SECRET_EVENT_TTL, Event
from motcua_onestop.notifications.services import queue_for_account
from motcua_onestop.notifications.templates import render_password_changed, render_password_reset

CODE_TTL = SECRET_EVENT_TTL[Event.PASSWORD_RESET]  # the message is not sent once the code is dead
CODE_MINUTES = int(CODE_TTL.total_seconds() // 60)
MAX_PER_HOUR = 3  # codes per account: bounds the messages anyone can make us send to someone else
MAX_PER_DAY = 5
MAX_ATTEMPTS = 5  # wrong codes before a code is dead
# Wrong codes per account over all its codes of the last 24 hours: beyond, no code is sent or accepted
# for the rest of that day. Without it, asking for new codes would give a guesser 5 more tries each time
# (15 an hour, about one account in eight a year); with it, 10 guesses in 10^6 a day per account.
MAX_WRONG_PER_DAY = 10
CODE_REFUSED = _("The code is wrong, expired or already used; ask for a new one.")

# Built once: they run on every request of an unauthenticated, rate-limited endpoint.
# The account's codes of the last hour and day, and the wrong tries against the day's codes.
RECENT_CODES = select(
    func.count(PasswordReset.id).filter(PasswordReset.created_at > bindparam("hour_ago")),
    func.count(PasswordReset.id),
    func.coalesce(func.sum(PasswordReset.attempts), 0),
).where(PasswordReset.citizen_id == bindparam("citizen_id"), PasswordReset.created_at > bindparam("day_ago"))
NEWEST_CODE = (
    select(PasswordReset)
    .where(PasswordReset.citizen_id == bindparam("citizen_id"))
    .order_by(PasswordReset.id.desc())
    .limit(1)
    .with_for_update()
)


def new_code() -> str:
    """Six digits from the operating system's CSPRNG (digits only: typed on a phone, read from an SMS)."""
    return f"{secrets.randbelow(10**6):06d}"


def code_hash(key: str, tenant_slug: str, account_id: int, code: str) -> str:
    """HMAC of the code, bound to the tenant and the account, under a key derived for this purpose alone
    from the platform secret: the stored value gives a reader of the table neither the code nor a way to
    try the million candidates offline, and the platform secret itself is never used raw."""
    purpose_key = hmac.new(key.encode(), b"motcua citizen password reset", hashlib.sha256).digest()
    return hmac.new(purpose_key, f"{tenant_slug}:{account_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _budget(session: Session, account_id: int, now: dt.datetime) -> tuple[int, int, int]:
    """(codes in the last hour, codes in the last day, wrong tries against the last day's codes)."""
    params = {"citizen_id": account_id, "hour_ago": now - dt.timedelta(hours=1), "day_ago": now - dt.timedelta(days=1)}
    hourly, daily, wrong = session.execute(RECENT_CODES, params).one()
    return hourly, daily, wrong


def _system(remote_addr: str | None) -> Actor:
    return Actor("system", None, "auth", remote_addr)


def request_reset(
    session: Session,
    *,
    tenant_slug: str,
    identifier: str,
    locale: str,  # the province's: the message goes out in its language
    key: str,
    remote_addr: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Create and queue a code for the active account whose login is ``identifier``. True when a code was
    queued — for tests and logs only: the caller must answer the same whatever this returns."""
    now = now or utcnow()
    # FOR UPDATE: two requests at once for one account count and supersede in turn
    account = find_by_login(session, identifier, lock=True)
    if account is None or not account.active:
        return False
    target = f"citizen:{account.id}"
    hourly, daily, wrong = _budget(session, account.id, now)
    if hourly >= MAX_PER_HOUR or daily >= MAX_PER_DAY or wrong >= MAX_WRONG_PER_DAY:
        record(session, _system(remote_addr), "auth.password_reset_requested", target=target, sent=False)
        return False
    code = new_code()
    reset = PasswordReset(
        citizen_id=account.id,
        code_hash=code_hash(key, tenant_slug, account.id, code),
        expires_at=now + CODE_TTL,
        created_at=now,
    )
    session.add(reset)
    session.flush()  # the row's id names the outbox messages
    rendered = render_password_reset(account.full_name, code, CODE_MINUTES, locale=locale)
    queue_for_account(session, account.id, account.contact, Event.PASSWORD_RESET, rendered, fact=str(reset.id))
    record(session, _system(remote_addr), "auth.password_reset_requested", target=target, sent=True)
    return True


def _usable(reset: PasswordReset | None, now: dt.datetime) -> bool:
    return reset is not None and reset.used_at is None and reset.attempts < MAX_ATTEMPTS and reset.expires_at > now


def confirm_reset(
    session: Session,
    *,
    tenant_slug: str,
    identifier: str,
    locale: str,  # the province's language and time zone, for the notice
    timezone: str,
    code: str,
    new_password: str,
    key: str,
    site: Sequence[str | None],
    remote_addr: str | None = None,
    now: dt.datetime | None = None,
) -> CitizenAccount:
    """Set ``new_password`` on the account if ``code`` is its newest, unexpired, unused code; end every
    session of the account and clear its lockout. The password policy is checked first against what the
    caller typed and the province's names (``site``), so a weak password neither spends an attempt nor
    tells whether the code was right. Against the account's own details (name, ID number, …) it is
    checked only once the code is right: before, the answer would tell a stranger about the account."""
    if problems := password_problems(new_password, personal={"login": identifier}, site=site):
        raise InvalidInput(_("The password was not changed."), {"new_password": problems})
    now = now or utcnow()
    account = find_by_login(session, identifier, lock=True)
    if account is None or not account.active:
        raise InvalidInput(CODE_REFUSED)
    reset = session.scalar(NEWEST_CODE, {"citizen_id": account.id})
    if not _usable(reset, now) or _budget(session, account.id, now)[2] >= MAX_WRONG_PER_DAY:
        raise InvalidInput(CODE_REFUSED)
    if not hmac.compare_digest(reset.code_hash, code_hash(key, tenant_slug, account.id, code.strip())):
        reset.attempts += 1  # the caller commits this even though the request fails
        raise InvalidInput(CODE_REFUSED)
    if problems := account_password_problems(account, new_password, site):
        raise InvalidInput(_("The password was not changed."), {"new_password": problems})  # the code stays usable
    reset.used_at = now
    account.password_hash = hash_password(new_password)
    lockout.clear(session, "citizen", account.id)
    revoke_tokens(session, account.id, now=now)
    notice = render_password_changed(account.full_name, now, locale=locale, timezone=timezone)
    queue_for_account(session, account.id, account.contact, Event.PASSWORD_CHANGED, notice, fact=str(reset.id))
    record(
        session,
        Actor("citizen", account.id, account.login, remote_addr),
        "auth.password_reset",
        target=f"citizen:{account.id}",
    )
    return account
