"""Documents of a dossier through the real HTTP API: upload, list, download, checks, access, usage."""

import hashlib
import io
from decimal import Decimal

import pytest
from dossier_support import citizen_client, intake_body, intake_in, move
from motcua_billing.usage.models import UsageOutbox
from motcua_onestop.dossiers.documents.models import DossierDocument, StoredBytes
from motcua_onestop.dossiers.models import Dossier
from motcua_platform.storage.services import object_store
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"JFIF" + b"\x00" * 64


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


@pytest.fixture
def code(officer, seeded):
    response = officer.post("/api/v1/dossiers", json=intake_body(seeded))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def upload(client, code, body, name="to-khai.pdf", **form):
    # Encoded in memory: the test client's own encoder leaves a temporary file open for large bodies.
    fields = {
        "component": "0",
        **{k: str(v) for k, v in form.items()},
        "file": FileStorage(io.BytesIO(body), filename=name),
    }
    boundary, data = encode_multipart(fields)
    return client.post(
        f"/api/v1/dossiers/{code}/documents", data=data, content_type=f"multipart/form-data; boundary={boundary}"
    )


def download(client, path):
    response = client.get(path)
    response.get_data()  # buffered, then the stored file is closed as a WSGI server would
    response.close()
    return response


def tenant_db(runtime, seeded, slug="alpha"):
    return runtime.db.tenant_session(runtime.db.binding(slug))


def test_upload_list_download_round_trip(officer, code):
    response = upload(officer, code, PDF, name="../../etc/Tờ khai\x00.exe", digitised="true")
    assert response.status_code == 201, response.get_json()
    document = response.get_json()
    assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert document["size_bytes"] == len(PDF) and document["content_type"] == "application/pdf"
    assert document["kind"] == "component" and document["component_index"] == 0 and document["digitised"] is True
    assert document["component_name"] == "Tờ khai đăng ký kết hôn"
    assert document["filename"] == "Tờ khai_.pdf"  # path and control characters gone, the real extension
    assert "storage_key" not in document

    listed = officer.get(f"/api/v1/dossiers/{code}/documents").get_json()
    assert [d["id"] for d in listed] == [document["id"]]
    content = download(officer, document["download"])
    assert content.status_code == 200
    assert content.data == PDF and hashlib.sha256(content.data).hexdigest() == document["sha256"]
    assert content.mimetype == "application/pdf"
    assert content.headers["X-Content-Type-Options"] == "nosniff"
    disposition = content.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''T%E1%BB%9D%20khai_.pdf" in disposition

    # the checklist on the dossier itself: component 0 present, component 1 (by name, a PNG) not yet
    detail = officer.get(f"/api/v1/dossiers/{code}").get_json()
    assert [(c["index"], c["present"]) for c in detail["checklist"]] == [(0, True), (1, False)]
    by_name = upload(officer, code, PNG, name="scan.png", component="  giấy xác nhận TÌNH TRẠNG hôn nhân ")
    assert by_name.status_code == 201 and by_name.get_json()["component_index"] == 1
    assert by_name.get_json()["content_type"] == "image/png"
    detail = officer.get(f"/api/v1/dossiers/{code}").get_json()
    assert all(c["present"] for c in detail["checklist"]) and len(detail["documents"]) == 2


def test_replacing_a_component_keeps_the_old_one(officer, code):
    first = upload(officer, code, PDF).get_json()
    second = upload(officer, code, JPEG, name="photo.jpeg").get_json()
    assert second["content_type"] == "image/jpeg" and second["filename"] == "photo.jpeg"
    listed = {d["id"]: d for d in officer.get(f"/api/v1/dossiers/{code}/documents").get_json()}
    assert listed[first["id"]]["superseded_by_id"] == second["id"] and listed[first["id"]]["superseded_at"]
    assert listed[second["id"]]["superseded_at"] is None
    assert download(officer, first["download"]).data == PDF  # the old bytes are kept


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 100, "setup.exe"),
        (b"just some text pretending\n", "renamed.pdf"),
        (b"<html><script>alert(1)</script></html>", "page.png"),
    ],
)
def test_content_that_is_not_pdf_jpeg_or_png_is_refused(officer, code, body, name, runtime, seeded):
    response = upload(officer, code, body, name=name)
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error" and "file" in response.get_json()["errors"]
    assert officer.get(f"/api/v1/dossiers/{code}/documents").get_json() == []


