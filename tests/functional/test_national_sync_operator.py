"""What vendor operators see of the national sync and do about it, through the API (/api/v1/national-sync,
/api/v1/tenants/<slug>/national-sync) and the console (/operator/national-sync): each province's remote end
(the secret never shown), the backlog of every province, a province's failing rows with their last error, and
"retry now", audited in the province."""

import pytest
from motcua_onestop.national_sync.models import NationalSyncOutbox, SyncStatus
from national_support import SECRET, Receiver, start_receiver
from portal_support import csrf_token, text
from sqlalchemy import select
from sqlalchemy import text as sql
from test_console_operator import signed_in
from test_national_sync import deliver, received_dossier, rows_of

SETTINGS = "/api/v1/tenants/alpha/national-sync/settings"


@pytest.fixture
def refusing_receiver():
    got = Receiver()
    server = start_receiver(got)
    yield got
    server.shutdown()
    server.server_close()


def test_operators_set_the_remote_end_and_never_see_the_secret(platform, seeded):
    assert platform.get(SETTINGS).get_json() == {
        "enabled": False, "endpoint_url": None, "secret_set": False, "timeout_seconds": 10, "updated_at": None
    }  # fmt: skip
    refused = platform.put(SETTINGS, json={"enabled": True, "endpoint_url": "javascript:alert(1)", "secret": "x"})
    assert refused.status_code == 422 and {"endpoint_url", "secret"} <= set(refused.get_json()["errors"])
    assert platform.get(SETTINGS).get_json()["secret_set"] is False  # nothing saved
    body = {"enabled": True, "endpoint_url": "https://dvc.example/hoso", "secret": SECRET, "timeout_seconds": 7}
    saved = platform.put(SETTINGS, json=body)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["secret_set"] is True and "secret" not in saved.get_json()
    kept = platform.put(SETTINGS, json={"enabled": True, "endpoint_url": "https://dvc.example/v2"})
    assert kept.status_code == 200 and kept.get_json()["secret_set"] is True  # no secret sent: the old one stays
    assert SECRET not in platform.get(SETTINGS).get_data(as_text=True)
    assert platform.get("/api/v1/tenants/nosuch/national-sync/settings").status_code == 404
    assert platform.get(SETTINGS.replace("alpha", "beta")).get_json()["enabled"] is False  # per province


def test_the_backlog_failures_and_retry_now_through_the_api(runtime, platform, seeded, refusing_receiver):
    code = received_dossier(runtime, seeded, path=[4])
    body = {"enabled": True, "endpoint_url": refusing_receiver.url, "secret": SECRET}
    assert platform.put(SETTINGS, json=body).status_code == 200
    refusing_receiver.refused_codes = {code}
    assert deliver(runtime).held == 1
    backlog = {row["tenant"]: row for row in platform.get("/api/v1/national-sync/backlog").get_json()}
    assert set(backlog) >= {"alpha", "beta"}
    assert (backlog["alpha"]["pending"], backlog["alpha"]["failing"], backlog["alpha"]["held"]) == (2, 1, 1)
    assert backlog["alpha"]["enabled"] is True and backlog["beta"]["pending"] == 0
    [failure] = platform.get("/api/v1/tenants/alpha/national-sync/failures").get_json()
    assert failure["dossier_code"] == code and "HTTP 422" in failure["last_error"] and failure["status"] == "held"
    retried = platform.post(f"/api/v1/tenants/alpha/national-sync/failures/{failure['id']}/retry")
    assert retried.status_code == 200 and retried.get_json()["status"] == "pending"
    refusing_receiver.refused_codes = set()
    assert deliver(runtime).delivered == 2
    again = platform.post(f"/api/v1/tenants/alpha/national-sync/failures/{failure['id']}/retry")
    assert again.status_code == 409  # delivered: nothing to retry
    assert platform.post("/api/v1/tenants/alpha/national-sync/failures/999999/retry").status_code == 404
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        actors = session.execute(sql("SELECT actor FROM audit_events WHERE action = 'national_sync.retry'")).all()
        assert len(actors) == 1 and actors[0][0].startswith("operator:")


def test_the_api_needs_an_operator(host_client, seeded):
    assert host_client("motcua.test").get("/api/v1/national-sync/backlog").status_code == 401
    staff = host_client(seeded["alpha"].host, seeded["alpha"].admin_token)
    assert staff.get("/api/v1/national-sync/backlog").status_code == 404  # the platform host's route only


def test_the_console_page_lists_the_backlog_and_retries_a_failure(runtime, host_client, seeded, refusing_receiver):
    ops = signed_in(host_client, "ops@vendor.test")
    code = received_dossier(runtime, seeded, path=[])
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        from motcua_onestop.national_sync import settings as sync_settings
        from motcua_platform.audit.services import Actor

        sync_settings.change(session, Actor("system", None, "test"), enabled=True,
                             endpoint_url=refusing_receiver.url, secret=SECRET, local_receivers=True)  # fmt: skip
        session.commit()
    refusing_receiver.down = True
    assert deliver(runtime).retried == 1
    listing = ops.get("/operator/national-sync")
    assert listing.status_code == 200
    page = text(listing)
    assert "National portal sync" in page and "/operator/national-sync/alpha" in page and ">National sync</a>" in page
    shown = ops.get("/operator/national-sync/alpha")
    assert shown.status_code == 200
    page = text(shown)
    assert code in page and "HTTP 503" in page and SECRET not in page and refusing_receiver.url in page
    [row] = rows_of(runtime, code)
    action = f"/operator/national-sync/alpha/rows/{row.id}/retry"
    assert ops.post(action, data={}).status_code == 400  # no CSRF token
    before = row.next_attempt_at
    response = ops.post(action, data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/operator/national-sync/alpha")
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        retried = session.scalar(select(NationalSyncOutbox).where(NationalSyncOutbox.id == row.id))
        assert retried.status == SyncStatus.PENDING and retried.next_attempt_at < before
    refusing_receiver.down = False
    assert deliver(runtime).delivered == 1
    assert "Nothing is failing." in text(ops.get("/operator/national-sync/alpha"))
    assert ops.get("/operator/national-sync/nosuch").status_code == 404


def test_the_console_page_needs_an_operator_role(host_client, seeded):
    finance = signed_in(host_client, "finance@vendor.test")
    assert finance.get("/operator/national-sync").status_code == 403
    assert ">National sync</a>" not in text(finance.get("/operator/finance"))
    anonymous = host_client("motcua.test").get("/operator/national-sync")
    assert anonymous.status_code == 303 and "/operator/login" in anonymous.headers["Location"]


def test_the_page_is_in_vietnamese_first(runtime, host_client, seeded):
    ops = signed_in(host_client, "ops@vendor.test")
    page = text(ops.get("/operator/national-sync", headers={"Accept-Language": "vi"}))
    assert "Đồng bộ Cổng Dịch vụ công quốc gia" in page
