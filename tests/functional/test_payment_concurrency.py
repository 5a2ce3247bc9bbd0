"""The same notification delivered many times at once (the gateway retrying while the first is still being
handled), and two refunds of one payment asked at once: each its own committed transaction, in threads.
Exactly one notification records the payment and the others answer "already confirmed"; exactly one refund
reaches the gateway. Committed for real (threads need their own transactions); every row made is removed
afterwards."""

import threading

import pytest
from dossier_support import SYSTEM
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.intake import services as intake
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.payments import refunds, services
from motcua_onestop.payments import settings as merchant
from motcua_onestop.payments.models import Payment, PaymentSettings
from motcua_platform.audit.models import TenantAuditEvent
from motcua_platform.plugins.engine import active
from payment_support import SECRET, LocalGateway, start_gateway
from sqlalchemy import delete, func, select, text
from test_payments import EXTENSION, FORMS, open_at_gateway

pytestmark = pytest.mark.committed
THREADS = 6


@pytest.fixture
def committed_order(runtime, seeded):
    """Alpha taking payments online at a local gateway, and an online dossier with an order made: committed,
    then every row removed (the dossier and what points at it, the settings, the payment audit events)."""
    gateway = LocalGateway()
    server = start_gateway(gateway)
    binding = runtime.db.binding("alpha")
    context, units = seeded["alpha"].context, seeded["alpha"].units
    with runtime.db.tenant_session(binding) as session:
        first_event = session.scalar(select(func.coalesce(func.max(TenantAuditEvent.id), 0)))
        merchant.change(
            session,
            SYSTEM,
            enabled=True,
            merchant_code=gateway.merchant,
            pay_url=gateway.pay_url,
            api_url=gateway.api_url,
            secret=SECRET,
            local_addresses=True,
        )
        data = intake.Intake(
            EXTENSION,
            units["commune_a"],
            "online",
            "Nguyễn Văn Chủ",
            FORMS[EXTENSION],
            citizen_account_id=seeded["alpha"].citizen_id,
        )
        dossier = intake.intake(session, SYSTEM, {units["root"]}, active(), context, data)
        started = services.start_online(
            session, SYSTEM, dossier, return_url="http://alpha.test/payments/return", client_ip="127.0.0.1", locale="vi"
        )
        session.commit()
        dossier_id, code = dossier.id, dossier.code
    assert open_at_gateway(started.url) == 200
    yield gateway, dossier_id, code, started.payment.order_ref
    server.shutdown()
    server.server_close()
    with runtime.db.tenant_session(binding) as session:
        referencing = session.execute(
            text("""
            SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.confrelid = 'dossiers'::regclass
        """)
        ).all()
        for table, column in referencing:
            session.execute(text(f"DELETE FROM {table} WHERE {column} = :id"), {"id": dossier_id})
        session.execute(
            text("DELETE FROM billing_usage_outbox WHERE event_id LIKE :key"), {"key": f"dossier:{dossier_id}:%"}
        )
        session.execute(delete(Dossier).where(Dossier.id == dossier_id))
        session.execute(delete(PaymentSettings))
        session.execute(delete(TenantAuditEvent).where(TenantAuditEvent.id > first_event))
        session.commit()


def _at_once(count, work):
    """``work(i)`` in ``count`` threads released together; their results."""
    barrier, results, errors = threading.Barrier(count), [None] * count, []

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return results


def test_the_same_notification_at_once_records_one_payment_and_a_refund_asked_twice_is_made_once(
    runtime, seeded, committed_order
):
    gateway, dossier_id, code, ref = committed_order
    fields = gateway.outcome(ref)
    binding, context = runtime.db.binding("alpha"), seeded["alpha"].context

    def deliver(_i):
        with runtime.db.tenant_session(binding) as session:
            answer = services.notify(session, fields, tenant=context)
            session.commit()
            return answer

    answers = _at_once(THREADS, deliver)
    assert sorted(answers) == [services.CONFIRMED] + [services.ALREADY_CONFIRMED] * (THREADS - 1)
    with runtime.db.tenant_session(binding) as session:
        payments = session.scalars(select(Payment).where(Payment.dossier_id == dossier_id)).all()
        assert [(p.state, p.gateway_txn) for p in payments] == [("paid", fields["vnp_TransactionNo"])]
        paid_events = session.scalar(
            select(func.count()).where(
                TenantAuditEvent.action == "payment.paid", TenantAuditEvent.target == f"dossier:{code}"
            )
        )
        assert paid_events == 1
        dossier = session.get(Dossier, dossier_id)
        dossiers.transition(session, SYSTEM, dossier, 7, dossier.version, "Không cần nữa", tenant=context)
        session.commit()
        payment_id = payments[0].id

    def refund(_i):
        with runtime.db.tenant_session(binding) as session:
            try:
                done = refunds.refund(session, SYSTEM, payment_id)
            except Exception as error:  # the second finds it refunded: a Conflict
                session.rollback()
                return type(error).__name__
            session.commit()
            return done.state

    assert sorted(_at_once(2, refund)) == ["Conflict", "refunded"]
    assert len(gateway.refunds) == 1
