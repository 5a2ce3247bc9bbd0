"""The late notice: one apology per dossier and effective due date, written by the periodic job's
function against the real database; a rerun writes nothing more; a dossier whose due date moves (a
supplement pause) and is late again gets one more."""

import datetime as dt
import threading

import pytest
from dossier_support import SYSTEM, intake_in
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.extensions import late_notices
from motcua_onestop.dossiers.extensions.models import DossierLateNotice
from motcua_onestop.dossiers.models import DossierHistory
from motcua_onestop.notifications.models import NotificationOutbox
from motcua_platform.timezones import VIETNAM
from sqlalchemy import select, text


def at(day, hour, minute=0):
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=VIETNAM)


def received(session, seeded, contact="tran.chong@example.vn, 0901234567", now=None, unit="commune_a"):
    units = seeded["alpha"].units
    dossier = intake_in(session, seeded, unit=units[unit], name="Trần Văn Chồng", contact=contact, now=now)
    services.transition(session, SYSTEM, dossier, 4, 1, tenant=seeded["alpha"].context, now=now)
    return dossier


def late_rows(session, dossier):
    query = select(NotificationOutbox).where(
        NotificationOutbox.dossier_id == dossier.id, NotificationOutbox.event == "late"
    )
    return session.scalars(query.order_by(NotificationOutbox.id)).all()


def test_the_job_notices_each_late_dossier_once_per_due_date(runtime, seeded):
    db = runtime.db
    with db.tenant_session(db.binding("alpha")) as session:
        late = received(session, seeded, now=at(2, 9))  # due Monday 9 March 17:00
        paused = received(session, seeded, now=at(2, 9))
        services.transition(
            session, SYSTEM, paused, 5, 2, "Thiếu giấy tờ", tenant=seeded["alpha"].context, now=at(3, 9)
        )
        quiet = received(session, seeded, contact="Xã A", now=at(2, 9))  # no e-mail or phone: no message
        on_time = received(session, seeded, now=at(5, 9))  # due 12 March
        session.commit()
        ids = {late.id, paused.id, quiet.id, on_time.id}

    assert late_notices.notify_tenant(db, seeded["alpha"].context, now=at(9, 16)) == 0  # not yet
    first = late_notices.notify_tenant(db, seeded["alpha"].context, now=at(10, 8))
    assert late_notices.notify_tenant(db, seeded["alpha"].context, now=at(10, 9)) == 0  # rerun: nothing more
    with db.tenant_session(db.binding("alpha")) as session:
        notices = session.execute(
            select(DossierLateNotice.dossier_id, DossierLateNotice.due_at).where(DossierLateNotice.dossier_id.in_(ids))
        ).all()
        assert sorted(notices) == sorted([(late.id, at(9, 17)), (quiet.id, at(9, 17))])
        assert first >= 2  # these two (other late dossiers of the tenant may be noticed too)
        rows = late_rows(session, session.merge(late))
        assert [(r.channel, r.idempotency_key) for r in rows] == [
            ("email", f"dossier:{late.id}:late:20260309T100000Z:email"),
            ("sms", f"dossier:{late.id}:late:20260309T100000Z:sms"),
        ]
        assert "quá hạn" in rows[0].subject and "xin lỗi" in rows[0].body and "Đang xử lý" in rows[0].body
        assert "17:00 ngày 09/03/2026" in rows[0].body
        assert late_rows(session, session.merge(quiet)) == []
        history = session.scalars(
            select(DossierHistory.action).where(DossierHistory.dossier_id == late.id).order_by(DossierHistory.id)
        ).all()
        assert history == ["intake_counter", "process", "late_notice"]
        dossier = services.get_dossier(session, late.code, {seeded["alpha"].units["root"]}, lock=True)
        assert dossier.version == 2  # a notice changes no state

        # paused and resumed: the pause moves the due date on by its 8 office hours, to 10 March 17:00, which
        # has passed too: late for the new due date, the dossier gets exactly one more notice (an extension
        # with an apology, which could move it into the future, is refused once the due date has passed)
        services.transition(session, SYSTEM, dossier, 5, 2, "Thiếu ảnh", tenant=seeded["alpha"].context, now=at(10, 9))
        services.transition(session, SYSTEM, dossier, 4, 3, tenant=seeded["alpha"].context, now=at(11, 9))
        assert dossier.extended_due_at == at(10, 17)
        session.commit()

    late_notices.notify_tenant(db, seeded["alpha"].context, now=at(13, 8))
    late_notices.notify_tenant(db, seeded["alpha"].context, now=at(13, 9))
    with db.tenant_session(db.binding("alpha")) as session:
        rows = late_rows(session, session.merge(late))
        assert [r.idempotency_key for r in rows if r.channel == "sms"] == [
            f"dossier:{late.id}:late:20260309T100000Z:sms",
            f"dossier:{late.id}:late:20260310T100000Z:sms",
        ]
        noticed = session.scalars(
            select(DossierLateNotice.dossier_id).where(DossierLateNotice.dossier_id.in_(ids))
        ).all()
        assert sorted(noticed) == sorted([late.id, late.id, quiet.id, on_time.id])  # on_time's turn came
        assert paused.id not in noticed  # the clock is paused in status 5


