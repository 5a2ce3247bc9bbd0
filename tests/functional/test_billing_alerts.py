"""Alerts at 50/80/100% of each quota and of the overage budget, e-mailed through a real SMTP server on
127.0.0.1 (aiosmtpd), recorded in the audit trail, and each sent once."""

from billing_support import dossiers, ingest, vn
from motcua_billing.alerts.mail import SmtpMailer
from motcua_billing.alerts.models import Alert
from motcua_billing.alerts.services import check_all
from motcua_platform.audit.models import ControlAuditEvent
from sqlalchemy import select

NOW = vn(2026, 11, 15)  # half-way through November (the official tariff is in force)
VENDOR = ("finance@vendor.test",)


def subjects(inbox):
    return [str(m["Subject"]) for _, m in inbox.messages]


def test_quota_and_budget_alerts_are_mailed_once(smtp, finance, contract, runtime):
    inbox, mailer = smtp
    ingest(finance, dossiers(499, month=(2026, 11), days=14))
    assert check_all(runtime.db, mailer, VENDOR, now=NOW) == 0
    ingest(finance, dossiers(1, month=(2026, 11), days=14, prefix="a"))  # 500 of 1,000: 50%
    assert check_all(runtime.db, mailer, VENDOR, now=NOW) == 1
    recipients, message = inbox.messages[0]
    assert sorted(recipients) == ["finance@vendor.test", "taichinh@alpha.gov.vn"]
    assert "50% hạn mức (dossiers_received)" in subjects(inbox)[0]
    assert "500/1000 hồ sơ" in message.get_content()
    assert check_all(runtime.db, mailer, VENDOR, now=NOW) == 0  # sent once

    ingest(finance, dossiers(600, month=(2026, 11), days=14, prefix="b"))  # 1,100: crosses 80% and 100% together
    assert check_all(runtime.db, mailer, VENDOR, now=NOW) == 2
    assert ["80%" in s for s in subjects(inbox)[1:]] == [True, False]
    # 240 million budget: 500 SMS packages of 350,000 đ = 175 million (73%), so 50% is crossed.
    ingest(
        finance,
        [
            {
                "tenant": "alpha",
                "metric": "sms_sent",
                "event_id": "sms:bulk",
                "quantity": 520000,
                "occurred_at": vn(2026, 11, 10).isoformat(),
            }
        ],
    )
    # SMS also passed 50, 80 and 100% of its own quota at once.
    assert check_all(runtime.db, mailer, VENDOR, now=NOW) == 4
    assert "50% dự toán vượt hạn mức (overage_budget)" in subjects(inbox)[-1]
    assert "175.060.000 đồng trên dự toán 240.000.000 đồng (72.9%)" in inbox.messages[-1][1].get_content()
    assert check_all(runtime.db, mailer, VENDOR, now=NOW) == 0
    assert len(inbox.messages) == 7

    with runtime.db.control_session() as session:
        alerts = session.scalars(select(Alert).order_by(Alert.id)).all()
        assert [(a.kind, a.subject, a.threshold) for a in alerts] == [
            ("quota", "dossiers_received", 50),
            ("quota", "dossiers_received", 80),
            ("quota", "dossiers_received", 100),
            ("quota", "sms_sent", 50),
            ("quota", "sms_sent", 80),
            ("quota", "sms_sent", 100),
            ("budget", "overage_budget", 50),
        ]
        audited = session.scalars(select(ControlAuditEvent).where(ControlAuditEvent.action == "billing.alert")).all()
        assert len(audited) == 7 and all(a.tenant_slug == "alpha" for a in audited)


def test_a_failed_delivery_is_retried_later(finance, contract, runtime, smtp):
    inbox, mailer = smtp
    ingest(finance, dossiers(900, month=(2026, 11), days=14))
    broken = SmtpMailer("127.0.0.1", 1, "billing@motcua.test", timeout=2)  # nothing listens on port 1
    assert check_all(runtime.db, broken, VENDOR, now=NOW) == 0
    with runtime.db.control_session() as session:
        assert session.scalars(select(Alert)).all() == []
    assert check_all(runtime.db, mailer, VENDOR, now=NOW) == 2
    assert len(inbox.messages) == 2
