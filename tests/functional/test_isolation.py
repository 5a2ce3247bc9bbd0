"""Tenant isolation: the suite the design brief and the issue ask for."""

import re

import pytest
from motcua_platform.db.database import Database, bind_connection, bind_sql
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

ID_VALUES = {
    "unit_id": 2,
    "staff_id": 2,
    "job_id": 1,
    "slug": "alpha",
    "code": "1.001193",
    "name": "civil_status",
    "invoice_id": 1,
    "date": "2026-01-01",
    "number": "01",
    "document_id": 1,
    "draft_id": 1,
    "report_id": 1,
    "index": 0,  # a dossier's step (its signature)
    "kind": "pdf",
    "token": "a" * 32,
    "entry_id": 1,
    "item_id": 1,
    "kept_id": 1,
    "action": "answer",
    "payment_id": 1,
    "certificate_id": 1,  # the register of signing certificates
}
# Query strings for GET routes whose arguments are required.
QUERIES = {
    "/api/v1/calendar/due": "?received_at=2026-02-12T10:00:00%2B07:00&value=5&unit=working_days",
    "/api/v1/register.pdf": "?unit_id=2&from=2026-01-01&to=2026-01-31",
    "/api/v1/payments/reconciliation": "?from=2026-01-01&to=2026-01-31",
}


def tenant_routes(app):
    """Every (method, path) served on tenant hosts, ids filled in with values both tenants have."""
    realms = {name: getattr(bp, "realm", None) for name, bp in app.blueprints.items()}
    routes = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        if realms.get(blueprint) not in ("tenant", "any"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ID_VALUES[m.group(1)]), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, path))
    assert len(routes) >= 12, routes
    return routes


def _message(response) -> str:
    """The error message: the API's JSON body, or the text of a page's HTML error page."""
    if response.mimetype == "text/html":
        return response.get_data(as_text=True)
    return response.get_json()["message"]


def test_unknown_host_is_404_never_a_default_tenant(host_client, seeded):
    for host in ("gamma.motcua.test", "motcua.test.evil.com", "alpha.beta.motcua.test", "127.0.0.1"):
        response = host_client(host).get("/api/v1/portal")
        assert response.status_code == 404, host
        assert response.get_json()["code"] == "unknown_host"


def test_every_tenant_route_refuses_another_tenants_token(app, seeded, host_client):
    """alpha's admin token on beta's host is refused (403) on every route, public ones included:
    a request carrying a token for another host is never served."""
    beta_with_alpha_token = host_client(seeded["beta"].host, seeded["alpha"].admin_token)
    for method, path in tenant_routes(app):
        response = beta_with_alpha_token.open(method, path, json={})
        assert response.status_code == 403, (method, path, response.status_code)
        assert "another tenant" in _message(response), (method, path)


def test_every_tenant_route_refuses_another_tenants_citizen_token(app, seeded, host_client):
    """The same for a citizen's token: alpha's citizen is nobody on beta's portal, even though beta has a
    citizen account with the same id, e-mail and phone."""
    assert seeded["alpha"].citizen_id == seeded["beta"].citizen_id
    beta_with_alpha_citizen = host_client(seeded["beta"].host, seeded["alpha"].citizen_token)
    for method, path in tenant_routes(app):
        response = beta_with_alpha_citizen.open(method, path, json={})
        assert response.status_code == 403, (method, path, response.status_code)
        assert "another tenant" in _message(response), (method, path)


def test_public_routes_show_only_the_hosts_own_data(app, seeded, host_client):
    anonymous_beta = host_client(seeded["beta"].host)
    for method, path in tenant_routes(app):
        if method != "GET":
            continue
        response = anonymous_beta.get(path + QUERIES.get(path, ""))
        # public tracking (API or page) of a code this tenant does not have, or a rating link it never sent:
        # 404, like any unknown dossier; the logo of a province that has uploaded none, a question it never
        # asked, a payment answer not signed by its gateway, the sign-in with national identity of a province
        # that has set none up, a verification code of a document it never issued: 404
        not_here = path.startswith(
            ("/api/v1/track/", "/track/", "/rate/", "/api/v1/faq/", "/faq/", "/feedback/", "/verify/")
        )
        not_here = not_here or path in (
            "/brand/logo",
            "/payments/return",
            "/login/national",
            "/login/national/return",
        )
        expected = (200, 401, 404) if not_here else (200, 401)
        if response.status_code == 303 and not path.startswith("/api/"):
            # the pages' 401: a signed-in citizen's page (a staff console's) sends a visitor to this host's
            # own login page (the console's)
            assert response.headers["Location"].startswith(("/login?next=/", "/console/login?next=/console")), path
        else:
            assert response.status_code in expected, (path, response.status_code)
        assert "alpha" not in response.get_data(as_text=True).lower(), path