def test_empty_oversized_and_unknown_component_are_refused(officer, code, runtime, monkeypatch):
    empty = upload(officer, code, b"")
    assert empty.status_code == 422 and "file" in empty.get_json()["errors"]
    assert upload(officer, code, PDF, component="7").status_code == 422
    assert upload(officer, code, PDF, component="²").status_code == 422  # a digit to isdigit(), not to int()
    unknown = upload(officer, code, PDF, component="Sổ hộ khẩu")
    assert unknown.status_code == 422 and "component" in unknown.get_json()["errors"]

    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(upload_max_bytes=len(PDF)))
    assert upload(officer, code, PDF).status_code == 201  # exactly the limit
    too_big = upload(officer, code, PDF + b"x", component="1")
    assert too_big.status_code == 413
    body = too_big.get_json()
    assert body["code"] == "payload_too_large" and body["status"] == 413 and "file" in body["errors"]
    # a body announced far larger is refused before it is read
    announced = officer.post(
        f"/api/v1/dossiers/{code}/documents",
        data=b"x" * 200_000,
        content_type="multipart/form-data; boundary=x",
    )
    assert announced.status_code == 413 and announced.get_json()["code"] == "payload_too_large"
    assert len(officer.get(f"/api/v1/dossiers/{code}/documents").get_json()) == 1


