"""The national portal sync against a real HTTP receiver on 127.0.0.1 (``national_support``): every status
change of a dossier is written to the outbox with the change and delivered once, in order per dossier,
signed; a receiver that is down is retried with back-off and blocks only its own dossiers; a refusal holds
the dossier's rows until an operator retries; a worker killed with SIGKILL mid-batch loses nothing and
reorders nothing, and what it sends again carries the same idempotency key."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from dossier_support import FORM, SYSTEM, intake_in
from motcua_onestop.dossiers import services
from motcua_onestop.national_sync import backlog, delivery, payload, signing
from motcua_onestop.national_sync import settings as sync_settings
from motcua_onestop.national_sync.models import NationalSyncOutbox, NationalSyncSettings, SyncStatus
from motcua_onestop.units.models import Unit
from motcua_platform.timezones import VIETNAM
from national_support import SECRET, Receiver, start_receiver
from sqlalchemy import delete, select, text

# Monday 6 January 2025, 9:00 in Vietnam: the changes happen in that week
T0 = dt.datetime(2025, 1, 6, 9, tzinfo=VIETNAM)
PATH = [4, 5, 4, 9, 10]  # after a counter intake (2): processing, supplement, back, done, returned


@pytest.fixture
def receiver():
    got = Receiver()
    server = start_receiver(got)
    yield got
    server.shutdown()
    server.server_close()


def configure(runtime, url, *, secret=SECRET, enabled=True):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        sync_settings.change(
            session, SYSTEM, enabled=enabled, endpoint_url=url, secret=secret, timeout_seconds=5, local_receivers=True
        )
        session.commit()


def received_dossier(runtime, seeded, path=PATH, *, unit=None, start=T0):
    """A counter dossier at commune A (or ``unit``) moved along ``path``, one change an hour; its code."""
    binding = runtime.db.binding("alpha")
    with runtime.db.tenant_session(binding) as session:
        code = intake_in(session, seeded, unit=unit, now=start).code
        session.commit()
    for hour, status in enumerate(path, start=1):
        with runtime.db.tenant_session(binding) as session:
            dossier = services.get_dossier(session, code, {seeded["alpha"].units["root"]}, lock=True)
            comment = "Thiếu giấy xác nhận tình trạng hôn nhân" if status in (3, 5, 8) else None
            services.transition(session, SYSTEM, dossier, status, dossier.version, comment,
                                tenant=seeded["alpha"].context, now=start + dt.timedelta(hours=hour))  # fmt: skip
            session.commit()
    return code


def rows_of(runtime, code):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        query = (
            select(NationalSyncOutbox)
            .where(NationalSyncOutbox.payload["MaHoSo"].astext == code)
            .order_by(NationalSyncOutbox.sequence)
        )
        return session.scalars(query).all()


def deliver(runtime, at=None):
    return delivery.deliver_tenant(runtime.db, "alpha", now=(lambda: at) if at else delivery.utcnow)


def test_each_change_is_written_with_the_change_and_its_record_is_the_section_2_payload(runtime, seeded):
    code = received_dossier(runtime, seeded)
    rows = rows_of(runtime, code)
    assert [r.payload["TrangThaiHoSo"] for r in rows] == [2, *PATH]
    assert [r.sequence for r in rows] == sorted({r.sequence for r in rows})  # one row per version, rising
    assert all(r.status == SyncStatus.PENDING and r.attempts == 0 for r in rows)
    first, supplement, last = rows[0].payload, rows[2].payload, rows[-1].payload
    assert first["MaHoSo"] == code and first["MaTTHC"] == "1.000894" and first["KenhThucHien"] == 1
    assert first["NgayNopHoSo"] == first["NgayTiepNhan"] == "20250106090000"
    assert first["NgayHenTra"] is not None and first["NgayKetThucXuLy"] is None
    assert first["QuaTrinhXuLy"] == [
        {"NguoiXuLy": "Hệ thống", "NoiDungXuLy": "intake_counter", "TrangThaiTruoc": None, "TrangThai": 2,
         "GhiChu": None, "ThoiDiemXuLy": "20250106090000"}
    ]  # fmt: skip
    assert supplement["NgayYeuCauBoSung"] == "20250106110000"
    assert supplement["QuaTrinhXuLy"][-1]["GhiChu"] == "Thiếu giấy xác nhận tình trạng hôn nhân"
    assert last["NgayKetThucXuLy"] == "20250106130000" and last["NgayTra"] == "20250106140000"
    assert [step["TrangThai"] for step in last["QuaTrinhXuLy"]] == [2, *PATH]
    assert last["HoSoCoThanhPhanSoHoa"] == 0 and last["DuocThanhToanTrucTuyen"] == 0
    assert last["NgayYeuCauBoSung"] is None  # no longer asked
    # the earlier rows keep what was true at their change
    assert first["NgayTra"] is None and len(first["QuaTrinhXuLy"]) == 1


def test_a_refused_change_leaves_no_row(runtime, seeded):
    code = received_dossier(runtime, seeded, path=[])
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = services.get_dossier(session, code, {seeded["alpha"].units["root"]}, lock=True)
        with pytest.raises(Exception, match="cannot move"):
            services.transition(session, SYSTEM, dossier, 10, dossier.version, tenant=seeded["alpha"].context)
    assert len(rows_of(runtime, code)) == 1


def test_every_change_is_delivered_once_in_order_per_dossier_and_signed(runtime, seeded, receiver):
    codes = [received_dossier(runtime, seeded), received_dossier(runtime, seeded, path=[4, 6, 4, 8])]
    assert deliver(runtime).configured is False and receiver.requests == []  # the sync is off: rows wait
    configure(runtime, receiver.url)
    report = deliver(runtime)
    assert (report.delivered, report.retried, report.held) == (len(PATH) + 1 + 5, 0, 0)
    assert all(got.signed for got in receiver.requests)
    assert len(receiver.requests) == len(receiver.kept)  # each change sent once
    assert [got.status for got in receiver.delivered(codes[0])] == [2, *PATH]
    assert [got.status for got in receiver.delivered(codes[1])] == [2, 4, 6, 4, 8]
    for code in codes:
        rows = rows_of(runtime, code)
        assert [got.key for got in receiver.delivered(code)] == [str(r.idempotency_key) for r in rows]
        assert all(r.status == SyncStatus.DELIVERED and r.attempts == 1 and r.delivered_at for r in rows)
    sent = json.loads(receiver.requests[0].body)
    assert sent["idempotency_key"] == receiver.requests[0].key and sent["HoSo"]["MaHoSo"] == codes[0]
    assert deliver(runtime).delivered == 0 and len(receiver.requests) == 11  # nothing is sent twice


def test_a_receiver_down_is_retried_with_back_off_and_blocks_only_its_dossiers(runtime, seeded, receiver):
    blocked, other = received_dossier(runtime, seeded, path=[4, 9]), received_dossier(runtime, seeded, path=[4])
    configure(runtime, receiver.url)
    receiver.failing_codes = {blocked}
    now = dt.datetime.now(dt.UTC)
    report = deliver(runtime, now)
    assert (report.delivered, report.retried) == (2, 1)
    assert [got.status for got in receiver.delivered(other)] == [2, 4]  # the other dossier went on
    assert [got.code for got in receiver.requests].count(blocked) == 1  # its later rows were not tried
    head = rows_of(runtime, blocked)[0]
    assert head.attempts == 1 and head.next_attempt_at == now + delivery.FIRST_BACKOFF
    assert "HTTP 503" in head.last_error
    assert deliver(runtime, now + dt.timedelta(seconds=10)).retried == 0  # backing off: not tried again yet
    assert len(receiver.requests) == 3
    report = deliver(runtime, now + dt.timedelta(seconds=31))  # second failure: the wait doubles
    assert report.retried == 1 and rows_of(runtime, blocked)[0].next_attempt_at == now + dt.timedelta(seconds=91)
    receiver.failing_codes = set()  # the receiver is back
    report = deliver(runtime, now + dt.timedelta(seconds=92))
    assert report.delivered == 3
    assert [got.status for got in receiver.delivered(blocked)] == [2, 4, 9]
    assert all(r.status == SyncStatus.DELIVERED and r.last_error is None for r in rows_of(runtime, blocked))
    assert [r.attempts for r in rows_of(runtime, blocked)] == [3, 1, 1]


def test_back_off_doubles_up_to_a_cap():
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert delivery.backoff(8) == delivery.backoff(50) == delivery.MAX_BACKOFF


def test_a_receiver_that_is_down_stops_the_run_after_a_few_failures(runtime, seeded, receiver):
    codes = [received_dossier(runtime, seeded, path=[]) for _ in range(5)]
    configure(runtime, receiver.url)
    receiver.down = True
    report = deliver(runtime)
    assert report.retried == delivery.FAILURES_IN_A_ROW and report.more
    assert len(receiver.requests) == delivery.FAILURES_IN_A_ROW
    assert sum(rows_of(runtime, code)[0].attempts for code in codes) == delivery.FAILURES_IN_A_ROW


def test_a_refusal_holds_the_dossier_until_an_operator_retries(runtime, seeded, receiver):
    code = received_dossier(runtime, seeded, path=[4])
    configure(runtime, receiver.url)
    receiver.refused_codes = {code}
    report = deliver(runtime)
    assert report.held == 1 and report.delivered == 0
    rows = rows_of(runtime, code)
    assert [r.status for r in rows] == [SyncStatus.HELD, SyncStatus.PENDING]
    assert "HTTP 422" in rows[0].last_error
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert deliver(runtime, later).delivered == 0  # held: not retried by time alone
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        summary = backlog.backlog(session)
        assert (summary.pending, summary.failing, summary.held) == (2, 1, 1)
        [failure] = backlog.failures(session)
        assert failure["dossier_code"] == code and failure["status"] == "held" and failure["next_attempt_at"] is None
        backlog.retry(session, SYSTEM, failure["id"])
        session.commit()
    receiver.refused_codes = set()
    assert deliver(runtime).delivered == 2
    assert [got.status for got in receiver.delivered(code)] == [2, 4]


def test_a_receiver_refusing_our_signature_holds_the_row(runtime, seeded, receiver):
    code = received_dossier(runtime, seeded, path=[])
    configure(runtime, receiver.url, secret="another-secret-" + "x" * 32)
    assert deliver(runtime).held == 1  # the receiver answers 401: held for an operator, who fixes the secret
    assert receiver.kept == {} and rows_of(runtime, code)[0].status == SyncStatus.HELD


def test_a_redirect_is_held_not_followed(runtime, seeded, receiver):
    code = received_dossier(runtime, seeded, path=[])
    configure(runtime, receiver.url)
    receiver.redirect = True
    assert deliver(runtime).held == 1 and receiver.followed == 0 and receiver.kept == {}
    assert "HTTP 302" in rows_of(runtime, code)[0].last_error


def test_the_settings_are_checked_and_the_secret_is_never_shown(runtime, seeded):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        with pytest.raises(Exception, match="not saved") as refused:
            sync_settings.change(session, SYSTEM, enabled=True, endpoint_url="ftp://x", secret="short")
        assert set(refused.value.errors) == {"endpoint_url", "secret"}
        assert session.get(NationalSyncSettings, 1) is None
        shown = sync_settings.change(session, SYSTEM, enabled=True, endpoint_url="https://dvc.example/", secret=SECRET)
        assert shown["secret_set"] is True and SECRET not in repr(shown)
        audit = session.execute(text("SELECT details::text FROM audit_events WHERE action = 'national_sync.settings'"))
        details = [row[0] for row in audit]
        assert details and all(SECRET not in detail and "secret_changed" in detail for detail in details)


@pytest.mark.parametrize(
    "url",
    [
        "http://dvc.example/",
        "https://127.0.0.1/",
        "https://10.0.0.5:8443/",
        "https://169.254.169.254/",
        "https://[::1]/",
    ],
)
def test_the_receiver_must_be_https_and_outside_our_networks(runtime, seeded, url):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        with pytest.raises(Exception, match="not saved") as refused:
            sync_settings.change(session, SYSTEM, enabled=True, endpoint_url=url, secret=SECRET)
        assert set(refused.value.errors) == {"endpoint_url"}
        assert session.get(NationalSyncSettings, 1) is None


def test_a_signature_of_other_characters_is_refused_not_a_crash():
    with pytest.raises(signing.BadSignature):
        signing.verify(SECRET, b"{}", f"t={int(time.time())},v1=" + "é" * 64)


def test_the_payload_of_an_online_refused_dossier():
    class Row:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    at = dt.datetime(2025, 3, 1, 1, 2, 3, tzinfo=dt.UTC)
    dossier = Row(code="X-1", channel="online", status=3, applicant_name="A", applicant_citizen_id=None,
                  submitted_at=at, received_at=None, effective_due_at=None, paused_at=None, finished_at=None,
                  returned_at=None, closed_at=at, closed_status=3, has_digitised_components=True,
                  has_result_file=False, identity_verified=True)  # fmt: skip
    record = payload.build(dossier, Row(code="1.1", name_vi="T", field="F"), Row(code="U", name="Unit"), [])
    assert record["KenhThucHien"] == 2 and record["NgayTuChoi"] == "20250301080203"
    assert record["HoSoCoThanhPhanSoHoa"] == 1 and record["NgayTiepNhan"] is None
    assert record["TaiKhoanDuocXacThucVoiVNeID"] == 1  # submitted after a sign-in with national identity


# -- a worker killed mid-batch ---------------------------------------------------------------------
WORKER = """
import sys
import motcua_app.models  # every table mapped: the outbox refers to dossiers
from motcua_platform.db.database import Database
from motcua_onestop.national_sync.delivery import deliver_tenant
deliver_tenant(Database(sys.argv[1], pool_size=1), "alpha")
"""


@pytest.fixture
def committed_unit(runtime, seeded):
    """A commune of its own for a committed test, removed afterwards with every row that points at its
    dossiers, and the sync settings."""
    binding = runtime.db.binding("alpha")
    with runtime.db.tenant_session(binding) as session:
        unit = Unit(kind="commune", code=f"000.00.97.N{time.monotonic_ns() % 100:02d}", name="Sync",
                    parent_id=seeded["alpha"].units["root"])  # fmt: skip
        session.add(unit)
        session.commit()
        unit_id = unit.id
    yield unit_id
    with runtime.db.tenant_session(binding) as session:
        ids = list(session.scalars(text("SELECT id FROM dossiers WHERE receiving_unit_id = :u"), {"u": unit_id}))
        codes = list(session.scalars(text("SELECT code FROM dossiers WHERE id = ANY(:i)"), {"i": ids}))
        referencing = session.execute(text("""
            SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.confrelid = 'dossiers'::regclass
        """)).all()  # fmt: skip
        for table, column in referencing:
            session.execute(text(f"DELETE FROM {table} WHERE {column} = ANY(:ids)"), {"ids": ids})
        session.execute(text("DELETE FROM billing_usage_outbox WHERE event_id = ANY(:keys)"),
                        {"keys": [f"dossier:{i}:received" for i in ids]})  # fmt: skip
        session.execute(text("DELETE FROM audit_events WHERE target = ANY(:t)"), {"t": [f"dossier:{c}" for c in codes]})
        session.execute(text("DELETE FROM audit_events WHERE action = 'national_sync.settings'"))
        session.execute(text("DELETE FROM dossiers WHERE id = ANY(:ids)"), {"ids": ids})
        session.execute(text("DELETE FROM dossier_counters WHERE unit_id = :u"), {"u": unit_id})
        session.execute(delete(NationalSyncSettings))
        session.execute(delete(Unit).where(Unit.id == unit_id))
        session.commit()


@pytest.mark.committed
def test_a_worker_killed_mid_batch_loses_nothing_and_reorders_nothing(runtime, seeded, receiver, committed_unit):
    codes = [received_dossier(runtime, seeded, [4, 5, 4], unit=committed_unit) for _ in range(4)]  # 16 changes
    configure(runtime, receiver.url)
    receiver.delay, receiver.announce_at = 0.2, 6
    worker = subprocess.Popen([sys.executable, "-c", WORKER, runtime.config.database_url])
    try:
        assert receiver.announced.wait(60), "the worker sent nothing"
        os.kill(worker.pid, signal.SIGKILL)  # while the 6th request waits for its answer
        assert worker.wait(30) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
    in_flight = receiver.requests[5]
    rows = [row for code in codes for row in rows_of(runtime, code)]
    assert sum(r.status == SyncStatus.DELIVERED for r in rows) == 5  # the 6th was sent, never recorded
    assert not any(r.status == SyncStatus.DELIVERED for r in rows if str(r.idempotency_key) == in_flight.key)

    receiver.delay = 0.0
    time.sleep(0.3)  # the killed worker's request is answered (to nobody) and kept
    report = deliver(runtime)  # a new worker
    assert report.delivered == 16 - 5 and report.retried == 0
    keys = [r.key for r in receiver.requests]
    assert sorted(set(keys)) == sorted(str(r.idempotency_key) for r in rows)  # nothing lost
    repeated = {key for key in keys if keys.count(key) > 1}
    assert repeated == {in_flight.key}  # the only repeat is the request in flight, under its own key
    again = [got for got in receiver.requests if got.key == in_flight.key]
    assert again[0].body == again[1].body  # the same record, byte for byte
    for code in codes:
        sent = [got.sequence for got in receiver.requests if got.code == code]
        assert sent == sorted(sent)  # never out of order, even counting the repeat
        assert [got.status for got in receiver.delivered(code)] == [2, 4, 5, 4]
    assert all(r.status == SyncStatus.DELIVERED for code in codes for r in rows_of(runtime, code))


# -- dossiers from the national portal ------------------------------------------------------------
def national_body(seeded, runtime, national_id="DVCQG-2025-000123", **changes):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        unit_code = session.get(Unit, seeded["alpha"].units["commune_a"]).code
    fields = {
        "MaHoSoQuocGia": national_id,
        "MaTTHC": "1.000894",
        "MaDonViTiepNhan": unit_code,
        "ChuHoSo": "Trần Văn Chồng",
        "SoGiayToChuHoSo": "079090001111",
        "LienHe": "0901234567",
        "DuLieuBieuMau": FORM,
    } | changes
    return json.dumps(fields, ensure_ascii=False).encode()


def nested(depth):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


def post_signed(client, body, secret=SECRET, signature=None):
    header = signature if signature is not None else signing.sign(secret, body)
    headers = {"Content-Type": "application/json", signing.HEADER: header} if header else {}
    return client.post("/api/v1/national-portal/dossiers", data=body, headers=headers)


def written(runtime):
    """What an intake writes, counted: dossiers, national ids, audit events, sync rows."""
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        return tuple(
            session.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("dossiers", "national_intakes", "audit_events", "national_sync_outbox", "dossier_history")
        )


def test_a_signed_dossier_from_the_national_portal_is_received_once(runtime, seeded, alpha, receiver):
    configure(runtime, receiver.url)
    body = national_body(seeded, runtime)
    response = post_signed(alpha, body)
    assert response.status_code == 201, response.get_json()
    got = response.get_json()
    assert got["created"] is True and got["status"] == 1 and got["national_id"] == "DVCQG-2025-000123"
    before = written(runtime)
    again = post_signed(alpha, body)  # the portal sends it again (its retry): the same dossier, nothing new
    assert again.status_code == 200 and again.get_json() == {**got, "created": False}
    assert written(runtime) == before
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = session.scalar(text("SELECT channel, citizen_account_id FROM dossiers WHERE code = :c"),
                                 {"c": got["code"]})  # fmt: skip
        assert dossier == "online"
        note = session.scalar(text("SELECT comment FROM dossier_history h JOIN dossiers d ON d.id = h.dossier_id "
                                   "WHERE d.code = :c"), {"c": got["code"]})  # fmt: skip
        assert "DVCQG-2025-000123" in note
    [row] = rows_of(runtime, got["code"])
    assert row.payload["KenhThucHien"] == 2 and row.payload["TrangThaiHoSo"] == 1
    assert row.payload["QuaTrinhXuLy"][0]["GhiChu"] is None  # the officer-side note stays with us
    assert deliver(runtime).delivered == 1 and receiver.delivered(got["code"])[0].status == 1


@pytest.mark.parametrize(
    "how", ["unsigned", "forged", "stale", "future", "tampered", "sync off", "garbled header"]
)  # fmt: skip
def test_an_unsigned_or_forged_national_dossier_is_refused_with_nothing_written(runtime, seeded, alpha, how):
    configure(runtime, "https://dvc.example/hoso", enabled=how != "sync off")
    body = national_body(seeded, runtime)
    signature = {
        "unsigned": "",
        "forged": signing.sign("a-guess-at-the-secret-" + "g" * 20, body),
        "stale": signing.sign(SECRET, body, now=time.time() - signing.TOLERANCE - 5),
        "future": signing.sign(SECRET, body, now=time.time() + signing.AHEAD + 5),
        "tampered": signing.sign(SECRET, national_body(seeded, runtime, national_id="OTHER")),
        "sync off": signing.sign(SECRET, body),
        "garbled header": "v1=deadbeef",
    }[how]
    before = written(runtime)
    response = post_signed(alpha, body, signature=signature)
    assert response.status_code == 401, response.get_json()
    assert written(runtime) == before


def test_a_signed_but_invalid_national_dossier_is_refused_with_every_error(runtime, seeded, alpha):
    configure(runtime, "https://dvc.example/hoso")
    before = written(runtime)
    body = national_body(seeded, runtime, MaDonViTiepNhan="NO-SUCH-UNIT")
    response = post_signed(alpha, body)
    assert response.status_code == 422 and "MaDonViTiepNhan" in response.get_json()["errors"]
    body = json.dumps({"MaHoSoQuocGia": "", "Extra": 1}).encode()
    errors = post_signed(alpha, body).get_json()["errors"]
    assert {"MaHoSoQuocGia", "MaTTHC", "ChuHoSo", "DuLieuBieuMau", "Extra"} <= set(errors)
    bad_form = national_body(seeded, runtime, DuLieuBieuMau={**FORM, "wife_citizen_id": "x"})
    assert post_signed(alpha, bad_form).status_code == 422
    # what JSONB cannot store is refused before anything is written (the API's one JSON reader)
    for unstorable in (
        national_body(seeded, runtime, ChuHoSo="Trần\u0000Văn"),
        national_body(seeded, runtime).replace('"Xã A"'.encode(), b'"\\ud800"'),  # a lone surrogate
        national_body(seeded, runtime).replace(b'"residence"', b'"n": NaN, "residence"'),
        national_body(seeded, runtime, DuLieuBieuMau={**FORM, "deep": nested(40)}),
        b"not json",
    ):
        assert post_signed(alpha, unstorable).status_code in (400, 422), unstorable
    assert written(runtime) == before


def test_the_same_national_id_in_another_province_is_another_dossier(runtime, seeded, alpha, beta):
    configure(runtime, "https://dvc.example/hoso")
    body = national_body(seeded, runtime)
    first = post_signed(alpha, body)
    assert first.status_code == 201
    assert post_signed(beta, body).status_code == 401  # beta has no sync: alpha's secret means nothing there
    beta_secret = "beta-province-secret-" + "b" * 20
    with runtime.db.tenant_session(runtime.db.binding("beta")) as session:
        sync_settings.change(session, SYSTEM, enabled=True, endpoint_url="https://dvc.example/beta",
                             secret=beta_secret, local_receivers=True)  # fmt: skip
        beta_unit = session.get(Unit, seeded["beta"].units["commune_a"]).code
        session.commit()
    fields = json.loads(body)
    beta_body = json.dumps({**fields, "MaDonViTiepNhan": beta_unit}, ensure_ascii=False).encode()
    assert post_signed(beta, beta_body).status_code == 401  # signed with alpha's secret: refused on beta
    second = post_signed(beta, beta_body, secret=beta_secret)
    assert second.status_code == 201, second.get_json()
    assert second.get_json()["code"] != first.get_json()["code"]  # the same national id, each province's own


@pytest.mark.committed
def test_two_workers_at_once_keep_each_dossier_in_order(runtime, seeded, receiver, committed_unit):
    codes = [received_dossier(runtime, seeded, [4, 5, 4, 9], unit=committed_unit) for _ in range(3)]  # 15 changes
    configure(runtime, receiver.url)
    receiver.delay = 0.05
    in_flight: dict[str, int] = {}
    overlaps: list[str] = []
    handle = receiver.handle

    def watched(headers, body):  # two requests of one dossier at the same time would be a reordering risk
        code = json.loads(body)["HoSo"]["MaHoSo"]
        with receiver.lock:
            if in_flight.get(code):
                overlaps.append(code)
            in_flight[code] = in_flight.get(code, 0) + 1
        if code == codes[0]:
            time.sleep(0.3)  # a slow dossier: the other worker is free to look for its later changes meanwhile
        try:
            return handle(headers, body)
        finally:
            with receiver.lock:
                in_flight[code] -= 1

    receiver.handle = watched
    reports = []
    workers = [threading.Thread(target=lambda: reports.append(deliver(runtime))) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sum(report.delivered for report in reports) == 15 and overlaps == []
    assert all(report.delivered for report in reports)  # both took part (each held another dossier)
    assert len(receiver.requests) == 15  # each sent once
    for code in codes:
        assert [got.status for got in receiver.delivered(code)] == [2, 4, 5, 4, 9]


def test_the_periodic_job_sends_every_province_where_the_sync_is_on(runtime, seeded, receiver):
    from types import SimpleNamespace

    from motcua_onestop.national_sync.tasks import deliver_national_sync

    periodic = {task.task.name: task.cron for task in runtime.jobs.app.periodic_registry.periodic_tasks.values()}
    assert periodic["national_sync:deliver_national_sync"] == "* * * * *"
    code = received_dossier(runtime, seeded, path=[4])
    configure(runtime, receiver.url)
    deliver_national_sync.func(SimpleNamespace(additional_context={"runtime": runtime}), 0)  # as the worker runs it
    assert [got.status for got in receiver.delivered(code)] == [2, 4]
    reports = {report.tenant: report for report in delivery.deliver_all(runtime.db)}
    assert reports["alpha"].delivered == 0 and reports["beta"].configured is False
