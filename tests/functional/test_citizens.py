"""Citizen accounts: registration, login (e-mail or phone) with lockout, profile, tokens bound to the
tenant and to citizen routes only, online intake by a citizen, own dossiers, withdrawal."""

import datetime as dt
import time

import pytest
from dossier_support import citizen_client, intake_body, move
from motcua_onestop.citizens.identity import national_id_problems, normalise_phone, tax_code_problems

NEW = {
    "email": "An.Nguyen@Example.vn",
    "phone": "+84 98 765 4321",
    "full_name": "Nguyễn Thị An",
    "national_id": "001195012345",
    "password": "Hoa-mai-Tet-den-2026",
}


def register(client, **changes):
    return client.post("/api/v1/account/register", json={**NEW, **changes})


def login(client, identifier, password=NEW["password"]):
    return client.post("/api/v1/account/login", json={"login": identifier, "password": password})


@pytest.fixture
def portal(host_client, seeded):
    return host_client(seeded["alpha"].host)


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


def test_register_login_by_email_or_phone_and_me(portal, alpha):
    created = register(portal)
    assert created.status_code == 201, created.get_json()
    account = created.get_json()
    assert account["phone"] == "0987654321" and account["kind"] == "citizen" and "password" not in account
    for identifier in ("an.nguyen@example.vn", "0987654321", "+84987654321", "84 987 654 321"):
        response = login(portal, identifier)
        assert response.status_code == 201, (identifier, response.get_json())
        token = response.get_json()["token"]
        assert token.startswith("alpha.citizen.") and response.get_json()["scope"] == "alpha"
    me = portal.with_token(token).get("/api/v1/account")
    assert me.status_code == 200 and me.get_json()["national_id"] == "001195012345"
    audit = alpha.get("/api/v1/tenant-audit?page_size=100").get_json()
    actions = {(e["action"], e["target"]) for e in audit}
    assert ("citizen.register", f"citizen:{account['id']}") in actions
    assert ("auth.login", f"citizen:{account['id']}") in actions
    assert all(NEW["password"] not in str(e) for e in audit)


def test_phone_only_and_business_accounts(portal):
    phone_only = register(portal, email=None, phone="0355 123 456")
    assert phone_only.status_code == 422  # email: null is not a string
    phone_only = portal.post(
        "/api/v1/account/register",
        json={k: v for k, v in NEW.items() if k != "email"} | {"phone": "0355.123.456"},
    )
    assert phone_only.status_code == 201 and phone_only.get_json()["email"] is None
    business = portal.post(
        "/api/v1/account/register",
        json={
            "kind": "business",
            "email": "ketoan@congty.vn",
            "full_name": "Công ty TNHH A",
            "tax_code": "0312345678",
            "password": NEW["password"],
        },
    )
    assert business.status_code == 201, business.get_json()
    assert business.get_json()["national_id"] is None


def test_every_registration_error_at_once_and_nothing_written(portal):
    bad = register(portal, email="not-an-email", phone="0123", national_id="12345", password="short")
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert set(errors) >= {"email", "phone", "national_id", "password"}
    assert login(portal, "0123", "short").status_code == 401
    none = portal.post(
        "/api/v1/account/register", json={"full_name": "A", "national_id": "001195012345", "password": NEW["password"]}
    )
    assert none.status_code == 422 and "_login" in none.get_json()["errors"]
    business = register(portal, kind="business", national_id=None)
    assert business.status_code == 422  # national_id null is refused by the schema
    business = portal.post(
        "/api/v1/account/register",
        json={"kind": "business", "email": "b@b.vn", "full_name": "B", "password": NEW["password"]},
    )
    assert "tax_code" in business.get_json()["errors"]


@pytest.mark.parametrize(
    "national_id",
    ["00119501234", "0011950123456", "00119501234x", "000195012345", "097195012345", "099195012345", "001999012345"],
)
def test_bad_cccd_is_refused(portal, national_id):
    response = register(portal, national_id=national_id)
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["national_id"]