def test_missing_file_is_a_validation_error(officer, code):
    response = officer.post(
        f"/api/v1/dossiers/{code}/documents", data={"component": "0"}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and "file" in response.get_json()["errors"]


def test_officer_of_another_unit_and_another_tenant_get_nothing(host_client, officer, seeded, code):
    admin = host_client(seeded["alpha"].host, seeded["alpha"].admin_token)
    in_b = admin.post(
        "/api/v1/dossiers", json=intake_body(seeded, receiving_unit_id=seeded["alpha"].units["commune_b"])
    ).get_json()["code"]
    stored = upload(admin, in_b, PDF).get_json()
    # the commune_a officer cannot list, download or add to commune_b's dossier
    assert officer.get(f"/api/v1/dossiers/{in_b}/documents").status_code == 404
    assert officer.get(f"/api/v1/dossiers/{in_b}/documents/{stored['id']}/content").status_code == 404
    assert upload(officer, in_b, PDF).status_code == 404
    # a document id of another dossier, through a dossier the officer may see, is a 404 too
    assert officer.get(f"/api/v1/dossiers/{code}/documents/{stored['id']}/content").status_code == 404
    # alpha's token on beta's host is refused; beta's own officer does not find alpha's dossier
    on_beta = host_client(seeded["beta"].host, seeded["alpha"].tokens["officer"])
    assert on_beta.get(f"/api/v1/dossiers/{code}/documents").status_code == 403
    beta_officer = host_client(seeded["beta"].host, seeded["beta"].tokens["officer"])
    assert beta_officer.get(f"/api/v1/dossiers/{code}/documents").status_code == 404
    assert beta_officer.get(f"/api/v1/dossiers/{in_b}/documents/{stored['id']}/content").status_code == 404
    # finance viewers and anonymous callers
    finance = host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    assert finance.get(f"/api/v1/dossiers/{code}/documents").status_code == 404
    assert host_client(seeded["alpha"].host).get(f"/api/v1/dossiers/{code}/documents").status_code == 401


def test_final_status_refuses_documents_and_results_only_at_the_end(officer, code):
    result = upload(officer, code, PDF, kind="result", component="")
    assert result.status_code == 409 and result.get_json()["errors"]["status"] == ["Allowed in statuses [4, 9]."]
    assert move(officer, code, 4, 1).status_code == 200
    attached = upload(officer, code, PDF, name="giay-chung-nhan.pdf", kind="result", component="")
    assert attached.status_code == 201 and attached.get_json()["kind"] == "result"
    assert attached.get_json()["component_index"] is None
    assert move(officer, code, 9, 2).status_code == 200
    assert upload(officer, code, PNG, kind="result", component="").status_code == 201
    late_component = upload(officer, code, PDF)
    assert late_component.status_code == 409
    assert move(officer, code, 10, 3).status_code == 200
    final = upload(officer, code, JPEG, kind="result", component="")
    assert final.status_code == 409 and final.get_json()["code"] == "conflict"


def test_refused_dossier_takes_no_documents(officer, code):
    assert move(officer, code, 7, 1).status_code == 200  # withdrawn
    assert upload(officer, code, PDF).status_code == 409


def count_rows(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_usage_is_the_tenant_total_and_counted_once_when_retried(officer, code, runtime, seeded):
    session = tenant_db(runtime, seeded)
    before = session.scalar(select(StoredBytes.bytes)) or 0
    first = upload(officer, code, PDF)
    assert first.status_code == 201
    again = upload(officer, code, PDF)  # a client retry: the same bytes for the same component
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    second = upload(officer, code, PNG, component="1").get_json()

    events = {
        row.event_id: row.quantity
        for row in session.scalars(select(UsageOutbox).where(UsageOutbox.metric_code == "storage_gb"))
    }
    one, two = first.get_json()["id"], second["id"]
    assert set(events) >= {f"document:{one}:stored", f"document:{two}:stored"}
    assert len([e for e in events if e.startswith(f"document:{one}:")]) == 1
    total = before + len(PDF) + len(PNG)
    assert session.scalar(select(StoredBytes.bytes)) == total
    # GB of 10^9 bytes, rounded UP to the ledger's 6 decimals: a few hundred bytes count as 0.000001
    assert events[f"document:{two}:stored"] == (Decimal(total) / 10**9).quantize(Decimal("0.000001"), "ROUND_CEILING")
    assert events[f"document:{two}:stored"] >= events[f"document:{one}:stored"] > 0
    assert count_rows(session, DossierDocument, DossierDocument.sha256 == hashlib.sha256(PDF).hexdigest()) == 1


def test_a_failed_insert_leaves_no_row_no_usage_and_no_object(officer, code, runtime, seeded, monkeypatch):
    from motcua_onestop.dossiers.documents import services

    stored_keys = []
    real_new_key = services.new_key

    def remember(area):
        stored_keys.append(real_new_key(area))
        return stored_keys[-1]

    def broken_usage(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "new_key", remember)
    monkeypatch.setattr(services, "report_usage", broken_usage)
    response = upload(officer, code, PDF)
    assert response.status_code == 500 and response.get_json()["code"] == "internal_error"
    session = tenant_db(runtime, seeded)
    assert count_rows(session, DossierDocument) == 0
    assert count_rows(session, UsageOutbox, UsageOutbox.metric_code == "storage_gb") == 0
    assert len(stored_keys) == 1
    objects = object_store(runtime.config)
    assert not objects.exists(f"alpha/{stored_keys[0]}")


def test_s3_backend_round_trip_through_the_api(officer, code, runtime, seeded, monkeypatch, s3_endpoint):
    import boto3

    config = runtime.config.with_overrides(storage="s3", s3_bucket="motcua-test", s3_endpoint_url=s3_endpoint)
    monkeypatch.setattr(runtime, "config", config)
    body = PDF + bytes(range(256)) * 4000  # ~1 MiB of binary after the PDF header
    document = upload(officer, code, body).get_json()
    content = download(officer, document["download"])
    assert content.status_code == 200 and hashlib.sha256(content.data).hexdigest() == document["sha256"]
    listed = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket="motcua-test", Prefix="alpha/")
    keys = [o["Key"] for o in listed.get("Contents", [])]
    session_key = tenant_db(runtime, seeded).scalar(
        select(DossierDocument.storage_key).where(DossierDocument.id == document["id"])
    )
    assert f"alpha/{session_key}" in keys and all(k.startswith("alpha/documents/") for k in keys)


def test_storage_usage_rates_as_the_peak_of_the_period(officer, code, runtime, seeded, app):
    """Uploads → the tenant's outbox → the ledger → the invoice run: the storage line is the period's
    peak total in GB (MAX), priced per GB."""
    import datetime as dt

    from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, HostClient
    from motcua_billing.usage.services import drain_outbox
    from motcua_platform.timezones import VIETNAM

    finance = HostClient(app, TEST_BASE_DOMAIN, seeded["platform"].tokens["finance"])
    storage = {"metric_code": "storage_gb", "included_quantity": 0, "model": "graduated"}
    charges = [{**storage, "tiers": [{"unit_price": "20000"}]}]
    plan = {"code": "storage", "name": "Lưu trữ", "annual_fee_vnd": 0, "overage_budget_vnd": 0, "charges": charges}
    assert finance.post("/api/v1/billing/plans", json=plan).status_code == 201
    account = {"legal_name": "UBND tỉnh Alpha", "tax_code": "6000123456", "address": "x", "emails": []}
    assert finance.put("/api/v1/billing/accounts/alpha", json=account).status_code == 200
    today = dt.datetime.now(VIETNAM).date()
    month = today.replace(day=1)
    last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    contract = {
        "tenant": "alpha",
        "code": "HD-STORAGE",
        "plan": "storage",
        "starts_on": month.isoformat(),
        "ends_on": last.isoformat(),
        "price_versions": [{"name": "x", "effective_from": month.isoformat(), "annual_fee_vnd": 0, "charges": charges}],
    }
    created = finance.post("/api/v1/billing/contracts", json=contract)
    assert created.status_code == 201, created.get_json()

    before = tenant_db(runtime, seeded).scalar(select(StoredBytes.bytes)) or 0
    upload(officer, code, PDF + b"\x00" * (2_000_000 - len(PDF)))
    upload(officer, code, PNG + b"\x00" * (1_000_000 - len(PNG)), component="1")
    upload(officer, code, PNG + b"\x00" * (1_000_000 - len(PNG)), component="1")  # a retry: not counted
    drain_outbox(runtime.db, "alpha")
    # the month is still running, and a run is refused until it has ended: rate it as on the 1st of the next
    from motcua_billing.invoices.run import run_period
    from motcua_platform.audit.services import Actor

    ended = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), VIETNAM)
    with runtime.db.control_session() as session:
        report = run_period(session, Actor("cli", None, "test"), month, vat_rate=Decimal(10), now=ended)
        session.commit()
    invoice = finance.get(f"/api/v1/billing/invoices/{report.invoice_ids[0]}").get_json()
    line = next(line for line in invoice["lines"] if line["metric_code"] == "storage_gb")
    peak = (Decimal(before + 3_000_000) / 10**9).quantize(Decimal("0.000001"), "ROUND_CEILING")
    assert Decimal(line["quantity"]) == peak  # the last (largest) total, not the sum of the events
    assert line["event_count"] == 2
    assert line["amount_vnd"] == int((peak * 20000).quantize(Decimal(1), "ROUND_HALF_UP"))


