"""One password policy wherever a password is set (operators, staff, citizens; the tenant admin and the
reset by code are tested beside their routes): common and context-derived passwords get a 422 that says
why, on the password field, and nothing is written."""

import pytest
from motcua_app.testing.pytest_plugin import TEST_PASSWORD

PLATFORM_WORD = "Password contains a word tied to this platform (such as 'motcua' or 'matkhau')."
PROVINCE = "Password contains the name of the province."
CITIZEN = {
    "email": "an.nguyen@example.vn",
    "phone": "0987654321",
    "full_name": "Nguyễn Thị An",
    "national_id": "001195012345",
    "password": "Hoa-mai-Tet-den-2026",
}


def refused(response, field="password"):
    assert response.status_code == 422, response.get_json()
    return response.get_json()["errors"][field]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("MotCua@2026", PLATFORM_WORD),  # the demo password this policy replaced
        ("password1234", "Password is too common: it is one of the most used passwords."),
        ("Ops.Person-2026", "Password contains your e-mail address."),
    ],
)
def test_operator_passwords(platform, password, reason):
    body = {"email": "ops.person@vendor.test", "full_name": "Ops Person", "password": password, "role": "operator"}
    assert reason in refused(platform.post("/api/v1/operators", json=body))
    assert platform.post("/api/v1/operators", json=body | {"password": TEST_PASSWORD}).status_code == 201


def test_staff_passwords_may_not_name_the_province(alpha, seeded):
    body = {
        "email": "tiepnhan@alpha.test",
        "full_name": "Lê Tiếp Nhận",
        "password": "Tinh-Alpha-2026",
        "roles": [{"role": "officer", "unit_id": seeded["alpha"].units["commune_a"]}],
    }
    assert PROVINCE in refused(alpha.post("/api/v1/staff", json=body))
    assert "Password contains your name." in refused(
        alpha.post("/api/v1/staff", json=body | {"password": "Le-Tiep-Nhan-99"})
    )
    assert alpha.get("/api/v1/staff").get_json()[-1]["email"] != body["email"]  # nothing written
    assert alpha.post("/api/v1/staff", json=body | {"password": TEST_PASSWORD}).status_code == 201


def test_citizen_passwords_on_registration_and_change(host_client, seeded):
    portal = host_client(seeded["alpha"].host)
    for password, reason in (
        ("An-Nguyen-1995!", "Password contains your e-mail address."),
        ("0987654321-an", "Password contains your phone number."),
        ("Alpha-Portal-1", PROVINCE),
    ):
        assert reason in refused(portal.post("/api/v1/account/register", json=CITIZEN | {"password": password}))
    assert portal.post("/api/v1/account/register", json=CITIZEN).status_code == 201
    token = portal.post(
        "/api/v1/account/login", json={"login": CITIZEN["email"], "password": CITIZEN["password"]}
    ).get_json()["token"]
    change = {"current_password": CITIZEN["password"], "new_password": "001195012345-cccd"}
    problems = refused(portal.with_token(token).post("/api/v1/account/password", json=change), "new_password")
    assert "Password contains your ID number." in problems