def test_cccd_structure_and_phone_normalisation():
    assert national_id_problems("079090001111") == []  # HCMC, male, 1990
    assert national_id_problems("001305000001") == []  # Hà Nội, female, 2005
    assert national_id_problems("001330000001", today=dt.date(2029, 1, 1))  # born 2030: not yet
    assert national_id_problems("096499000001")  # 2199
    # digits of other scripts are digits to Python's \d, never to a CCCD, a phone or a tax code
    assert national_id_problems("٠٧٩٠٩٠٠٠١١١١") and national_id_problems("０７９０９０００１１１１")
    assert normalise_phone("٠٩١٢٣٤٥٦٧٨") is None and tax_code_problems("０３１２３４５６７８")
    assert normalise_phone("+84 912-345-678") == normalise_phone("(0912) 345 678") == "0912345678"
    assert normalise_phone("0212345678") is None  # a landline prefix, not a mobile
    assert normalise_phone("091234567") is None and normalise_phone("849123456789") is None


@pytest.mark.parametrize("phone", ["0123456789", "091234567", "+8491234567890", "abc", "0412345678"])
def test_bad_phone_is_refused(portal, phone):
    response = register(portal, phone=phone)
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["phone"]


def test_duplicate_email_or_phone_is_409_without_saying_which(portal, host_client, seeded):
    assert register(portal).status_code == 201
    by_email = register(portal, email="AN.NGUYEN@example.vn", phone="0911111111")
    by_phone = register(portal, email="other@example.vn", phone="0987 654 321")
    assert by_email.status_code == by_phone.status_code == 409
    assert by_email.get_json()["message"] == by_phone.get_json()["message"]
    assert by_email.get_json()["errors"] == {}
    # the same person registers on another province independently
    assert register(host_client(seeded["beta"].host)).status_code == 201


def test_lockout_after_failures_like_staff(portal, alpha):
    account_id = register(portal).get_json()["id"]
    for _ in range(3):  # MOTCUA_LOGIN_MAX_FAILURES is 3 in tests
        failed = login(portal, NEW["email"], "Wrong-passw0rd!")
        assert failed.status_code == 401 and failed.headers["WWW-Authenticate"].startswith("Bearer")
    unknown = login(portal, "nobody@example.vn")
    assert unknown.get_json()["message"] == failed.get_json()["message"]
    locked = login(portal, NEW["phone"])
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= 60
    actions = [
        e["action"]
        for e in alpha.get(f"/api/v1/tenant-audit?page_size=100&target=citizen:{account_id}").get_json()
        if e["target"] == f"citizen:{account_id}"
    ]
    assert actions.count("auth.login_failed") == 3 and "auth.locked" in actions


def test_logins_per_address_are_limited(portal, runtime):
    limit = runtime.config.account_attempts_per_minute
    # The count is per clock minute: start early in one, so the requests below fall in the same window
    # even on a loaded machine (a run straddling two minutes would be allowed its second minute's share).
    left = 60 - time.time() % 60
    if left < 20:
        time.sleep(left + 0.1)
    # a different login each time: the same one would be locked out after 3 failures (per login and address)
    codes = [login(portal, f"nobody{i}@example.vn").status_code for i in range(limit + 1)]
    assert codes[:limit] == [401] * limit and codes[-1] == 429


def test_profile_update_password_change_and_logout(portal, host_client, seeded):
    register(portal)
    token = login(portal, NEW["email"]).get_json()["token"]
    other = login(portal, NEW["phone"]).get_json()["token"]
    me = portal.with_token(token)
    changed = me.patch("/api/v1/account", json={"email": None, "full_name": "Nguyễn Thị Ân"})
    assert changed.status_code == 200 and changed.get_json()["email"] is None
    assert me.patch("/api/v1/account", json={"phone": None}).status_code == 422  # one login must remain
    taken = me.patch("/api/v1/account", json={"phone": "0912345678"})  # the seeded citizen's
    assert taken.status_code == 409
    bad = me.patch("/api/v1/account", json={"national_id": "1", "phone": "1"})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"national_id", "phone"}
    wrong = me.post("/api/v1/account/password", json={"current_password": "nope", "new_password": "x"})
    assert wrong.status_code == 422 and set(wrong.get_json()["errors"]) == {"current_password", "new_password"}
    ok = me.post("/api/v1/account/password", json={"current_password": NEW["password"], "new_password": "Moi-2026-mk"})
    assert ok.status_code == 204
    assert portal.with_token(other).get("/api/v1/account").status_code == 401  # other sessions end
    assert login(portal, NEW["phone"], "Moi-2026-mk").status_code == 201
    assert me.post("/api/v1/account/logout").status_code == 204
    assert me.get("/api/v1/account").status_code == 401