def test_daily_snapshot_records_the_total_once_a_day(officer, code, runtime, seeded):
    import datetime as dt
    from types import SimpleNamespace

    from motcua_onestop.dossiers.documents.tasks import snapshot_storage
    from motcua_platform.timezones import VIETNAM

    upload(officer, code, PDF)
    total = tenant_db(runtime, seeded).scalar(select(StoredBytes.bytes))
    # 23:30 UTC on 31 December 2025 is 1 January 2026 in Hà Nội: the snapshot belongs to that day
    now = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)
    snapshot_storage.func(SimpleNamespace(additional_context={"runtime": runtime}), 0)
    from motcua_onestop.dossiers.documents.services import snapshot_all

    assert snapshot_all(runtime.db, now)["alpha"] == (Decimal(total) / 10**9).quantize(
        Decimal("0.000001"), "ROUND_CEILING"
    )
    snapshot_all(runtime.db, now + dt.timedelta(hours=1))  # the same Vietnamese day: a duplicate
    session = tenant_db(runtime, seeded)
    events = list(session.scalars(select(UsageOutbox.event_id).where(UsageOutbox.event_id.like("storage:%"))))
    today = dt.datetime.now(VIETNAM).date()
    assert f"storage:{today:%Y-%m-%d}:snapshot" in events  # from the periodic task itself
    assert "storage:2026-01-01:snapshot" in events and len(events) == len(set(events)) <= 2
    assert snapshot_all(runtime.db, now)["beta"] is None  # nothing stored: no event