def test_identical_ids_resolve_to_each_tenants_own_rows(alpha, beta, seeded):
    unit_id = seeded["alpha"].units["department"]
    assert unit_id == seeded["beta"].units["department"]
    a = alpha.get(f"/api/v1/units/{unit_id}").get_json()
    b = beta.get(f"/api/v1/units/{unit_id}").get_json()
    assert a["id"] == b["id"]
    assert "Alpha" in a["name"] and "Beta" in b["name"]
    assert alpha.get("/api/v1/me").get_json()["tenant"]["slug"] == "alpha"


def test_writes_in_one_tenant_never_appear_in_the_other(alpha, beta, seeded):
    created = alpha.post(
        "/api/v1/units",
        json={"kind": "commune", "code": "000.00.77.A01", "name": "Xã Mới", "parent_id": seeded["alpha"].units["root"]},
    )
    assert created.status_code == 201, created.get_json()
    new_id = created.get_json()["id"]
    assert beta.get(f"/api/v1/units/{new_id}").status_code == 404
    assert all(u["name"] != "Xã Mới" for u in beta.get("/api/v1/units?page_size=100").get_json())


def test_platform_token_is_refused_on_tenant_hosts_and_tenant_token_on_platform(host_client, seeded):
    on_tenant = host_client(seeded["alpha"].host, seeded["platform"].admin_token).get("/api/v1/me")
    assert on_tenant.status_code == 403
    on_platform = host_client("motcua.test", seeded["alpha"].admin_token).get("/api/v1/tenants")
    assert on_platform.status_code == 403


def test_tenant_routes_are_404_on_the_platform_host_and_vice_versa(host_client, seeded):
    assert host_client("motcua.test").get("/api/v1/units").status_code == 404
    assert host_client(seeded["alpha"].host, seeded["alpha"].admin_token).get("/api/v1/tenants").status_code == 404


def test_statement_guard_catches_sql_that_crosses_schemas(runtime, seeded, statement_guard):
    db = runtime.db
    with db.engine.connect() as conn, conn.begin():
        bind_connection(conn, db.binding("alpha"))
        with pytest.raises(ProgrammingError):  # the database refuses too: alpha's role has no USAGE on beta
            conn.execute(text("SELECT count(*) FROM t_beta.units"))
    assert statement_guard.violations and "t_beta" in statement_guard.violations[0]
    statement_guard.violations.clear()


def test_statement_guard_sees_a_binding_that_opens_its_transaction(runtime, seeded, statement_guard):
    # Outside the tests' outer transaction the binding itself opens the transaction ("BEGIN; " first: the
    # driver opens none, ADR 0035), as in every request of a live server: the guard once took such a
    # transaction for unbound and checked nothing in it.
    db = runtime.db
    binding = db.binding("alpha")
    with db.tenant_engine(binding).connect() as conn:  # a tenant engine: its binding is the first statement
        bind_connection(conn, binding)
        assert statement_guard.seen_bindings == [f"BEGIN; {bind_sql(binding)}"]  # the case this test is about
        with pytest.raises(ProgrammingError):
            conn.execute(text("SELECT count(*) FROM t_beta.units"))
        conn.rollback()
    assert statement_guard.violations and "bound to t_alpha but touched t_beta" in statement_guard.violations[0]
    statement_guard.violations.clear()


def test_tenant_role_cannot_read_another_tenant_or_the_control_plane(runtime, seeded, statement_guard):
    db = runtime.db
    for forbidden in ("t_beta.units", "control.tenants", "control.operators"):
        with db.engine.connect() as conn, conn.begin():
            bind_connection(conn, db.binding("alpha"))
            assert conn.scalar(text("SELECT current_user")) == db.binding("alpha").role
            with pytest.raises(ProgrammingError, match="permission denied"):
                conn.execute(text(f"SELECT 1 FROM {forbidden} LIMIT 1"))
    assert len(statement_guard.violations) == 3  # the guard saw each deliberate attempt too
    statement_guard.violations.clear()


def test_unbound_connection_fails_closed(runtime, seeded):
    with runtime.db.engine.connect() as conn:
        assert conn.scalar(text("SHOW search_path")) == "motcua_unbound"
        with pytest.raises(ProgrammingError, match="does not exist"):
            conn.execute(text("SELECT count(*) FROM units"))


