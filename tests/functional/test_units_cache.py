"""The public unit list and tree are served from a per-process cache keyed by the tenant's units version:
every change is visible at once in the process that made it, in other processes once their tenant cache
expires, and one tenant's entries are never served to another."""

import time

from motcua_onestop.units.api import PUBLIC_CACHE
from motcua_onestop.units.models import Unit
from motcua_platform.directory.models import Tenant
from motcua_platform.directory.services import bump_content_version
from sqlalchemy import select, update

LIST = "/api/v1/units?page_size=100"


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [unit["name"] for unit in response.get_json()]


def tree_names(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    found, stack = set(), list(response.get_json())
    while stack:
        node = stack.pop()
        found.add(node["name"])
        stack.extend(node["children"])
    return found


def test_list_and_tree_follow_unit_changes_at_once(alpha, host_client, seeded):
    public = host_client(seeded["alpha"].host)
    before, tree_before = names(public.get(LIST)), tree_names(public.get("/api/v1/units/tree"))
    assert names(public.get(LIST)) == before  # served again, from the cache
    assert len(PUBLIC_CACHE._entries) == 2

    created = alpha.post(
        "/api/v1/units",
        json={
            "kind": "department",
            "code": "000.00.09.A01",
            "name": "Sở Nội vụ",
            "parent_id": seeded["alpha"].units["root"],
        },
    )
    assert created.status_code == 201
    unit_id = created.get_json()["id"]
    listed = names(public.get(LIST))
    assert "Sở Nội vụ" in listed and len(listed) == len(before) + 1
    assert "Sở Nội vụ" in tree_names(public.get("/api/v1/units/tree"))

    assert alpha.patch(f"/api/v1/units/{unit_id}", json={"name": "Sở Nội vụ tỉnh"}).status_code == 200
    listed = names(public.get(LIST))
    assert "Sở Nội vụ tỉnh" in listed and "Sở Nội vụ" not in listed

    assert alpha.delete(f"/api/v1/units/{unit_id}").status_code == 204
    assert names(public.get(LIST)) == before
    assert tree_names(public.get("/api/v1/units/tree")) == tree_before


def test_a_refused_change_keeps_the_version(alpha, app, seeded, host_client):
    public = host_client(seeded["alpha"].host)
    public.get(LIST)
    version = app.extensions["motcua"].resolver.resolve(seeded["alpha"].host).units_version
    bad = alpha.post("/api/v1/units", json={"kind": "commune", "code": "bad code!", "name": "X"})
    assert bad.status_code == 422
    assert app.extensions["motcua"].resolver.resolve(seeded["alpha"].host).units_version == version


def test_tenants_never_share_entries(host_client, seeded, runtime):
    """Both tenants are seeded with identical unit ids and the same query: each host gets its own rows."""
    alpha_public, beta_public = host_client(seeded["alpha"].host), host_client(seeded["beta"].host)
    alpha_names = names(alpha_public.get(LIST))
    beta_names = names(beta_public.get(LIST))
    assert any("Alpha" in name for name in alpha_names) and not any("Alpha" in name for name in beta_names)
    assert any("Beta" in name for name in beta_names) and not any("Beta" in name for name in alpha_names)
    assert names(beta_public.get(LIST)) == beta_names  # a hit, still beta's
    with runtime.db.control_session() as control:
        ids = dict(control.execute(select(Tenant.slug, Tenant.id).where(Tenant.slug.in_(["alpha", "beta"]))).all())
    keys = list(PUBLIC_CACHE._entries)
    assert {key[:2] for key in keys} == {(ids["alpha"], "alpha"), (ids["beta"], "beta")}


def test_host_checks_still_run_on_cached_responses(host_client, seeded, platform):
    beta_public = host_client(seeded["beta"].host)
    assert beta_public.get(LIST).status_code == 200  # now cached
    wrong_token = beta_public.with_token(seeded["alpha"].admin_token).get(LIST)
    assert wrong_token.status_code == 403
    assert platform.post("/api/v1/tenants/beta/suspend", json={"reason": "test"}).status_code == 200
    suspended = beta_public.get(LIST)
    assert suspended.status_code == 503 and suspended.get_json()["code"] == "tenant_suspended"


def test_invalid_queries_are_never_cached(host_client, seeded):
    public = host_client(seeded["alpha"].host)
    assert public.get("/api/v1/units?kind=castle").status_code == 422
    assert public.get("/api/v1/units?kind=castle").status_code == 422
    assert not PUBLIC_CACHE._entries


def test_a_change_made_by_another_process_shows_once_the_tenant_cache_expires(app, runtime, seeded, host_client):
    """Another process changes a unit and bumps the version; this process keeps serving its entry until
    its resolver entry (MOTCUA_TENANT_CACHE_SECONDS) expires, then serves the change."""
    resolver = app.extensions["motcua"].resolver
    public = host_client(seeded["alpha"].host)
    root = seeded["alpha"].units["root"]
    original_ttl = resolver.ttl
    resolver.ttl = 2.0
    try:
        resolver.invalidate()
        before = names(public.get(LIST))
        # what the other process does: commit the change, then bump the version (not this resolver)
        with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
            session.execute(update(Unit).where(Unit.id == root).values(name="UBND tỉnh Alpha (đổi tên)"))
            session.commit()
        with runtime.db.control_session() as control:
            tenant_id = control.scalar(select(Tenant.id).where(Tenant.slug == "alpha"))
            bump_content_version(control, tenant_id, "units")
            control.commit()
        assert names(public.get(LIST)) == before  # still this process's entry: within the bound
        time.sleep(2.1)
        assert "UBND tỉnh Alpha (đổi tên)" in names(public.get(LIST))
    finally:
        resolver.ttl = original_ttl


def test_a_failed_version_bump_does_not_fail_a_committed_change(alpha, seeded, host_client, monkeypatch, caplog):
    from motcua_platform.directory import content
    from sqlalchemy.exc import OperationalError

    def control_plane_down(*args, **kwargs):
        raise OperationalError("UPDATE tenants …", {}, Exception("connection lost"))

    monkeypatch.setattr(content, "bump_content_version", control_plane_down)
    body = {"kind": "department", "code": "000.00.19.A01", "name": "Sở Mới", "parent_id": seeded["alpha"].units["root"]}
    created = alpha.post("/api/v1/units", json=body)
    assert created.status_code == 201, created.get_json()  # the unit is there: a retry would make a second one
    assert alpha.get(f"/api/v1/units/{created.get_json()['id']}").status_code == 200
    assert "not bumped" in caplog.text