@pytest.mark.committed
def test_concurrent_uploads_each_record_an_exact_running_total(runtime, seeded, tmp_path):
    """Six officers store a 10 kB document each at the same moment, on six dossiers: the totals their
    usage events carry are exactly before + 10 kB, + 20 kB, … (the row lock serialises the increments;
    a SUM over the documents would let two of them see the same total and understate the peak)."""
    import threading

    from dossier_support import SYSTEM
    from motcua_onestop.dossiers.documents import services as documents
    from motcua_platform.storage.local import LocalObjectStore
    from motcua_platform.storage.services import TenantObjects
    from sqlalchemy import text

    binding = runtime.db.binding("alpha")
    unit = seeded["alpha"].units["commune_b"]
    objects = TenantObjects(LocalObjectStore(tmp_path), "alpha")
    with runtime.db.tenant_session(binding) as session:
        before = session.scalar(select(StoredBytes.bytes)) or 0
        codes = []
        for _ in range(6):
            codes.append(intake_in(session, seeded, unit=unit).code)
        session.commit()
    barrier, failures = threading.Barrier(6), []

    def worker(code, n):
        try:
            body = PDF + bytes([n]) * (10_000 - len(PDF))
            barrier.wait()
            with runtime.db.tenant_session(binding) as session:
                requester = documents.Requester(frozenset({unit}))
                dossier = documents.authorize(session, code, requester, documents.ADD_COMPONENT, lock=True)
                upload_ = documents.spool(io.BytesIO(body), 100_000)
                new = documents.NewDocument("component", "a.pdf", "0")
                document, created = documents.add_document(
                    session, objects, SYSTEM, dossier, upload_, new, tenant_slug="alpha", signatures=None
                )
                upload_.close()
                documents.commit_or_discard(session, objects, document, created)
        except Exception as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(code, n)) for n, code in enumerate(codes)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures
        with runtime.db.tenant_session(binding) as session:
            assert session.scalar(select(StoredBytes.bytes)) == before + 60_000
            ids = session.scalars(
                select(DossierDocument.id).join(Dossier).where(Dossier.receiving_unit_id == unit)
            ).all()
            quantities = sorted(
                session.scalars(
                    select(UsageOutbox.quantity).where(UsageOutbox.event_id.in_([f"document:{i}:stored" for i in ids]))
                )
            )
        assert quantities == [documents.gigabytes(before + 10_000 * k) for k in range(1, 7)]
    finally:
        with runtime.db.engine.begin() as conn:
            dossier_ids = [
                r[0]
                for r in conn.execute(text("SELECT id FROM t_alpha.dossiers WHERE receiving_unit_id = :u"), {"u": unit})
            ]
            doc_ids = [
                r[0]
                for r in conn.execute(
                    text("SELECT id FROM t_alpha.dossier_documents WHERE dossier_id = ANY(:d)"), {"d": dossier_ids}
                )
            ]
            events = [f"document:{i}:stored" for i in doc_ids] + [f"dossier:{i}:received" for i in dossier_ids]
            conn.execute(text("DELETE FROM t_alpha.billing_usage_outbox WHERE event_id = ANY(:e)"), {"e": events})
            conn.execute(text("DELETE FROM t_alpha.dossier_documents WHERE id = ANY(:d)"), {"d": doc_ids})
            conn.execute(text("DELETE FROM t_alpha.notification_outbox WHERE dossier_id = ANY(:d)"), {"d": dossier_ids})
            conn.execute(
                text("DELETE FROM t_alpha.national_sync_outbox WHERE dossier_id = ANY(:d)"), {"d": dossier_ids}
            )
            conn.execute(text("DELETE FROM t_alpha.dossier_history WHERE dossier_id = ANY(:d)"), {"d": dossier_ids})
            conn.execute(
                text("DELETE FROM t_alpha.audit_events WHERE target = ANY(:t)"), {"t": [f"dossier:{c}" for c in codes]}
            )
            conn.execute(text("DELETE FROM t_alpha.dossiers WHERE id = ANY(:d)"), {"d": dossier_ids})
            conn.execute(text("DELETE FROM t_alpha.dossier_counters WHERE unit_id = :u"), {"u": unit})
            conn.execute(text("UPDATE t_alpha.document_storage_totals SET bytes = :b"), {"b": before})