def test_citizen_token_is_bound_to_its_tenant_and_to_citizen_routes(host_client, seeded):
    token = seeded["alpha"].citizen_token
    on_beta = host_client(seeded["beta"].host, token)
    for method, path in (("GET", "/api/v1/account"), ("GET", "/api/v1/my/dossiers"), ("POST", "/api/v1/dossiers")):
        response = on_beta.open(method, path, json={})
        assert response.status_code == 403 and "another tenant" in response.get_json()["message"], path
    on_platform = host_client("motcua.test", token).get("/api/v1/tenants")
    assert on_platform.status_code == 403
    citizen = citizen_client(host_client, seeded)
    for method, path in (
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/dossiers"),
        ("GET", "/api/v1/staff"),
        ("GET", "/api/v1/staff/2"),
        ("GET", "/api/v1/tenant-audit"),
        ("POST", "/api/v1/auth/logout"),
    ):
        response = citizen.open(method, path, json={})
        assert response.status_code == 403, (method, path, response.status_code)
        assert response.get_json()["code"] == "forbidden"
    counter = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "counter"))
    assert counter.status_code == 403 and "citizen account cannot" in counter.get_json()["message"]
    # and the other way round: a staff token does not open citizen routes
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer.get("/api/v1/account").status_code == 403
    assert officer.get("/api/v1/my/dossiers").status_code == 403
    assert officer.post("/api/v1/dossiers", json=intake_body(seeded, "online")).status_code == 403
    # a forged citizen token is a 401
    forged = host_client(seeded["alpha"].host, "alpha.citizen." + "x" * 43).get("/api/v1/account")
    assert forged.status_code == 401


def test_online_intake_requires_a_citizen_and_defaults_the_applicant(portal, host_client, seeded):
    anonymous = portal.post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    assert anonymous.status_code == 401 and anonymous.get_json()["code"] == "unauthorized"
    citizen = citizen_client(host_client, seeded)
    body = intake_body(seeded, "online")
    del body["applicant"]
    created = citizen.post("/api/v1/dossiers", json=body)
    assert created.status_code == 201, created.get_json()
    dossier = created.get_json()
    assert dossier["applicant_name"] == "Nguyễn Văn Dân" and dossier["applicant_citizen_id"] == "079090001111"
    assert dossier["applicant_contact"] == "citizen@alpha.test 0912345678"
    assert dossier["citizen_account_id"] == seeded["alpha"].citizen_id
    history = host_client(seeded["alpha"].host, seeded["alpha"].admin_token).get(
        f"/api/v1/dossiers/{dossier['code']}/history"
    )
    assert history.get_json()[0]["actor"].startswith(f"citizen:{seeded['alpha'].citizen_id}:")


def test_own_dossiers_list_detail_and_someone_elses_is_404(portal, host_client, seeded, officer):
    citizen = citizen_client(host_client, seeded)
    first = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online")).get_json()["code"]
    second = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online")).get_json()["code"]
    counter = officer.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()["code"]
    listed = citizen.get("/api/v1/my/dossiers?page_size=100")
    assert listed.status_code == 200
    codes = [d["code"] for d in listed.get_json()]
    assert codes[:2] == [second, first] and counter not in codes
    assert "X-Pagination" in listed.headers
    move(officer, first, 2, 1)
    assert [d["code"] for d in citizen.get("/api/v1/my/dossiers?status=2").get_json()] == [first]
    assert citizen.get("/api/v1/my/dossiers?status=11").status_code == 422
    detail = citizen.get(f"/api/v1/my/dossiers/{first}")
    assert detail.status_code == 200 and detail.headers["ETag"] == '"2"'
    shown = detail.get_json()
    assert [h["to_status"] for h in shown["history"]] == [1, 2] and shown["can_withdraw"]
    assert [h["by"] for h in shown["history"]] == ["citizen", "officer"]
    assert "officer@alpha.test" not in detail.get_data(as_text=True)
    # another citizen of the same province sees none of it, not even that it exists
    register(portal)
    stranger = portal.with_token(login(portal, NEW["email"]).get_json()["token"])
    assert stranger.get("/api/v1/my/dossiers").get_json() == []
    for code in (first, counter, "000.00.51.A01-260101-9999"):
        response = stranger.get(f"/api/v1/my/dossiers/{code}")
        assert response.status_code == 404 and response.get_json()["message"] == f"You have no dossier {code}."
    assert (
        stranger.post(f"/api/v1/my/dossiers/{first}/withdrawal", json={}, headers={"If-Match": '"2"'}).status_code
        == 404
    )
    assert citizen.get(f"/api/v1/my/dossiers/{counter}").status_code == 404  # not linked to an account