def test_tenant_role_is_nologin_and_owns_its_schema(runtime, seeded):
    binding = runtime.db.binding("alpha")
    with runtime.db.engine.connect() as conn:
        can_login = conn.scalar(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": binding.role})
        owner = conn.scalar(
            text("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = :s"), {"s": binding.schema}
        )
        foreign_owned = conn.scalar(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = :s AND tableowner <> :r"),
            {"s": binding.schema, "r": binding.role},
        )
    assert can_login is False
    assert owner == binding.role
    assert foreign_owned == 0


@pytest.mark.committed
def test_pool_of_one_connection_reused_across_tenants_including_rollbacks(runtime, seeded):
    """A → B → A on a single pooled connection, with a rollback after a write and an aborted
    transaction in between: every checkout starts with default role and search_path."""
    from motcua_onestop.units.models import Unit

    db = Database(runtime.db.url, pool_size=1, max_overflow=0)
    defaults = []

    def check_defaults():
        with db.engine.connect() as conn:
            defaults.append(
                (
                    conn.scalar(text("SELECT pg_backend_pid()")),
                    conn.scalar(text("SELECT current_user")),
                    conn.scalar(text("SHOW search_path")),
                    conn.scalar(text("SELECT current_setting('app.unit_id', true)")),
                )
            )

    try:
        check_defaults()
        with db.tenant_session(db.binding("alpha")) as session:
            assert session.get(Unit, 1).name.endswith("Alpha")
            session.add(Unit(kind="commune", code="ROLLBACK.1", name="never kept", parent_id=1))
            session.flush()
            session.rollback()
        check_defaults()
        with db.tenant_session(db.binding("beta")) as session:
            assert session.get(Unit, 1).name.endswith("Beta")
            with pytest.raises(ProgrammingError):
                session.execute(text("SELECT * FROM no_such_table"))
            session.rollback()
        check_defaults()
        with db.tenant_session(db.binding("alpha")) as session:
            assert session.get(Unit, 1).name.endswith("Alpha")
            assert session.scalar(text("SELECT count(*) FROM units WHERE code = 'ROLLBACK.1'")) == 0
            session.commit()
        check_defaults()
    finally:
        db.dispose()
    pids = {row[0] for row in defaults}
    assert len(pids) == 1, "the single pooled connection must have been reused"
    user = runtime.db.engine.url.username
    assert all(
        row[1:] == (user, "motcua_unbound", "") or row[1:] == (user, "motcua_unbound", None) for row in defaults
    ), defaults


@pytest.mark.committed
def test_what_a_transaction_leaves_on_its_connection_is_gone_for_the_next(runtime, seeded):
    """A session-level role and search path, a temporary table shadowing a tenant's table and an open
    cursor, left on the one pooled connection, are gone when the next transaction starts: a tenant's (its
    reset travels with the binding) and a control one (reset first)."""
    db = Database(runtime.db.url, pool_size=1, max_overflow=0)
    user = runtime.db.engine.url.username
    try:
        with db.control_session() as session:
            session.execute(text(f'SET ROLE "{db.binding("beta").role}"'))  # session level, not LOCAL
            session.execute(text("SET search_path TO t_beta"))
            session.commit()
        with db.tenant_session(db.binding("alpha")) as session:
            assert session.scalar(text("SELECT current_user")) == db.binding("alpha").role
            session.execute(text("CREATE TEMP TABLE units (id bigint, name text)"))
            session.execute(text("INSERT INTO units VALUES (1, 'leaked')"))
            session.execute(text("DECLARE left_open CURSOR WITH HOLD FOR SELECT 1"))
            session.commit()
        with db.tenant_session(db.binding("alpha")) as session:
            assert session.scalar(text("SELECT current_user")) == db.binding("alpha").role
            assert session.scalar(text("SHOW search_path")) == "t_alpha"
            assert session.scalar(text("SELECT name FROM units WHERE id = 1")).endswith("Alpha")
            assert session.scalar(text("SELECT count(*) FROM pg_cursors")) == 0
            session.execute(text("SET search_path TO t_beta"))
            session.execute(text("CREATE TEMP TABLE leftover (id bigint)"))
            session.commit()
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT current_user")) == user
            assert conn.scalar(text("SHOW search_path")) == "motcua_unbound"
            assert conn.scalar(text("SELECT to_regclass('pg_temp.leftover')")) is None
    finally:
        db.dispose()


@pytest.mark.committed
def test_every_transaction_is_one_even_though_the_driver_opens_none(runtime, seeded):
    """The driver runs in autocommit and each transaction's first statement opens it (ADR 0035): a tenant
    session and a control session are each one transaction from their first statement to the end (a write
    rolled back is gone, a failure rolls back what came before it), and a connection its user asked for
    autocommit runs what cannot run in a transaction."""
    from motcua_onestop.units.models import Unit

    db = Database(runtime.db.url, pool_size=1, max_overflow=0)
    try:
        with db.tenant_session(db.binding("alpha")) as session:
            first = session.scalar(text("SELECT txid_current()"))
            session.add(Unit(kind="commune", code="ONE.TX", name="never kept", parent_id=1))
            session.flush()
            assert session.scalar(text("SELECT txid_current()")) == first
            assert session.scalar(text("SELECT now() <> statement_timestamp()"))  # not the first statement's
            with pytest.raises(ProgrammingError):
                session.execute(text("SELECT * FROM no_such_table"))
            session.rollback()
        with db.tenant_session(db.binding("alpha")) as session:
            assert session.scalar(text("SELECT count(*) FROM units WHERE code = 'ONE.TX'")) == 0
        with db.control_session() as session:
            first = session.scalar(text("SELECT txid_current()"))
            assert session.scalar(text("SELECT txid_current()")) == first
            session.rollback()
        with db.engine.connect() as conn:
            vacuuming = conn.execution_options(isolation_level="AUTOCOMMIT")
            vacuuming.exec_driver_sql("VACUUM t_alpha.units")  # refused inside a transaction block
    finally:
        db.dispose()