def test_a_citizen_adds_components_to_their_own_dossier_only_before_intake(host_client, seeded, officer):
    citizen = citizen_client(host_client, seeded)
    code = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online")).get_json()["code"]
    response = upload(citizen, code, PDF, digitised="true")
    assert response.status_code == 201, response.get_json()
    document = response.get_json()
    assert document["digitised"] is False  # only an officer's scan of a paper original is digitised
    assert document["uploaded_by"].startswith("citizen:")
    assert [d["id"] for d in citizen.get(f"/api/v1/dossiers/{code}/documents").get_json()] == [document["id"]]
    assert download(citizen, document["download"]).get_data() == PDF
    assert officer.get(f"/api/v1/dossiers/{code}/documents").get_json()[0]["sha256"] == document["sha256"]

    refused = upload(citizen, code, PDF, kind="result")
    assert refused.status_code == 403
    # someone else's dossier (another citizen's, or a counter one) does not exist for this citizen
    counter = officer.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()["code"]
    portal = host_client(seeded["alpha"].host)
    stranger_body = {
        "email": "khac@example.vn",
        "full_name": "Lê Văn Khác",
        "password": "Canh-dong-rat-dai-2026",
        "national_id": "079090003333",
    }
    assert portal.post("/api/v1/account/register", json=stranger_body).status_code == 201
    token = portal.post(
        "/api/v1/account/login", json={"login": stranger_body["email"], "password": stranger_body["password"]}
    ).get_json()["token"]
    stranger = host_client(seeded["alpha"].host, token)
    for other in (code, counter):
        assert upload(stranger, other, PDF).status_code == 404
        assert stranger.get(f"/api/v1/dossiers/{other}/documents").status_code == 404
        assert download(stranger, document["download"]).status_code == 404
    assert upload(citizen, counter, PDF).status_code == 404

    assert move(officer, code, 2, 1).status_code == 200  # received: the file set is now the office's record
    late = upload(citizen, code, PNG, name="anh.png")
    assert late.status_code == 409 and "status 2" in late.get_json()["message"]
    assert len(officer.get(f"/api/v1/dossiers/{code}/documents").get_json()) == 1