def test_withdrawal_with_if_match_and_stale_409(host_client, seeded, officer):
    citizen = citizen_client(host_client, seeded)
    code = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online")).get_json()["code"]
    move(officer, code, 2, 1)
    url = f"/api/v1/my/dossiers/{code}/withdrawal"
    assert citizen.post(url, json={}).status_code == 428
    stale = citizen.post(url, json={"reason": "Nộp nhầm"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409 and stale.get_json()["errors"]["version"]
    done = citizen.post(url, json={"reason": "Nộp nhầm"}, headers={"If-Match": '"2"'})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["status"] == 7 and done.headers["ETag"] == '"3"' and not body["can_withdraw"]
    assert body["history"][-1] == {**body["history"][-1], "by": "citizen", "comment": "Nộp nhầm", "to_status": 7}
    again = citizen.post(url, json={}, headers={"If-Match": '"3"'})
    assert again.status_code == 409  # the state machine: 7 → 7 is not a transition
    assert move(officer, code, 8, 3, "Công dân rút hồ sơ").status_code == 200
    # officers' internal notes stay out of the citizen's history; the stop reason is addressed to them
    history = citizen.get(f"/api/v1/my/dossiers/{code}").get_json()["history"]
    assert [h["to_status"] for h in history] == [1, 2, 7, 8] and history[-1]["comment"] == "Công dân rút hồ sơ"


def test_internal_comments_are_hidden_from_the_citizen(host_client, seeded, officer):
    citizen = citizen_client(host_client, seeded)
    code = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online")).get_json()["code"]
    move(officer, code, 2, 1, "ghi chú nội bộ: hồ sơ đẹp")
    move(officer, code, 4, 2, "chuyển phòng tư pháp")
    history = citizen.get(f"/api/v1/my/dossiers/{code}").get_json()["history"]
    assert [h["comment"] for h in history] == [None, None, None]
    assert "nội bộ" not in str(history)
    # while a supplement is requested the reason is for the applicant; a comment made meanwhile is not
    assert move(officer, code, 5, 3, "Bổ sung bản sao giấy khai sinh").status_code == 200
    comment = officer.post(f"/api/v1/dossiers/{code}/comments", json={"comment": "nội bộ: gọi lại sau"})
    assert comment.status_code in (200, 201), comment.get_json()
    history = citizen.get(f"/api/v1/my/dossiers/{code}").get_json()["history"]
    assert [(h["to_status"], h["comment"]) for h in history][-1] == (5, "Bổ sung bản sao giấy khai sinh")
    assert [h["to_status"] for h in history] == [1, 2, 4, 5]
    assert "nội bộ" not in str(history)


def test_notifications_reach_the_accounts_email_and_phone(host_client, seeded, runtime, officer):
    from motcua_onestop.notifications.models import NotificationOutbox
    from sqlalchemy import select

    body = intake_body(seeded, "online", applicant={"full_name": "Nguyễn Văn Dân"})  # no contact given
    dossier = citizen_client(host_client, seeded).post("/api/v1/dossiers", json=body).get_json()

    def outbox():
        with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
            query = select(
                NotificationOutbox.event,
                NotificationOutbox.channel,
                NotificationOutbox.recipient,
                NotificationOutbox.body,
            ).where(NotificationOutbox.dossier_id == dossier["id"])
            return sorted(tuple(row) for row in session.execute(query))

    # submitted: the acknowledgement names the code and says the clock waits for the officer's intake
    submitted = outbox()
    assert [row[:3] for row in submitted] == [
        ("submitted", "email", "citizen@alpha.test"),
        ("submitted", "sms", "0912345678"),
    ]
    assert all(dossier["code"] in row[3] and "chờ" in row[3] for row in submitted)
    assert move(officer, dossier["code"], 2, 1).status_code == 200  # received: the intake notice goes out
    assert [row[:3] for row in outbox() if row[0] == "intake"] == [
        ("intake", "email", "citizen@alpha.test"),
        ("intake", "sms", "0912345678"),
    ]


def test_the_acknowledgement_goes_to_the_account_never_to_a_typed_contact(host_client, seeded, runtime, officer):
    """No officer has seen an online dossier yet: its acknowledgement reaches the account's own e-mail and
    phone, not an address typed into the form (the platform must not mail strangers on anyone's say)."""
    from motcua_onestop.notifications.models import NotificationOutbox
    from sqlalchemy import select

    stranger = {"full_name": "Ai Đó", "contact": "victim@example.org 0987654321"}
    body = intake_body(seeded, "online", applicant=stranger)
    dossier = citizen_client(host_client, seeded).post("/api/v1/dossiers", json=body).get_json()
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        query = select(NotificationOutbox.event, NotificationOutbox.recipient).where(
            NotificationOutbox.dossier_id == dossier["id"]
        )
        assert sorted(session.execute(query).all()) == [
            ("submitted", "0912345678"),
            ("submitted", "citizen@alpha.test"),
        ]


def test_online_submissions_per_account_are_limited(host_client, seeded, runtime, monkeypatch):
    import dataclasses

    monkeypatch.setattr(runtime, "config", dataclasses.replace(runtime.config, online_submissions_per_hour=3))
    citizen = citizen_client(host_client, seeded)
    body = intake_body(seeded, "online")
    assert [citizen.post("/api/v1/dossiers", json=body).status_code for _ in range(3)] == [201] * 3
    refused = citizen.post("/api/v1/dossiers", json=body)
    assert refused.status_code == 429 and refused.get_json()["code"] == "too_many_attempts"
    assert 3500 < int(refused.headers["Retry-After"]) <= 3601
    mine = citizen.get("/api/v1/my/dossiers").get_json()
    assert len(mine) == 3  # nothing of the refused one was written
    # counter intake by an officer is not an account's submission: not limited
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer.post("/api/v1/dossiers", json=intake_body(seeded)).status_code == 201


def test_officer_links_a_counter_dossier_to_the_citizens_account(host_client, seeded, officer, alpha):
    citizen = citizen_client(host_client, seeded)
    code = officer.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()["code"]
    url = f"/api/v1/dossiers/{code}/owner"
    assert officer.put(url, json={"login": "0912345678"}).status_code == 428
    unknown = officer.put(url, json={"login": "nobody@example.vn"}, headers={"If-Match": '"1"'})
    assert unknown.status_code == 422 and "login" in unknown.get_json()["errors"]
    # a real account, but not the applicant's (another CCCD): a mistyped login hands nobody the dossier
    assert register(host_client(seeded["alpha"].host)).status_code == 201
    stranger = officer.put(url, json={"login": NEW["email"]}, headers={"If-Match": '"1"'})
    assert stranger.status_code == 422 and "login" in stranger.get_json()["errors"]
    assert citizen.put(url, json={"login": "0912345678"}, headers={"If-Match": '"1"'}).status_code == 403
    finance = host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"])  # no officer role: not theirs
    assert finance.put(url, json={"login": "0912345678"}, headers={"If-Match": '"1"'}).status_code == 404
    commune_admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["commune_admin"])
    assert commune_admin.put(url, json={"login": "0912345678"}, headers={"If-Match": '"1"'}).status_code == 200
    assert citizen.get(f"/api/v1/my/dossiers/{code}").status_code == 200
    again = officer.put(url, json={"login": "citizen@alpha.test"}, headers={"If-Match": '"2"'})
    assert again.status_code == 409
    assert officer.put(url, json={"login": "citizen@alpha.test"}, headers={"If-Match": '"1"'}).status_code == 409
    assert code in [d["code"] for d in citizen.get("/api/v1/my/dossiers").get_json()]