def test_the_periodic_task_is_registered(runtime):
    periodic = {p.task.name: p.cron for p in runtime.jobs.app.periodic_registry.periodic_tasks.values()}
    assert periodic["notifications:notify_late_dossiers"] == "*/10 * * * *"


@pytest.mark.committed
def test_two_workers_at_once_write_each_notice_once(runtime, seeded):
    db = runtime.db
    unit = seeded["alpha"].units["commune_b"]
    try:
        with db.tenant_session(db.binding("alpha")) as session:
            ids = [received(session, seeded, now=at(2, 9), unit="commune_b").id for _ in range(6)]
            session.commit()
        start, failures = threading.Barrier(2), []

        def worker():
            try:
                start.wait()
                late_notices.notify_tenant(db, seeded["alpha"].context, now=at(10, 8))
            except Exception as exc:  # reported below
                failures.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures
        with db.tenant_session(db.binding("alpha")) as session:
            notices = session.scalars(
                select(DossierLateNotice.dossier_id).where(DossierLateNotice.dossier_id.in_(ids))
            ).all()
            keys = session.scalars(
                select(NotificationOutbox.idempotency_key).where(
                    NotificationOutbox.dossier_id.in_(ids), NotificationOutbox.event == "late"
                )
            ).all()
        assert sorted(notices) == sorted(ids) and len(keys) == len(set(keys)) == 2 * len(ids)
    finally:
        _delete_unit_dossiers(db, unit)


def _delete_unit_dossiers(db, unit):
    """Clean up after the committed test: the unit's dossiers and everything written about them."""
    with db.engine.begin() as conn:
        ids = [
            r[0]
            for r in conn.execute(text("SELECT id FROM t_alpha.dossiers WHERE receiving_unit_id = :u"), {"u": unit})
        ]
        codes = [r[0] for r in conn.execute(text("SELECT code FROM t_alpha.dossiers WHERE id = ANY(:i)"), {"i": ids})]
        for table in ("dossier_late_notices", "notification_outbox", "national_sync_outbox", "dossier_history",
                      "dossier_steps"):  # fmt: skip
            conn.execute(text(f"DELETE FROM t_alpha.{table} WHERE dossier_id = ANY(:i)"), {"i": ids})
        conn.execute(
            text("DELETE FROM t_alpha.billing_usage_outbox WHERE event_id = ANY(:e)"),
            {"e": [f"dossier:{i}:received" for i in ids]},
        )
        conn.execute(
            text("DELETE FROM t_alpha.audit_events WHERE target = ANY(:t)"), {"t": [f"dossier:{c}" for c in codes]}
        )
        conn.execute(text("DELETE FROM t_alpha.dossiers WHERE id = ANY(:i)"), {"i": ids})
        conn.execute(text("DELETE FROM t_alpha.dossier_counters WHERE unit_id = :u"), {"u": unit})