BIRTH = "1.001193"  # birth registration: full online (toàn trình), three required documents
BIRTH_FORM = {
    "applicant": {
        "full_name": "Nguyễn Thị Hoa",
        "citizen_id": "066190001234",
        "date_of_birth": "1990-05-01",
        "address": "Xã A",
        "phone": "0912345678",
    },
    "relationship": "me",
    "child_full_name": "Nguyễn Minh An",
    "child_date_of_birth": "2026-11-01",
    "child_sex": "nam",
    "place_of_birth": "Bệnh viện Đa khoa tỉnh",
    "mother_full_name": "Nguyễn Thị Hoa",
}


def test_a_full_online_dossier_is_received_only_with_every_required_document(host_client, officer, seeded, runtime):
    """The clock starts at the intake of a complete dossier: the officer cannot receive a full-online
    dossier whose required documents are not all uploaded (409 naming them), can ask for them, and
    receives it once they are there. Partly-online procedures are checked on paper (not gated)."""
    citizen = citizen_client(host_client, seeded)
    body = intake_body(seeded, "online", procedure_code=BIRTH, form=BIRTH_FORM)
    submitted = citizen.post("/api/v1/dossiers", json=body)
    assert submitted.status_code == 201, submitted.get_json()
    code = submitted.get_json()["code"]
    assert upload(citizen, code, PDF, component="0").status_code == 201

    refused = move(officer, code, 2, 1)
    assert refused.status_code == 409
    error = refused.get_json()
    assert error["errors"]["documents"] == ["Giấy chứng sinh", "Giấy tờ tùy thân của người đi đăng ký"]
    assert "Giấy chứng sinh" in error["message"] and 5 in error["errors"]["allowed"]
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:  # nothing changed
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert (dossier.status, dossier.version, dossier.received_at) == (1, 1, None)

    for component in ("1", "2"):
        assert upload(citizen, code, PDF, component=component).status_code == 201
    received = move(officer, code, 2, 1)
    assert received.status_code == 200, received.get_json()
    assert received.get_json()["received_at"] and received.get_json()["due_at"]

    # marriage registration is partly online (both parties come to the office): received without uploads
    partial = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online")).get_json()["code"]
    assert move(officer, partial, 2, 1).status_code == 200


def test_a_component_is_marked_as_digitised_after_its_upload(officer, code, host_client, seeded):
    first = upload(officer, code, PDF).get_json()
    assert first["digitised"] is False
    path = f"/api/v1/dossiers/{code}/documents/{first['id']}/digitised"
    citizen = citizen_client(host_client, seeded)
    assert citizen.post(path).status_code == 403  # only an officer says the original was seen
    marked = officer.post(path)
    assert marked.status_code == 200 and marked.get_json()["digitised"] is True
    assert officer.post(path).get_json()["digitised"] is True  # again: nothing changes
    history = officer.get(f"/api/v1/dossiers/{code}/history").get_json()
    assert [h["action"] for h in history].count("document_digitised") == 1
    assert officer.post(f"/api/v1/dossiers/{code}/documents/987654/digitised").status_code == 404
    # a replaced file or a result is no component to mark
    second = upload(officer, code, PDF + b"%v2").get_json()
    assert officer.post(path).status_code == 409
    assert move(officer, code, 4, 1).status_code == 200
    result = upload(officer, code, PDF + b"%result", kind="result", component="").get_json()
    assert officer.post(f"/api/v1/dossiers/{code}/documents/{result['id']}/digitised").status_code == 409
    # once the dossier takes no more components, nothing is marked
    assert move(officer, code, 9, 2).status_code == 200
    assert officer.post(f"/api/v1/dossiers/{code}/documents/{second['id']}/digitised").status_code == 409
    listed = {d["id"]: d["digitised"] for d in officer.get(f"/api/v1/dossiers/{code}/documents").get_json()}
    assert listed[first["id"]] is True and listed[second["id"]] is False
