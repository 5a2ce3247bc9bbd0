"""Notifications to the applicant: written to the tenant outbox with the status change, sent by the drain
(real e-mail to aiosmtpd on 127.0.0.1, SMS through the log provider), each once, SMS counted as usage."""

import datetime as dt

import pytest
from dossier_support import FORM, MARRIAGE, SYSTEM, intake_body, move
from motcua_billing.usage.models import UsageOutbox
from motcua_onestop.dossiers.intake import services as intake
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.dossiers.notices import on_status_change
from motcua_onestop.notifications.interfaces import LogSmsProvider
from motcua_onestop.notifications.models import Event, NotificationOutbox
from motcua_onestop.notifications.services import (
    contact_channels,
    drain_all,
    drain_tenant,
    message_key,
    queue_for_dossier,
)
from motcua_onestop.notifications.templates import Facts
from motcua_platform.messaging.mail import SmtpMailer
from motcua_platform.plugins.engine import active
from sqlalchemy import select

CONTACT = "tran.chong@example.vn; 090 123 4567"


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


def receive(officer, seeded, contact=CONTACT):
    body = intake_body(seeded, applicant={"full_name": "Trần Văn Chồng", "contact": contact})
    response = officer.post("/api/v1/dossiers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def outbox(runtime, dossier_id=None):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        query = select(NotificationOutbox).order_by(NotificationOutbox.id)
        if dossier_id is not None:
            query = query.where(NotificationOutbox.dossier_id == dossier_id)
        return session.scalars(query).all()


def sms_usage(runtime):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        return session.scalars(
            select(UsageOutbox.event_id).where(UsageOutbox.metric_code == "sms_sent").order_by(UsageOutbox.id)
        ).all()


def test_contact_channels():
    assert contact_channels("A@B.vn, 0901234567") == [("email", "a@b.vn"), ("sms", "0901234567")]
    assert contact_channels("+84 901.234.567") == [("sms", "0901234567")]
    assert contact_channels("Xã A, huyện B") == [] and contact_channels(None) == []


def test_intake_writes_the_outbox_in_its_transaction(officer, seeded, runtime):
    dossier = receive(officer, seeded)
    rows = outbox(runtime, dossier["id"])
    assert [(r.event, r.channel, r.recipient, r.status, r.attempts) for r in rows] == [
        ("intake", "email", "tran.chong@example.vn", "pending", 0),
        ("intake", "sms", "0901234567", "pending", 0),
    ]
    assert rows[0].idempotency_key == f"dossier:{dossier['id']}:intake:email"
    assert dossier["code"] in rows[0].subject and "đã được tiếp nhận" in rows[0].subject
    body = rows[0].body
    assert "Kính gửi Ông/Bà Trần Văn Chồng" in body and "Ngày hẹn trả kết quả" in body
    assert f"/track/{dossier['code']}" in body and dossier["procedure_name"] in body
    assert dossier["code"] in rows[1].body and "Tra cứu" in rows[1].body
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:  # the hook run again: nothing new
        again = session.get(Dossier, dossier["id"])
        assert queue_for_dossier(session, seeded["alpha"].context, again, Event.INTAKE, procedure_name="x") == 0
        assert (
            queue_for_dossier(session, seeded["alpha"].context, again, Event.LATE, procedure_name="x", fact="f1") == 2
        )
        session.rollback()

    before = len(outbox(runtime))
    bad = officer.post("/api/v1/dossiers", json=intake_body(seeded, applicant={"full_name": "", "contact": CONTACT}))
    assert bad.status_code == 422
    # a failure after the hook ran rolls the rows back with the dossier
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        data = intake.Intake(MARRIAGE, seeded["alpha"].units["commune_a"], "counter", "Lê Thị Vợ", FORM, None, CONTACT)
        root = {seeded["alpha"].units["root"]}
        intake.intake(session, SYSTEM, root, active(), seeded["alpha"].context, data)
        assert session.scalar(select(NotificationOutbox).order_by(NotificationOutbox.id.desc()).limit(1)).event
        session.rollback()
    assert len(outbox(runtime)) == before


def test_drain_sends_email_and_sms_once(officer, seeded, runtime, smtp):
    inbox, mailer = smtp
    sms = LogSmsProvider()
    dossier = receive(officer, seeded)
    report = drain_tenant(runtime.db, "alpha", mailer, sms)
    assert (report.sent, report.retried, report.failed) == (2, 0, 0)
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["tran.chong@example.vn"]
    assert str(message["Subject"]) == f"[Một cửa] Hồ sơ {dossier['code']} đã được tiếp nhận"
    assert "Kính gửi Ông/Bà Trần Văn Chồng" in message.get_content()
    [row] = [r for r in outbox(runtime, dossier["id"]) if r.channel == "sms"]
    assert [(phone, ref) for phone, _, ref in sms.sent] == [("0901234567", message_key("alpha", row))]
    assert message_key("alpha", row).startswith(f"alpha.dossier:{dossier['id']}:intake:sms.")
    assert "đã được tiếp nhận" in sms.sent[0][1]
    assert all(r.status == "sent" and r.sent_at and r.attempts == 1 for r in outbox(runtime, dossier["id"]))
    assert sms_usage(runtime) == [f"notification:dossier:{dossier['id']}:intake:sms"]

    again = drain_tenant(runtime.db, "alpha", mailer, sms)
    assert again.sent == 0 and len(inbox.messages) == 1 and len(sms.sent) == 1
    assert len(sms_usage(runtime)) == 1

    # the next status changes queue their own messages: processing (none), supplement, resume, payment, done
    code, version = dossier["code"], dossier["version"]
    for to_status, comment in (
        (4, None),
        (5, "Thiếu bản sao giấy khai sinh"),
        (4, None),
        (6, None),
        (4, None),
        (9, None),
    ):
        response = move(officer, code, to_status, version, comment)
        assert response.status_code == 200, response.get_json()
        version = response.get_json()["version"]
    assert [(r.event, r.channel) for r in outbox(runtime, dossier["id"]) if r.status == "pending"] == [
        ("supplement", "email"),
        ("supplement", "sms"),
        ("payment", "email"),
        ("payment", "sms"),
        ("done", "email"),
        ("done", "sms"),
    ]
    assert drain_tenant(runtime.db, "alpha", mailer, sms).sent == 6
    assert "Thiếu bản sao giấy khai sinh" in inbox.messages[1][1].get_content()
    assert "nghĩa vụ tài chính" in str(inbox.messages[2][1]["Subject"])
    assert "đã có kết quả" in str(inbox.messages[3][1]["Subject"])
    assert len(sms_usage(runtime)) == 4 == len(set(sms_usage(runtime)))


def test_a_copy_resent_after_a_crash_is_the_same_message(officer, seeded, runtime, smtp):
    """The worker dies after the SMTP server accepted the message, before its commit: the row is still
    pending and the next run sends it again, under the same Message-ID (mail stores keep one copy), and
    the SMS under the same reference; each is counted once."""
    inbox, mailer = smtp
    dossier = receive(officer, seeded)

    class DiesAfterSending(LogSmsProvider):
        def send(self, phone, text, *, reference, secret=False):
            super().send(phone, text, reference=reference)
            raise SystemExit("worker killed")  # not an Exception: nothing in the drain catches it

    dying = DiesAfterSending()
    with pytest.raises(SystemExit):
        drain_tenant(runtime.db, "alpha", mailer, dying)  # e-mail committed as sent, then the SMS "crash"
    assert [(r.channel, r.status) for r in outbox(runtime, dossier["id"])] == [("email", "sent"), ("sms", "pending")]
    sms = LogSmsProvider()
    assert drain_tenant(runtime.db, "alpha", mailer, sms).sent == 1
    rows = {r.channel: r for r in outbox(runtime, dossier["id"])}
    assert dying.sent[0][2] == sms.sent[0][2] == message_key("alpha", rows["sms"])
    assert sms_usage(runtime) == [f"notification:dossier:{dossier['id']}:intake:sms"]

    # the same for e-mail: mark it pending again, as a crash before its commit would have left it
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        row = session.scalars(select(NotificationOutbox).where(NotificationOutbox.channel == "email")).one()
        row.status, row.sent_at = "pending", None
        session.commit()
    assert drain_tenant(runtime.db, "alpha", mailer, LogSmsProvider()).sent == 1
    first, second = (message for _, message in inbox.messages)
    queued = f"{rows['email'].created_at.astimezone(dt.UTC):%Y%m%dT%H%M%S%fZ}"
    expected = f"<alpha.dossier.{dossier['id']}.intake.email.{queued}@motcua.test>"
    assert first["Message-ID"] == second["Message-ID"] == expected
    assert first["Date"] and first["Subject"] == second["Subject"]


def test_smtp_failure_leaves_the_row_pending(officer, seeded, runtime, smtp):
    inbox, mailer = smtp
    dossier = receive(officer, seeded, contact="tran.chong@example.vn")
    broken = SmtpMailer("127.0.0.1", 1, "no-reply@motcua.test", timeout=2)  # nothing listens on port 1
    report = drain_tenant(runtime.db, "alpha", broken, LogSmsProvider())
    assert (report.sent, report.retried) == (0, 1)
    [row] = outbox(runtime, dossier["id"])
    assert row.status == "pending" and row.attempts == 1 and row.last_error and row.sent_at is None
    assert drain_tenant(runtime.db, "alpha", mailer, LogSmsProvider()).sent == 1
    [row] = outbox(runtime, dossier["id"])
    assert row.status == "sent" and row.attempts == 2 and row.last_error is None
    assert len(inbox.messages) == 1 and sms_usage(runtime) == []


def test_payment_template_names_the_fee():
    from motcua_onestop.notifications.models import Event
    from motcua_onestop.notifications.templates import render

    facts = Facts("X-1", "Lê Thị Vợ", "Đăng ký kết hôn", None, "https://alpha.test/track/X-1", total_fee=150000)
    subject, body, sms = render(Event.PAYMENT, facts, locale="vi", timezone="Asia/Ho_Chi_Minh")
    assert "nghĩa vụ tài chính" in subject and "150.000 đồng" in body and "X-1" in sms
    subject, body, sms = render(Event.PAYMENT, facts, locale="en", timezone="Asia/Ho_Chi_Minh")
    assert "pay the fees and charges" in subject and "150,000 VND" in body and "X-1" in sms


def test_the_periodic_task_drains_sms_and_leaves_email_without_smtp(officer, seeded, runtime):
    from types import SimpleNamespace

    from motcua_onestop.notifications.tasks import drain_notifications

    dossier = receive(officer, seeded)
    assert runtime.config.smtp_host is None and runtime.config.sms_provider == "log"
    drain_notifications.func(SimpleNamespace(additional_context={"runtime": runtime}), 0)
    rows = outbox(runtime, dossier["id"])
    assert [(r.channel, r.status) for r in rows] == [("email", "pending"), ("sms", "sent")]
    assert sms_usage(runtime) == [f"notification:dossier:{dossier['id']}:intake:sms"]


def test_one_run_drains_a_queue_longer_than_a_round_and_tries_each_row_once(officer, seeded, runtime, smtp):
    inbox, mailer = smtp
    dossiers = [receive(officer, seeded) for _ in range(3)]  # 6 rows: e-mail and SMS each
    reports = {r.tenant: r for r in drain_all(runtime.db, mailer, LogSmsProvider(), batch=2)}
    assert reports["alpha"].sent == 6 and reports["beta"].sent == 0  # three rounds of 2, one run
    assert len(inbox.messages) == 3
    assert all(r.status == "sent" for d in dossiers for r in outbox(runtime, d["id"]))

    more = [receive(officer, seeded) for _ in range(2)]
    broken = SmtpMailer("127.0.0.1", 1, "no-reply@motcua.test", timeout=2)  # nothing listens on port 1
    report = {r.tenant: r for r in drain_all(runtime.db, broken, LogSmsProvider(), batch=1)}["alpha"]
    assert (report.sent, report.retried) == (2, 2)  # the SMS went; each e-mail was tried once in this run
    rows = [r for d in more for r in outbox(runtime, d["id"])]
    assert sorted((r.channel, r.status, r.attempts) for r in rows) == [
        ("email", "pending", 1),
        ("email", "pending", 1),
        ("sms", "sent", 1),
        ("sms", "sent", 1),
    ]


def test_a_second_supplement_request_is_a_second_message(officer, seeded, runtime):
    dossier = receive(officer, seeded)
    code, version = dossier["code"], dossier["version"]
    for to_status, comment in ((4, None), (5, "Thiếu giấy khai sinh"), (4, None), (5, "Thiếu ảnh"), (6, None)):
        if to_status == 6:  # back to processing first: payment is asked from status 4
            version = move(officer, code, 4, version).get_json()["version"]
        response = move(officer, code, to_status, version, comment)
        assert response.status_code == 200, response.get_json()
        version = response.get_json()["version"]
    rows = [r for r in outbox(runtime, dossier["id"]) if r.channel == "email"]
    assert [r.event for r in rows] == ["intake", "supplement", "supplement", "payment"]
    assert "Thiếu giấy khai sinh" in rows[1].body and "Thiếu ảnh" in rows[2].body
    assert len({r.idempotency_key for r in rows}) == 4
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:  # the hook again: nothing new
        again = session.get(Dossier, dossier["id"])
        assert on_status_change(session, seeded["alpha"].context, again, "x") == 0
        session.rollback()


def test_http_sms_provider_posts_json(httpserver):
    from motcua_onestop.notifications.interfaces import HttpSmsProvider

    httpserver.expect_oneshot_request(
        "/sms", method="POST", json={"to": "0901234567", "text": "Hồ sơ X-1 đã có kết quả", "reference": "k"}
    ).respond_with_json({"ok": True})
    HttpSmsProvider(httpserver.url_for("/sms")).send("0901234567", "Hồ sơ X-1 đã có kết quả", reference="k")
    httpserver.check_assertions()
    httpserver.expect_oneshot_request("/sms").respond_with_data("down", status=503)
    with pytest.raises(Exception, match="503"):
        HttpSmsProvider(httpserver.url_for("/sms")).send("0901234567", "x", reference="k2")
