"""Alerts at 50/80/100% of each quota and of the overage budget, e-mailed through a real SMTP server on
127.0.0.1 (aiosmtpd), recorded in the audit trail, and each sent once."""

import json

from billing_support import dossiers, ingest, vn
from motcua_billing.alerts.models import Alert
from motcua_billing.alerts.services import check_all
from motcua_platform.audit.models import ControlAuditEvent
from motcua_platform.messaging.mail import SmtpMailer
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


def test_the_alerts_raised_are_listed_for_finance_and_for_the_province(smtp, finance, contract, runtime, app, seeded):
    from motcua_app.testing.pytest_plugin import HostClient

    _inbox, mailer = smtp
    ingest(finance, dossiers(900, month=(2026, 11), days=14))  # 90% of November's quota: 50% and 80%
    ingest(finance, dossiers(1000, month=(2026, 10), prefix="oct"))  # 100% of October's
    assert check_all(runtime.db, mailer, VENDOR, now=vn(2026, 10, 30)) == 3
    assert check_all(runtime.db, mailer, VENDOR, now=NOW) == 2

    listed = finance.get("/api/v1/billing/alerts")
    assert listed.status_code == 200
    alerts = listed.get_json()
    assert [(a["period"], a["threshold"]) for a in alerts] == [
        ("2026-11", 80),
        ("2026-11", 50),
        ("2026-10", 100),
        ("2026-10", 80),
        ("2026-10", 50),
    ]
    newest = alerts[0]
    assert (newest["tenant"], newest["kind"], newest["subject"]) == ("alpha", "quota", "dossiers_received")
    assert newest["used_percent"] == "90.0" and "900/1000 hồ sơ" in newest["message"]
    assert sorted(newest["recipients"]) == ["finance@vendor.test", "taichinh@alpha.gov.vn"]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 5
    page = finance.get("/api/v1/billing/alerts?page_size=2&page=2")
    assert [a["threshold"] for a in page.get_json()] == [100, 80]
    october = finance.get("/api/v1/billing/alerts?tenant=alpha&period=2026-10&kind=quota").get_json()
    assert [a["threshold"] for a in october] == [100, 80, 50]
    assert finance.get("/api/v1/billing/alerts?tenant=beta").get_json() == []
    assert finance.get("/api/v1/billing/alerts?kind=budget").get_json() == []
    assert finance.get("/api/v1/billing/alerts?period=0000-01").status_code == 422
    assert finance.get("/api/v1/billing/alerts?tenant=nowhere").status_code == 404
    operator = HostClient(app, seeded["platform"].host, seeded["platform"].tokens["operator"])
    assert operator.get("/api/v1/billing/alerts").status_code == 403

    # the province's finance viewer sees its own, without the vendor's recipients
    alpha_finance = HostClient(app, seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    mine = alpha_finance.get("/api/v1/my-billing/alerts?period=2026-11")
    assert mine.status_code == 200 and [a["threshold"] for a in mine.get_json()] == [80, 50]
    assert "recipients" not in mine.get_json()[0]
    assert mine.get_json()[0]["notified"] == ["taichinh@alpha.gov.vn"]  # who was told, on the province's side
    beta_finance = HostClient(app, seeded["beta"].host, seeded["beta"].tokens["finance"])
    assert beta_finance.get("/api/v1/my-billing/alerts").get_json() == []
    officer = HostClient(app, seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer.get("/api/v1/my-billing/alerts").status_code == 403
    assert alpha_finance.get("/api/v1/billing/alerts").status_code == 404  # platform route on a tenant host
