"""Alerts at 50/80/100% of each metric's quota (per billing period) and of the contract year's overage
budget. Each alert is written once (unique key) in the same transaction as its audit record; the e-mail
goes to the province's finance contacts and the vendor before that transaction commits, so a failed
delivery leaves no record and is tried again at the next check. Texts are in the province's language
(``Tenant.locale``)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.db.unit_of_work import UnitOfWork
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.errors import NotFound
from motcua_platform.i18n import gettext, use_locale, vnd
from motcua_platform.messaging.interfaces import Mailer
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_billing.alerts.models import Alert
from motcua_billing.catalog.services import get_account
from motcua_billing.reports.services import usage_summary

log = logging.getLogger(__name__)
THRESHOLDS = (50, 80, 100)
SYSTEM = Actor("system", None, "billing-alerts")


@dataclass(frozen=True)
class Crossing:
    kind: str
    subject: str
    period_key: str
    threshold: int
    percent: str
    text: str


def _crossings(summary) -> list[Crossing]:
    found = []
    period_key = f"{summary.period_start:%Y-%m}"
    for metric in summary.metrics:
        if metric.used_percent is None:
            continue
        for threshold in THRESHOLDS:
            if metric.used_percent >= threshold:
                found.append(
                    Crossing(
                        "quota",
                        metric.metric,
                        period_key,
                        threshold,
                        str(metric.used_percent),
                        gettext(
                            "%(metric)s: used %(used)s/%(included)s %(unit)s (%(percent)s%% of the quota for "
                            "period %(period)s).",
                            metric=metric.name,
                            used=format(metric.quantity.normalize(), "f"),
                            included=format(metric.included.normalize(), "f"),
                            unit=metric.unit,
                            percent=metric.used_percent,
                            period=period_key,
                        ),
                    )
                )
    budget = summary.budget
    if budget.get("used_percent") is not None:
        year_key = f"{budget['year_start']:%Y-%m}/{budget['year_end']:%Y-%m}"
        for threshold in THRESHOLDS:
            if budget["used_percent"] >= threshold:
                found.append(
                    Crossing(
                        "budget",
                        "overage_budget",
                        year_key,
                        threshold,
                        str(budget["used_percent"]),
                        gettext(
                            "Overage cost in contract year %(year)s: %(spent)s VND against a budget of %(budget)s "
                            "VND (%(percent)s%%).",
                            year=year_key,
                            spent=vnd(budget["overage_to_date_vnd"]),
                            budget=vnd(budget["overage_budget_vnd"]),
                            percent=budget["used_percent"],
                        ),
                    )
                )
    return found


def check_tenant(
    session: Session,
    tenant: Tenant,
    mailer: Mailer | None,
    vendor_emails: tuple[str, ...],
    *,
    now: dt.datetime | None = None,
) -> list[Alert]:
    """Send the alerts ``tenant`` has newly crossed; the caller commits after each tenant."""
    try:
        summary = usage_summary(session, tenant.id, tenant.slug, now=now or utcnow())
    except NotFound:
        return []
    account = get_account(session, tenant.id)
    province = list(account.emails) if account else []
    recipients = list(dict.fromkeys(province + list(vendor_emails)))
    with use_locale(tenant.locale):
        return _send(session, tenant, summary, mailer, recipients)


def _send(session: Session, tenant: Tenant, summary, mailer: Mailer | None, recipients: list[str]) -> list[Alert]:
    sent = []
    for crossing in _crossings(summary):
        inserted = session.execute(
            insert(Alert)
            .values(
                tenant_id=tenant.id,
                kind=crossing.kind,
                subject=crossing.subject,
                period_key=crossing.period_key,
                threshold=crossing.threshold,
                details={"percent": crossing.percent, "text": crossing.text},
                recipients=recipients if mailer else [],
            )
            .on_conflict_do_nothing(constraint="uq_billing_alerts_key")
            .returning(Alert.id)
        ).first()
        if inserted is None:
            continue  # already sent
        what = gettext("quota") if crossing.kind == "quota" else gettext("overage budget")
        subject = gettext(
            "[Motcua] %(province)s: %(threshold)s%% of the %(what)s used (%(subject)s)",
            province=tenant.name,
            threshold=crossing.threshold,
            what=what,
            subject=crossing.subject,
        )
        body = gettext(
            "Dear finance team of %(province)s,\n\n%(text)s\n\nAlert threshold: %(threshold)s%%. See the details "
            "under Billing in the administration portal.\n",
            province=tenant.name,
            text=crossing.text,
            threshold=crossing.threshold,
        )
        if mailer is not None and recipients:
            mailer.send(recipients, subject, body)
        else:
            log.warning("billing alert for %s not mailed (no SMTP or no recipients): %s", tenant.slug, subject)
        record(
            session,
            SYSTEM,
            "billing.alert",
            target=f"tenant:{tenant.slug}",
            tenant_slug=tenant.slug,
            kind=crossing.kind,
            subject=crossing.subject,
            period=crossing.period_key,
            threshold=crossing.threshold,
            recipients=recipients if mailer else [],
        )
        sent.append(session.get(Alert, inserted[0]))
    return sent


def check_all(db, mailer: Mailer | None, vendor_emails: tuple[str, ...], *, now: dt.datetime | None = None) -> int:
    """Check every active tenant, one transaction each (one failure does not hold back the others)."""
    with db.control_session() as session:
        tenants = list(session.scalars(select(Tenant).where(Tenant.status == TenantStatus.ACTIVE)))
    count = 0
    for tenant in tenants:
        try:
            with UnitOfWork(db) as work:
                count += len(check_tenant(work.control_session(), tenant, mailer, vendor_emails, now=now))
        except Exception:
            log.exception("billing alerts for %s failed; they will be tried again", tenant.slug)
    return count


def list_alerts(*, tenant_id: int | None = None, period: dt.date | None = None, kind: str | None = None) -> Select:
    """Alerts raised, newest first. ``period`` (a month): the quota alerts of the billing period that begins
    that month and the budget alerts of the contract year that contains it (keys ``2026-01/2027-01``, which
    compare as text)."""
    query = select(Alert).order_by(Alert.sent_at.desc(), Alert.id.desc())
    if tenant_id is not None:
        query = query.where(Alert.tenant_id == tenant_id)
    if kind is not None:
        query = query.where(Alert.kind == kind)
    if period is not None:
        key = f"{period:%Y-%m}"
        query = query.where(
            or_(
                and_(Alert.kind == "quota", Alert.period_key == key),
                and_(
                    Alert.kind == "budget",
                    func.split_part(Alert.period_key, "/", 1) <= key,
                    func.split_part(Alert.period_key, "/", 2) > key,
                ),
            )
        )
    return query


def mailer_from_config(config) -> Mailer | None:
    if not config.smtp_host:
        return None
    from motcua_platform.messaging.mail import SmtpMailer

    return SmtpMailer(config.smtp_host, config.smtp_port, config.smtp_sender)
