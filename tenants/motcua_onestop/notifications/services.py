"""The notification outbox.

* ``queue_for_dossier`` is the hook the dossier service calls inside the transaction of a status change: it
  renders the templates in the province's language and time zone and inserts one outbox row per channel
  the applicant's contact allows.
  It commits or rolls back with the change; the unique idempotency key makes a repeat a no-op.
* ``queue_for_account`` does the same for a message that belongs to a citizen account rather than a
  dossier (a password-reset code), to the account's own e-mail and phone.
* ``drain_tenant`` sends pending rows one at a time: claim (``FOR UPDATE SKIP LOCKED``), send, then mark
  sent — and, for SMS, record the ``sms_sent`` usage event — in the claiming transaction. Delivery is
  at-least-once: see "Notifications" in docs/dossiers.md for what a worker dying mid-way can do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.tenant_context import TenantContext
from motcua_platform.usage import report_usage
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from motcua_onestop.dossiers.models import Dossier

from motcua_onestop.notifications.interfaces import Mailer, SmsProvider
from motcua_onestop.notifications.models import SECRET_EVENT_TTL, Event, NotificationOutbox, NotifyChannel, OutboxStatus
from motcua_onestop.notifications.templates import Facts, render

log = logging.getLogger(__name__)

SMS_METRIC = "sms_sent"
MAX_ATTEMPTS = 10  # then the row is marked failed and left for an operator
BATCH = 200  # rows per tenant and round of a drain run
DRAIN_SECONDS = 50.0  # a run stops starting rounds after this; runs start every minute


EMAIL_RE = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")
PHONE_RE = re.compile(r"(?<!\d)(?:\+?84|0)(\d{9})(?!\d)")


def contact_channels(contact: str | None) -> list[tuple[str, str]]:
    """The (channel, recipient) pairs a free-text contact allows: an e-mail address → email, a mobile
    number 0xxxxxxxxx (also written +84…, with spaces, dots or dashes) → sms (normalised to 0xxxxxxxxx)."""
    if not contact:
        return []
    found: list[tuple[str, str]] = []
    email = EMAIL_RE.search(contact)
    if email:
        found.append((NotifyChannel.EMAIL, email.group(0).lower()))
    rest = EMAIL_RE.sub(" ", contact)
    phone = PHONE_RE.search(re.sub(r"(?<=\d)[\s.\-](?=\d)", "", rest))
    if phone:
        found.append((NotifyChannel.SMS, "0" + phone.group(1)))
    return found


def tracking_url(public_url: str, code: str) -> str:
    """The public tracking address of dossier ``code`` on the tenant's public URL (``TenantContext``): the
    same whichever host the change came in on, and from the worker."""
    return f"{public_url}/track/{code}"


RATING_PATH = "/rate/"
RATING_LINK = re.compile(re.escape(RATING_PATH) + r"[A-Za-z0-9_\-]+")
FEEDBACK_PATH = "/feedback/t/"  # a feedback item's private link (its token is stored hashed, as a rating's)
FEEDBACK_LINK = re.compile(re.escape(FEEDBACK_PATH) + r"[A-Za-z0-9_\-]+")


def rating_url(public_url: str, token: str) -> str:
    """The address of the page where the holder of ``token`` rates a dossier (``dossiers.ratings``)."""
    return f"{public_url}{RATING_PATH}{token}"


def idempotency_key(owner: str, event: str, channel: str, fact: str | None = None) -> str:
    """One message per owner (``dossier:<id>`` or ``citizen:<id>``), event and channel; events that recur
    (an extension, a late notice for each new due date, a password reset) name the ``fact`` too."""
    if fact is not None:
        return f"{owner}:{event}:{fact}:{channel}"
    return f"{owner}:{event}:{channel}"


def queue_for_dossier(session: Session, tenant: TenantContext, dossier: Dossier, event: Event, **details) -> int:
    """Queue ``event``'s messages for the applicant in the caller's transaction; how many were new (a
    message already queued for the same fact is not queued again). ``details``: those of
    ``messages_for_dossier`` (``procedure_name``; ``fact``, ``contact`` and the event's own)."""
    return _insert(session, messages_for_dossier(tenant, dossier, event, **details))


def messages_for_dossier(
    tenant: TenantContext,
    dossier: Dossier,
    event: Event,
    *,
    procedure_name: str,
    reason: str | None = None,
    fact: str | None = None,
    previous_due_at: dt.datetime | None = None,
    apology: str | None = None,
    status_name: str | None = None,
    contact: str | None = None,
    rating_url: str | None = None,
) -> list[dict]:
    """The outbox rows ``queue_for_dossier`` writes (one per channel the contact allows), for a caller
    that writes them together with other rows in one statement (``db.together``: ``OUTBOX``, skipping
    conflicts on ``OUTBOX_UNIQUE`` as ``queue_for_dossier`` does). ``dossier.id`` and its code must be
    known. ``fact`` goes into the idempotency key of events that may happen more than once; ``contact``,
    when given, replaces the dossier's applicant contact as the recipient; ``rating_url``, the link to rate
    the processing that the result message carries."""
    channels = contact_channels(contact if contact is not None else dossier.applicant_contact)
    if not channels:
        return []
    facts = Facts(
        code=dossier.code,
        applicant_name=dossier.applicant_name,
        procedure_name=procedure_name,
        due_at=dossier.effective_due_at,
        tracking_url=tracking_url(tenant.public_url, dossier.code),
        reason=reason,
        total_fee=dossier.total_fee or 0,
        previous_due_at=previous_due_at,
        apology=apology,
        status_name=status_name,
        rating_url=rating_url,
    )
    rendered = render(event, facts, locale=tenant.locale, timezone=tenant.timezone)
    return _rows("dossier_id", dossier.id, event, channels, rendered, fact)


def queue_for_account(
    session: Session, account_id: int, contact: str, event: Event, rendered: tuple[str, str, str], *, fact: str
) -> int:
    """Queue an account's own message (``rendered``: subject, e-mail body, SMS text) to the e-mail and phone
    in ``contact`` (the account's, never one a requester typed), in the caller's transaction; how many were
    new. ``fact`` names the occurrence (a password reset's row id)."""
    return _insert(session, _rows("citizen_account_id", account_id, event, contact_channels(contact), rendered, fact))


def queue_for_feedback(
    session: Session, item_id: int, contact: str, event: Event, rendered: tuple[str, str, str], *, fact: str
) -> int:
    """Queue a feedback item's step (``rendered``: subject, e-mail body, SMS text) to the e-mail and phone in
    ``contact`` (what its sender gave), in the caller's transaction; how many were new. ``fact`` names the
    occurrence (the step's time), so a step taken twice is told twice and a retry never."""
    return _insert(session, _rows("feedback_item_id", item_id, event, contact_channels(contact), rendered, fact))


def queue_for_report(
    session: Session, report_id: int, recipients: list[str], rendered: tuple[str, str], *, event: Event
) -> int:
    """Queue a statistics report's notice (``rendered``: subject, e-mail body) to each address in
    ``recipients`` (the province's own list), in the caller's transaction; how many were new."""
    subject, body = rendered
    rows = [
        {
            "report_id": report_id,
            "event": str(event),
            "channel": str(NotifyChannel.EMAIL),
            "recipient": address,
            "subject": subject,
            "body": body,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            # the address hashed: keys stay short and an address is not repeated in them
            "idempotency_key": idempotency_key(
                f"report:{report_id}", event, NotifyChannel.EMAIL, hashlib.sha256(address.encode()).hexdigest()[:16]
            ),
        }
        for address in recipients
    ]
    return _insert(session, rows)


# the outbox column naming a row's owner → the owner's prefix in its idempotency key
OWNER_KEYS = {"dossier_id": "dossier", "citizen_account_id": "citizen", "feedback_item_id": "feedback"}


def _rows(owner_column: str, owner_id: int, event: Event, channels, rendered, fact) -> list[dict]:
    subject, body, sms = rendered
    owner = f"{OWNER_KEYS[owner_column]}:{owner_id}"
    return [
        {
            owner_column: owner_id,
            "event": str(event),
            "channel": str(channel),
            "recipient": recipient,
            "subject": subject,
            "body": body if channel == NotifyChannel.EMAIL else sms,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "idempotency_key": idempotency_key(owner, event, channel, fact),
        }
        for channel, recipient in channels
    ]


def _insert(session: Session, rows: list[dict]) -> int:
    return len(session.execute(QUEUE, rows).all()) if rows else 0


# Built once, and sent as one statement for every channel (SQLAlchemy's "insertmanyvalues" turns the rows
# into one multi-row INSERT because it returns the ids of the rows it added): a Core insert of the table,
# as the ORM's bulk-insert layer would only add work to a plain INSERT. A row already queued is left alone.
OUTBOX = NotificationOutbox.__table__
OUTBOX_UNIQUE = ("idempotency_key",)
QUEUE = insert(OUTBOX).on_conflict_do_nothing(index_elements=list(OUTBOX_UNIQUE)).returning(OUTBOX.c.id)


# -- sending -------------------------------------------------------------------------------------
@dataclass
class DrainReport:
    tenant: str
    sent: int = 0
    retried: int = 0
    failed: int = 0
    last_id: int = 0  # the last row tried: a following round of the same run starts after it
    more: bool = False  # the limit was reached before the outbox was empty


def usage_event_id(row: NotificationOutbox) -> str:
    return f"notification:{row.idempotency_key}"


def _claim(session: Session, after_id: int, channels: list[str]) -> NotificationOutbox | None:
    query = (
        select(NotificationOutbox)
        .where(
            NotificationOutbox.status == OutboxStatus.PENDING,
            NotificationOutbox.id > after_id,
            NotificationOutbox.channel.in_(channels),
        )
        .order_by(NotificationOutbox.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalar(query)


def message_key(tenant_slug: str, row: NotificationOutbox) -> str:
    """What a provider sees as the message's identity (the SMS ``reference``, the e-mail's Message-ID):
    the same on every attempt at this row, and never another message's. Dossier ids repeat across
    provinces (one sequence per schema), and within one after a restore from backup or a re-provisioned
    slug, so the tenant and the moment the row was queued stand beside the idempotency key."""
    return f"{tenant_slug}.{row.idempotency_key}.{row.created_at.astimezone(dt.UTC):%Y%m%dT%H%M%S%fZ}"


def _deliver(tenant_slug: str, row: NotificationOutbox, mailer: Mailer | None, sms: SmsProvider) -> None:
    if row.channel == NotifyChannel.EMAIL:
        assert mailer is not None
        mailer.send([row.recipient], row.subject, row.body, idempotency_key=message_key(tenant_slug, row))
    else:
        secret = (
            row.event in SECRET_EVENT_TTL
            or RATING_LINK.search(row.body) is not None
            or FEEDBACK_LINK.search(row.body) is not None
        )
        sms.send(row.recipient, row.body, reference=message_key(tenant_slug, row), secret=secret)


FORGOTTEN = "(Nội dung chứa mã xác nhận; không lưu lại sau khi gửi.)"


def _forget_secret(row: NotificationOutbox) -> None:
    """A message carrying a one-time code keeps its body only until it is settled: the code's owner
    has it, and the database then holds nothing a reader could use (the code itself is stored hashed). A
    result message keeps its text but not its rating link, for the same reason (the link's token is stored
    hashed too)."""
    if row.event in SECRET_EVENT_TTL:
        row.body = FORGOTTEN
    else:
        row.body = FEEDBACK_LINK.sub(FEEDBACK_PATH + "…", RATING_LINK.sub(RATING_PATH + "…", row.body))


def discard_dead_secrets(session: Session, now: dt.datetime) -> int:
    """Pending messages whose one-time code has expired are not sent (it would only confuse) and their
    text is erased, whichever channel they wait for (e-mail waits for ever without an SMTP server)."""
    discarded = 0
    for event, ttl in SECRET_EVENT_TTL.items():
        result = session.execute(
            update(NotificationOutbox)
            .where(
                NotificationOutbox.status == OutboxStatus.PENDING,
                NotificationOutbox.event == event,
                NotificationOutbox.created_at < now - ttl,
            )
            .values(status=OutboxStatus.FAILED, body=FORGOTTEN, last_error="expired before it was sent")
        )
        discarded += result.rowcount
    return discarded


def drain_tenant(
    db: Database,
    tenant_slug: str,
    mailer: Mailer | None,
    sms: SmsProvider,
    *,
    limit: int = BATCH,
    now: dt.datetime | None = None,
    after_id: int = 0,
) -> DrainReport:
    """Send up to ``limit`` pending rows of one tenant with ids above ``after_id``, each in its own
    transaction. Rows are walked in id order, so each is tried at most once per run (a run that comes back
    for more passes the report's ``last_id``) and a failing server does not spin the worker."""
    report = DrainReport(tenant_slug, last_id=after_id)
    channels = [NotifyChannel.SMS] + ([NotifyChannel.EMAIL] if mailer is not None else [])
    binding = db.binding(tenant_slug)
    if after_id == 0:  # a run's first round
        with db.tenant_session(binding) as session:
            discard_dead_secrets(session, now or utcnow())
            session.commit()
    for _ in range(limit):
        with db.tenant_session(binding) as session:
            row = _claim(session, report.last_id, channels)
            if row is None:
                return report
            report.last_id = row.id
            row.attempts += 1
            try:
                _deliver(tenant_slug, row, mailer, sms)
            except Exception as exc:
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = OutboxStatus.FAILED
                    _forget_secret(row)
                    report.failed += 1
                    log.error("notification %s gave up after %s attempts: %s", row.id, row.attempts, exc)
                else:
                    report.retried += 1
                    log.warning("notification %s not sent (attempt %s): %s", row.id, row.attempts, exc)
                session.commit()
                continue
            moment = now or utcnow()
            row.status = OutboxStatus.SENT
            row.sent_at = moment
            row.last_error = None
            _forget_secret(row)
            if row.channel == NotifyChannel.SMS:
                report_usage(session, tenant_slug, SMS_METRIC, usage_event_id(row), 1, moment)
            session.commit()
            report.sent += 1
    report.more = True
    return report


def drain_all(
    db: Database,
    mailer: Mailer | None,
    sms: SmsProvider,
    *,
    now: dt.datetime | None = None,
    batch: int = BATCH,
    seconds: float = DRAIN_SECONDS,
) -> list[DrainReport]:
    """Drain every active tenant, in rounds of up to ``batch`` rows per tenant, until every outbox is empty
    or ``seconds`` have passed (under the minute between runs): a province with a morning's queue does not
    wait a minute per ``batch`` rows, nor hold back the others. Each row is tried at most once per run; one
    tenant's failure does not hold back the others."""
    with db.control_session() as session:
        slugs = list(session.scalars(select(Tenant.slug).where(Tenant.status == TenantStatus.ACTIVE)))
    deadline = time.monotonic() + seconds
    reports = {slug: DrainReport(slug) for slug in slugs}
    busy = slugs
    while busy and time.monotonic() < deadline:
        still_busy = []
        for slug in busy:
            total = reports[slug]
            try:
                report = drain_tenant(db, slug, mailer, sms, limit=batch, now=now, after_id=total.last_id)
            except Exception:
                log.exception("draining the notification outbox of %s failed", slug)
                continue
            total.sent, total.retried, total.failed = (
                total.sent + report.sent,
                total.retried + report.retried,
                total.failed + report.failed,
            )
            total.last_id, total.more = report.last_id, report.more
            if report.more:
                still_busy.append(slug)
        busy = still_busy
    return list(reports.values())
