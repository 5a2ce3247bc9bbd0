from motcua_app.testing.pytest_plugin import TEST_PASSWORD


def login(client, email, password=TEST_PASSWORD):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_staff_login_returns_a_token_for_this_tenant_only(host_client, seeded):
    client = host_client(seeded["alpha"].host)
    response = login(client, "Officer@Alpha.test")  # e-mail is case-insensitive
    assert response.status_code == 201
    body = response.get_json()
    assert body["scope"] == "alpha" and body["token"].startswith("alpha.")
    me = client.with_token(body["token"]).get("/api/v1/me")
    assert me.status_code == 200
    assert me.get_json()["roles"] == [{"role": "officer", "unit_id": seeded["alpha"].units["commune_a"]}]
    assert host_client(seeded["beta"].host, body["token"]).get("/api/v1/me").status_code == 403


def test_operator_login_on_platform_host(host_client, seeded):
    response = login(host_client("motcua.test"), "ops@vendor.test")
    assert response.status_code == 201
    me = host_client("motcua.test", response.get_json()["token"]).get("/api/v1/me").get_json()
    assert me["kind"] == "operator" and me["roles"] == [{"role": "operator", "unit_id": None}] and me["tenant"] is None


def test_staff_cannot_log_in_on_the_platform_host_nor_operators_on_a_tenant(host_client, seeded):
    assert login(host_client("motcua.test"), "admin@alpha.test").status_code == 401
    assert login(host_client(seeded["alpha"].host), "admin@vendor.test").status_code == 401


def test_wrong_password_and_unknown_account_look_the_same(host_client, seeded):
    client = host_client(seeded["alpha"].host)
    wrong = login(client, "officer@alpha.test", "Wrong-passw0rd!")
    unknown = login(client, "nobody@alpha.test")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["message"] == unknown.get_json()["message"]
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")


def test_repeated_failures_lock_the_account_even_with_the_right_password(host_client, seeded):
    client = host_client(seeded["alpha"].host)
    for _ in range(3):  # MOTCUA_LOGIN_MAX_FAILURES is 3 in tests
        assert login(client, "finance@alpha.test", "Wrong-passw0rd!").status_code == 401
    locked = login(client, "finance@alpha.test")
    assert locked.status_code == 429
    assert locked.get_json()["code"] == "too_many_attempts"
    assert 0 < int(locked.headers["Retry-After"]) <= 60
    # the lock is per tenant: beta's account with the same e-mail pattern is unaffected
    assert login(host_client(seeded["beta"].host), "finance@beta.test").status_code == 201


def test_missing_malformed_and_revoked_tokens(host_client, seeded):
    client = host_client(seeded["alpha"].host)
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    forged = client.get("/api/v1/me", headers={"Authorization": "Bearer alpha." + "x" * 43})
    assert forged.status_code == 401 and "unknown" in forged.get_json()["message"]
    token = login(client, "officer@alpha.test").get_json()["token"]
    authed = client.with_token(token)
    assert authed.post("/api/v1/auth/logout").status_code == 204
    assert authed.get("/api/v1/me").status_code == 401


def test_deactivated_staff_token_stops_working(alpha, host_client, seeded):
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer.get("/api/v1/me").status_code == 200
    response = alpha.patch(f"/api/v1/staff/{seeded['alpha'].staff['officer']}", json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert officer.get("/api/v1/me").status_code == 401


def test_login_is_audited_in_the_tenant(alpha, host_client, seeded):
    login(host_client(seeded["alpha"].host), "officer@alpha.test")
    events = alpha.get("/api/v1/tenant-audit?action=auth.login").get_json()
    assert events and events[0]["actor"].startswith("staff:") and "officer@alpha.test" in events[0]["actor"]
