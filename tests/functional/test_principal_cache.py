"""The per-process principal cache (ADR 0031): a token checked once is not looked up again for a while, yet a
logout, a revoked token, a deactivated account or changed roles count at once in the process that made the
change and, through PostgreSQL NOTIFY, within milliseconds in every other process; a process that is not
listening keeps nothing.

The other process is a real gunicorn worker whose cache may keep an entry for 300 s: had it only a lifetime,
the tests below that wait a few seconds for a change to reach it would fail."""

import datetime as dt
import http.client
import json
import time

import pytest
from motcua_app.testing.gunicorn import gunicorn_server
from motcua_platform.audit.models import TenantAuditEvent
from motcua_platform.audit.services import Actor
from motcua_platform.auth import services as auth
from motcua_platform.auth.models import StaffAccount, StaffRole, StaffRoleName, StaffToken
from motcua_platform.auth.principal_cache import PrincipalCache
from motcua_platform.auth.tokens import new_token
from sqlalchemy import delete, update

OTHER_PROCESS_CACHE_SECONDS = 300
ACTOR = Actor("system", None, "test")


def _get(port: int, host: str, path: str, token: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host, "Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def other_process(database_url, tmp_path_factory):
    """A gunicorn worker on the test database: another process with its own cache."""
    instance = tmp_path_factory.mktemp("principal-cache-instance")
    settings = {"MOTCUA_TOKEN_CACHE_SECONDS": str(OTHER_PROCESS_CACHE_SECONDS)}
    with gunicorn_server(database_url, instance, **settings) as port:
        yield port


@pytest.fixture
def member(runtime, seeded):
    """A staff member of alpha (officer on commune_a) with two tokens, committed; removed afterwards."""
    binding = runtime.db.binding("alpha")
    tokens = []
    with runtime.db.tenant_session(binding) as session:
        staff = StaffAccount(email=f"cache-{time.monotonic_ns()}@alpha.test", full_name="Before", password_hash="!")
        staff.roles = [StaffRole(role=StaffRoleName.OFFICER, unit_id=seeded["alpha"].units["commune_a"])]
        session.add(staff)
        session.flush()
        for _ in range(2):
            token, token_hash = new_token("alpha")
            expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
            session.add(StaffToken(token_hash=token_hash, expires_at=expires, staff_id=staff.id))
            tokens.append(token)
        session.commit()
        staff_id = staff.id
    yield staff_id, tokens
    with runtime.db.tenant_session(binding) as session:
        session.execute(delete(StaffAccount).where(StaffAccount.id == staff_id))
        # and what the test's changes audited, which other tests of alpha read as their own
        session.execute(delete(TenantAuditEvent).where(TenantAuditEvent.target == f"staff:{staff_id}"))
        session.commit()


def _eventually(check, seconds: float = 5.0):
    """``check()``'s last value once it is true, polling for at most ``seconds`` (far below the other
    process's cache lifetime)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


def _change_silently(runtime, staff_id: int, full_name: str) -> None:
    """A committed change that announces nothing (as a hand-written UPDATE would): shows what is cached."""
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        session.execute(update(StaffAccount).where(StaffAccount.id == staff_id).values(full_name=full_name))
        session.commit()


@pytest.mark.committed
def test_a_role_change_and_a_logout_in_one_process_reach_another_that_cached_the_token(
    runtime, seeded, member, other_process
):
    staff_id, (token, _other) = member
    host = seeded["alpha"].host
    status, me = _get(other_process, host, "/api/v1/me", token)
    assert status == 200 and me["full_name"] == "Before"
    time.sleep(0.5)  # the first request started the worker's listener; from now on checked tokens are kept
    assert _get(other_process, host, "/api/v1/me", token)[0] == 200
    # the other process answers from its cache: a change nobody announced does not show there
    _change_silently(runtime, staff_id, "Silently renamed")
    time.sleep(0.3)
    assert _get(other_process, host, "/api/v1/me", token)[1]["full_name"] == "Before"

    commune_b = seeded["alpha"].units["commune_b"]
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        auth.update_staff(
            session,
            ACTOR,
            staff_id,
            {commune_b, seeded["alpha"].units["commune_a"]},
            roles=[(StaffRoleName.OFFICER, commune_b)],
        )
        session.commit()
    roles = _eventually(
        lambda: (
            _get(other_process, host, "/api/v1/me", token)[1]["roles"] == [{"role": "officer", "unit_id": commune_b}]
        )
    )
    assert roles, "the role change did not reach the other process"
    assert _get(other_process, host, "/api/v1/me", token)[1]["full_name"] == "Silently renamed"
    # the officer's list follows the new unit at once as well (commune_a's dossiers are no longer theirs)
    assert _get(other_process, host, "/api/v1/dossiers", token)[0] == 200

    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        auth.logout(session, scope="alpha", secret=token.partition(".")[2])
        session.commit()
    refused = _eventually(lambda: _get(other_process, host, "/api/v1/me", token)[0] == 401)
    assert refused, "the logout did not reach the other process"


@pytest.mark.committed
def test_a_deactivated_account_is_refused_by_another_process_that_cached_its_token(
    runtime, seeded, member, other_process
):
    staff_id, (_first, token) = member
    host = seeded["alpha"].host
    assert _get(other_process, host, "/api/v1/me", token)[0] == 200
    time.sleep(0.5)
    _change_silently(runtime, staff_id, "Silently renamed")  # kept: shows the next answer is the cache's
    assert _get(other_process, host, "/api/v1/me", token)[1]["full_name"] == "Before"
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        auth.update_staff(session, ACTOR, staff_id, {seeded["alpha"].units["commune_a"]}, active=False)
        session.commit()
    assert _eventually(lambda: _get(other_process, host, "/api/v1/me", token)[0] == 401)


def test_the_process_that_makes_the_change_refuses_the_token_at_once(app, runtime, seeded, host_client):
    """In this process (the app under test, in its test transaction): a logout and a role change count from
    the very next request, while an unannounced change shows the cache is in use."""
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    name = officer.get("/api/v1/me").get_json()["full_name"]
    cache = app.extensions["motcua_principals"]
    assert cache.enabled and cache.wait_listening()
    assert officer.get("/api/v1/me").get_json()["full_name"] == name  # now kept
    officer_id = seeded["alpha"].staff["officer"]
    _change_silently(runtime, officer_id, "Silently renamed")
    assert officer.get("/api/v1/me").get_json()["full_name"] == name, "the answer was not cached"

    admin = host_client(seeded["alpha"].host, seeded["alpha"].admin_token)
    commune_b = seeded["alpha"].units["commune_b"]
    changed = admin.patch(f"/api/v1/staff/{officer_id}", json={"roles": [{"role": "officer", "unit_id": commune_b}]})
    assert changed.status_code == 200, changed.get_json()
    me = officer.get("/api/v1/me").get_json()
    assert me["roles"] == [{"role": "officer", "unit_id": commune_b}] and me["full_name"] == "Silently renamed"

    assert officer.post("/api/v1/auth/logout").status_code == 204
    assert officer.get("/api/v1/me").status_code == 401
    assert officer.get("/api/v1/dossiers").status_code == 401


def test_a_cache_that_is_not_listening_keeps_nothing(database_url):
    cache = PrincipalCache("postgresql://nobody@127.0.0.1:1/none", seconds=300)
    try:
        generation = cache.generation()
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        cache.put("alpha", "h", object(), later, generation)
        assert cache.get("alpha", "h") is None
    finally:
        cache.stop()


def test_an_answer_read_before_a_change_is_not_kept(database_url):
    cache = PrincipalCache(database_url, seconds=300)
    try:
        assert cache.wait_listening()
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        generation = cache.generation()
        cache.clear()  # a change announced while the principal was being read
        cache.put("alpha", "h", "principal", later, generation)
        assert cache.get("alpha", "h") is None
        cache.put("alpha", "h", "principal", later, cache.generation())
        assert cache.get("alpha", "h") == "principal"
        # never past the token's own expiry
        cache.put("alpha", "gone", "principal", dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1), cache.generation())
        assert cache.get("alpha", "gone") is None
    finally:
        cache.stop()
