"""Recording usage.

* ``record_usage`` is what other features call inside their own transaction. On a control-plane session
  the event goes straight into the ledger; on a tenant-bound session (running as the tenant's role, which
  cannot see ``control``) it goes into the tenant's own ``billing_usage_outbox`` and ``drain_outbox`` moves it
  to the ledger later. Either way it commits or rolls back with the fact it counts.
* ``ingest`` takes a batch from other sources and answers per item: accepted, duplicate (a no-op, never an
  error) or rejected (with the reason). One bad item never blocks the others.
* The ledger is unique on (tenant, metric, event id); inserts use ``ON CONFLICT DO NOTHING`` so the claim
  and the write are one statement (no "claimed but not written" window).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database, TenantSession
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from motcua_platform.usage import UsageReport
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_billing.catalog.models import Aggregation, BillableMetric
from motcua_billing.rating.services import to_decimal
from motcua_billing.usage import metrics as usage_metrics
from motcua_billing.usage.models import UsageOutbox

log = logging.getLogger(__name__)

EVENT_ID_RE = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces: dossier:123:received
MAX_QUANTITY = Decimal("1e14")
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
MAX_BATCH = 5000


@dataclass(frozen=True)
class UsageItem:
    tenant: str
    metric: str
    event_id: str
    quantity: Decimal
    occurred_at: dt.datetime
    properties: dict | None = None


@dataclass
class ItemResult:
    index: int
    event_id: Any
    status: str  # accepted | duplicate | rejected
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        body = {"index": self.index, "event_id": self.event_id, "status": self.status}
        if self.errors:
            body["errors"] = self.errors
        return body


@dataclass
class BatchResult:
    results: list[ItemResult]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def as_dict(self) -> dict:
        return {
            "accepted": self.count("accepted"),
            "duplicates": self.count("duplicate"),
            "rejected": self.count("rejected"),
            "results": [r.as_dict() for r in self.results],
        }


# -- validation ----------------------------------------------------------------------------------
def _check_item(
    raw: Mapping[str, Any], metrics: Mapping[str, str] | None, tenants: Mapping[str, int] | None, now: dt.datetime
) -> tuple[UsageItem | None, dict[str, list[str]]]:
    """Parse one raw item; ``metrics`` maps code → aggregation, ``tenants`` slug → id (None: not checked)."""
    errors: dict[str, list[str]] = {}
    tenant = raw.get("tenant")
    if not isinstance(tenant, str) or not tenant:
        errors["tenant"] = [_("The tenant slug is required.")]
    elif tenants is not None and tenant not in tenants:
        errors["tenant"] = [_("Unknown tenant '%(tenant)s'.", tenant=tenant)]
    metric = raw.get("metric")
    aggregation = None
    if not isinstance(metric, str) or not metric:
        errors["metric"] = [_("The metric code is required.")]
    elif metrics is not None:
        aggregation = metrics.get(metric)
        if aggregation is None:
            errors["metric"] = [_("Unknown metric '%(metric)s'.", metric=metric)]
    event_id = raw.get("event_id")
    if not isinstance(event_id, str) or not EVENT_ID_RE.match(event_id):
        errors["event_id"] = [
            _(
                "The event id is required: up to 200 printable characters without spaces, derived from "
                "the fact (e.g. dossier:123:received), never random per attempt.",
            )
        ]
    quantity = raw.get("quantity", 1)
    try:
        quantity = to_decimal(quantity)
    except ValueError:
        errors["quantity"] = [_("%(quantity)s is not a number.", quantity=repr(quantity))]
    else:
        if quantity < 0:
            errors["quantity"] = [_("The quantity cannot be negative.")]
        elif quantity > MAX_QUANTITY:
            errors["quantity"] = [_("The quantity is too large.")]
        elif quantity != quantity.quantize(Decimal("0.000001")):
            errors["quantity"] = [_("At most 6 decimal places.")]
        elif aggregation == Aggregation.COUNT and quantity != 1:
            errors["quantity"] = [
                _("'%(metric)s' counts events: send quantity 1 (or none) and one event per fact.", metric=metric)
            ]
    occurred_at = raw.get("occurred_at")
    if isinstance(occurred_at, str):
        try:
            occurred_at = dt.datetime.fromisoformat(occurred_at)
        except ValueError:
            occurred_at = None
    if not isinstance(occurred_at, dt.datetime) or occurred_at.tzinfo is None:
        errors["occurred_at"] = [_("A date and time with its offset is required, e.g. 2026-10-05T09:30:00+07:00.")]
    elif occurred_at > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = [_("The event is in the future; send it when it has happened.")]
    elif occurred_at.year < 2000:
        errors["occurred_at"] = [_("The event is too old.")]
    properties = raw.get("properties")
    if properties is not None and not isinstance(properties, dict):
        errors["properties"] = [_("Properties must be an object.")]
    if errors:
        return None, errors
    return UsageItem(tenant, metric, event_id, quantity, occurred_at, properties), {}


def _metric_aggregations(session: Session) -> dict[str, str]:
    return dict(session.execute(select(BillableMetric.code, BillableMetric.aggregation)).all())


def _tenant_ids(session: Session, slugs: Iterable[str]) -> dict[str, int]:
    slugs = set(slugs)
    if not slugs:
        return {}
    return dict(session.execute(select(Tenant.slug, Tenant.id).where(Tenant.slug.in_(slugs))).all())


# -- the ledger ----------------------------------------------------------------------------------
# One statement per batch, whatever its size: the rows travel as arrays and are unnested in the database
# (compiling a multi-row VALUES of thousands of bind parameters costs more than the insert itself).
INSERT_EVENTS = text(
    """
    INSERT INTO control.billing_usage_events
        (tenant_id, metric_code, event_id, quantity, occurred_at, source, properties)
    SELECT t, m, e, q, o, s, CAST(p AS jsonb)
    FROM unnest(
        CAST(:tenant_ids AS bigint[]), CAST(:metrics AS text[]), CAST(:event_ids AS text[]),
        CAST(:quantities AS numeric[]), CAST(:occurred AS timestamptz[]), CAST(:sources AS text[]),
        CAST(:properties AS text[])
    ) AS rows(t, m, e, q, o, s, p)
    ON CONFLICT ON CONSTRAINT uq_billing_usage_events_key DO NOTHING
    RETURNING tenant_id, metric_code, event_id
    """
)


def _insert_events(session: Session, rows: list[dict]) -> set[tuple[int, str, str]]:
    """Insert rows, ignoring those already there (same tenant, metric and event id); the keys inserted."""
    if not rows:
        return set()
    params = {
        "tenant_ids": [r["tenant_id"] for r in rows],
        "metrics": [r["metric_code"] for r in rows],
        "event_ids": [r["event_id"] for r in rows],
        "quantities": [r["quantity"] for r in rows],
        "occurred": [r["occurred_at"] for r in rows],
        "sources": [r["source"] for r in rows],
        "properties": [None if r["properties"] is None else json.dumps(r["properties"]) for r in rows],
    }
    return {tuple(row) for row in session.execute(INSERT_EVENTS, params)}


def ingest(
    session: Session, raw_items: Sequence[Mapping[str, Any]], *, source: str = "api", now: dt.datetime | None = None
) -> BatchResult:
    """Validate and store a batch on a control-plane session; the caller commits."""
    if len(raw_items) > MAX_BATCH:
        raise InvalidInput(
            _("At most %(max_batch)s events per batch.", max_batch=MAX_BATCH),
            {"events": [_("%(raw_items_count)s sent.", raw_items_count=len(raw_items))]},
        )
    now = now or utcnow()
    metrics = _metric_aggregations(session)
    tenants = _tenant_ids(
        session, (r["tenant"] for r in raw_items if isinstance(r, Mapping) and isinstance(r.get("tenant"), str))
    )
    results: list[ItemResult] = []
    rows: list[dict] = []
    keys: dict[tuple[int, str, str], int] = {}  # first index of each key in this batch
    for index, raw in enumerate(raw_items):
        if not isinstance(raw, Mapping):
            results.append(ItemResult(index, None, "rejected", {"_schema": ["Each event is an object."]}))
            continue
        item, errors = _check_item(raw, metrics, tenants, now)
        if item is None:
            results.append(ItemResult(index, raw.get("event_id"), "rejected", errors))
            continue
        key = (tenants[item.tenant], item.metric, item.event_id)
        results.append(ItemResult(index, item.event_id, "duplicate"))
        if key in keys:
            continue  # repeated inside the batch: the first occurrence decides
        keys[key] = index
        rows.append(
            {
                "tenant_id": key[0],
                "metric_code": item.metric,
                "event_id": item.event_id,
                "quantity": item.quantity,
                "occurred_at": item.occurred_at,
                "source": source,
                "properties": item.properties,
            }
        )
    for key in _insert_events(session, rows):
        results[keys[key]].status = "accepted"
    return BatchResult(results)


# Built once: it runs in the transaction of every counted fact (each dossier received, each SMS sent).
RECORD_IN_TENANT = (
    insert(UsageOutbox.__table__)
    .on_conflict_do_nothing(constraint="uq_billing_usage_outbox_key")
    .returning(UsageOutbox.__table__.c.id)
)


def record_usage(
    session: Session,
    tenant_slug: str,
    metric_code: str,
    event_id: str,
    quantity: Decimal | int | str = 1,
    occurred_at: dt.datetime | None = None,
    properties: dict | None = None,
) -> str:
    """Record one usage event in the caller's transaction; ``'accepted'`` or ``'duplicate'``.

    Call it in the same transaction as the fact it counts, with an id derived from that fact
    (``dossier:<id>:received``). Raises ``InvalidInput`` for bad input.
    """
    now = utcnow()
    occurred_at = occurred_at or now
    raw = {
        "tenant": tenant_slug,
        "metric": metric_code,
        "event_id": event_id,
        "quantity": quantity,
        "occurred_at": occurred_at,
        "properties": properties,
    }
    if isinstance(session, TenantSession):
        if session.binding.slug != tenant_slug:
            raise InvalidInput(
                _(
                    "This session is bound to tenant '%(slug)s', not '%(tenant_slug)s'.",
                    slug=session.binding.slug,
                    tenant_slug=tenant_slug,
                ),
                {"tenant": [_("Usage can only be recorded for the session's own tenant.")]},
            )
        # The tenant role cannot read the metric catalogue; the drain checks the code against it.
        item, errors = _check_item(raw, None, None, now)
        if item is None:
            raise InvalidInput(_("The usage event was not recorded."), errors)
        values = {
            "metric_code": item.metric,
            "event_id": item.event_id,
            "quantity": item.quantity,
            "occurred_at": item.occurred_at,
        }
        return "accepted" if session.execute(RECORD_IN_TENANT, values).first() is not None else "duplicate"
    result = ingest(session, [raw], source="internal", now=now).results[0]
    if result.status == "rejected":
        raise InvalidInput(_("The usage event was not recorded."), result.errors)
    return result.status


# -- draining tenant outboxes --------------------------------------------------------------------
@dataclass
class DrainReport:
    tenant: str
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0


def drain_outbox(db: Database, slug: str, *, batch: int = 5000) -> DrainReport:
    """Move one tenant's pending outbox rows into the ledger.

    The ledger insert commits first, then the outbox rows are marked drained. A crash in between only
    means the rows are offered again next time, and the ledger's unique key turns them into no-ops. That
    order is the reverse of a unit of work's (tenant first), which is why this commits each step by hand.
    """
    report = DrainReport(slug)
    binding = db.binding(slug)
    while True:
        with db.tenant_session(binding) as tenant_session:
            pending = list(
                tenant_session.scalars(
                    select(UsageOutbox)
                    .where(UsageOutbox.drained_at.is_(None))
                    .order_by(UsageOutbox.id)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            )
            if not pending:
                tenant_session.rollback()
                return report
            raw = [
                {
                    "tenant": slug,
                    "metric": row.metric_code,
                    "event_id": row.event_id,
                    "quantity": row.quantity,
                    "occurred_at": row.occurred_at,
                }
                for row in pending
            ]
            with db.control_session() as control:
                # Validated as when they were recorded, except the clock: a late drain is not "the future".
                result = ingest(control, raw, source="outbox", now=max(r.occurred_at for r in pending))
                rejected = [r for r in result.results if r.status == "rejected"]
                if rejected:
                    record(
                        control,
                        Actor("system", None, "usage-drain"),
                        "billing.usage_rejected",
                        target=f"tenant:{slug}",
                        tenant_slug=slug,
                        events=[{"event_id": r.event_id, "errors": r.errors} for r in rejected[:50]],
                        count=len(rejected),
                    )
                control.commit()
            drained_at = utcnow()
            for row, outcome in zip(pending, result.results, strict=True):
                row.drained_at = drained_at
                row.outcome = outcome.status
                row.error = "; ".join(str(m) for msgs in outcome.errors.values() for m in msgs) or None
            tenant_session.commit()
        usage_metrics.count(result, "outbox")
        report.accepted += result.count("accepted")
        report.duplicates += result.count("duplicate")
        report.rejected += result.count("rejected")
        if len(pending) < batch:
            return report


def drain_all(db: Database) -> list[DrainReport]:
    with db.control_session() as session:
        slugs = list(
            # a merged tenant's outbox may still hold usage of its last days: drained until it is deleted
            session.scalars(
                select(Tenant.slug).where(
                    Tenant.status.in_([TenantStatus.ACTIVE, TenantStatus.SUSPENDED, TenantStatus.MERGED])
                )
            )
        )
    reports = []
    for slug in slugs:
        try:
            reports.append(drain_outbox(db, slug))
        except Exception:  # one tenant's failure must not stop the others' billing
            log.exception("draining the usage outbox of %s failed", slug)
    return reports


def pending_outbox(session: TenantSession) -> int:
    return session.scalar(select(func.count()).select_from(UsageOutbox).where(UsageOutbox.drained_at.is_(None)))


# -- reading -------------------------------------------------------------------------------------
def on_usage_reported(session: Session, *, event: UsageReport) -> None:
    """Receiver of ``signals.usage_reported``: the product's usage goes into the ledger's outbox in the
    product's own transaction."""
    record_usage(session, event.tenant_slug, event.metric_code, event.event_id, event.quantity, event.occurred_at)
