"""No input is a 5xx: text PostgreSQL cannot store, integers past BIGINT, deep JSON; and authentication
comes before validation. The reproductions of issue 10, through the app."""

import io
import json
import re

import pytest
from dossier_support import intake_body
from motcua_platform.inputs import MAX_JSON_DEPTH
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

BIGINT = 2**63


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"status", "code", "message", "errors"}, body
    assert body["status"] == status and body["message"]
    if code:
        assert body["code"] == code, body
    return body


@pytest.fixture
def anonymous(host_client, seeded):
    return host_client(seeded["alpha"].host)


# -- NUL and lone surrogates ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/api/v1/track/%00", "path"),
        ("/api/v1/units?q=%00", "q"),
        ("/api/v1/units?q=a&%00=1", "query"),
        ("/api/v1/procedures/1.000894%00/form", "path"),
        ("/api/v1/units/tree?x=%00", "x"),
    ],
)
def test_nul_in_the_path_or_query_is_refused_before_anything_reads_it(anonymous, path, where):
    body = assert_error(anonymous.get(path), 400, "invalid_text")
    assert list(body["errors"]) == [where]


def test_nul_on_the_platform_host_and_an_unknown_host_too(host_client, seeded):
    assert_error(host_client("motcua.test").get("/api/v1/tenants/%00"), 400, "invalid_text")
    assert_error(host_client("nowhere.example").get("/healthz?x=%00"), 400, "invalid_text")


def test_nul_in_a_header_is_refused(anonymous):
    assert_error(anonymous.get("/api/v1/units", headers={"X-Note": "a\x00b"}), 400, "invalid_text")


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/api/v1/auth/login", '{"email": "a\\u0000@x.vn", "password": "Test-passw0rd!"}'),
        ("/api/v1/auth/login", '{"email": "\\ud800@x.vn", "password": "Test-passw0rd!"}'),
        ("/api/v1/account/login", '{"login": "0912345678", "password": "x\\udfff"}'),
        ("/api/v1/account/register", '{"full_name": "A\\u0000", "password": "x", "email": "a@b.vn"}'),
        ("/api/v1/procedures/1.000894/form/check", '{"residence": "\\u0000"}'),
        ("/api/v1/auth/login", '{"email\\u0000": "a@x.vn", "password": "x"}'),
    ],
)
def test_nul_and_lone_surrogates_in_json_are_refused(anonymous, path, raw):
    body = assert_error(anonymous.post(path, data=raw, content_type="application/json"), 400, "invalid_text")
    assert all("\x00" not in name and name.isprintable() for name in body["errors"])


def test_the_field_is_named(anonymous):
    raw = '{"email": "a@x.vn", "password": "pass\\u0000word"}'
    body = assert_error(anonymous.post("/api/v1/auth/login", data=raw, content_type="application/json"), 400)
    assert list(body["errors"]) == ["password"]


def test_nul_in_a_form_field_is_refused_and_nothing_is_stored(host_client, seeded):
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    code = officer.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()["code"]
    boundary, data = encode_multipart(
        {"component": "0\x00", "file": FileStorage(io.BytesIO(b"%PDF-1.7\n%%EOF\n"), filename="a.pdf")}
    )
    response = officer.post(
        f"/api/v1/dossiers/{code}/documents", data=data, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert list(assert_error(response, 400, "invalid_text")["errors"]) == ["component"]
    assert officer.get(f"/api/v1/dossiers/{code}/documents").get_json() == []


# -- integers past BIGINT -------------------------------------------------------------------------
def test_an_id_past_bigint_in_the_path_is_not_found(alpha):
    assert_error(alpha.get(f"/api/v1/units/{BIGINT}"), 404, "not_found")
    assert_error(alpha.get(f"/api/v1/units/{BIGINT - 1}"), 404, "not_found")  # the largest BIGINT: looked up
    assert_error(alpha.get(f"/api/v1/staff/{10**30}"), 404)


@pytest.mark.parametrize("query", [f"page={BIGINT - 1}", f"page={BIGINT}", f"page={10**40}", "page=0"])
def test_a_page_whose_offset_is_past_bigint_is_invalid(anonymous, query):
    assert "page" in assert_error(anonymous.get(f"/api/v1/units?{query}"), 422)["errors"]


def test_the_last_page_that_fits_an_offset_is_answered(anonymous):
    # page_size 100 (the maximum): (page - 1) × 100 must fit a BIGINT
    last = (BIGINT - 1) // 100 + 1
    response = anonymous.get(f"/api/v1/units?page_size=100&page={last}")
    assert response.status_code == 200 and response.get_json() == []
    assert_error(anonymous.get(f"/api/v1/units?page_size=100&page={last + 1}"), 422)


def test_a_huge_version_in_the_query_is_invalid(anonymous):
    body = assert_error(anonymous.get(f"/api/v1/procedures/1.000894/form?version={10**20}"), 422)
    assert "version" in body["errors"]


def test_ids_past_bigint_in_a_body_are_invalid(alpha, seeded):
    body = {"kind": "commune", "code": "000.00.99.A01", "name": "Xã mới", "parent_id": BIGINT}
    errors = assert_error(alpha.post("/api/v1/units", json=body), 422)["errors"]
    assert len(errors["parent_id"]) == 1
    staff = {
        "email": "new@alpha.test",
        "full_name": "New",
        "password": "Another-passw0rd!",
        "roles": [{"role": "officer", "unit_id": -BIGINT - 1}],
    }
    assert "roles" in assert_error(alpha.post("/api/v1/staff", json=staff), 422)["errors"]


def test_a_huge_if_match_is_invalid(host_client, seeded):
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    code = officer.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()["code"]
    response = officer.post(
        f"/api/v1/dossiers/{code}/transitions", json={"to_status": 4}, headers={"If-Match": '"' + "9" * 5000 + '"'}
    )
    assert "If-Match" in assert_error(response, 422)["errors"]


# -- JSON that is not plain data --------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    ["[" * 100_000, '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1)],
    ids=["recursion-limit", "just-past-the-limit"],
)
def test_deeply_nested_json_is_refused(anonymous, raw):
    body = assert_error(anonymous.post("/api/v1/auth/login", data=raw, content_type="application/json"), 400)
    assert body["errors"] == {"_body": ["Too deeply nested."]}


def test_json_within_the_depth_limit_is_read(anonymous):
    nested = json.dumps({"email": "a@x.vn", "password": "x", "extra": json.loads("[" * 20 + "]" * 20)})
    # read, then refused for its unknown field: not for its depth
    body = assert_error(anonymous.post("/api/v1/auth/login", data=nested, content_type="application/json"), 422)
    assert "extra" in body["errors"]


@pytest.mark.parametrize(
    "raw", ['{"email": NaN}', '{"email": Infinity}', '{"email": 1e400}', '{"email": 1' + "0" * 5000 + "}"]
)
def test_numbers_json_does_not_have_are_malformed(anonymous, raw):
    assert_error(anonymous.post("/api/v1/auth/login", data=raw, content_type="application/json"), 400, "malformed_json")


# -- authentication before validation ------------------------------------------------------------
def test_anonymous_gets_401_not_the_list_of_required_fields(host_client, seeded):
    response = host_client("motcua.test").post("/api/v1/operators", json={})
    assert assert_error(response, 401, "unauthorized")["errors"] == {}
    assert_error(host_client(seeded["alpha"].host).post("/api/v1/units", json={}), 401, "unauthorized")


def test_anonymous_gets_401_before_if_match_is_asked_for(anonymous):
    assert_error(anonymous.post("/api/v1/dossiers/X/transitions", json={}), 401, "unauthorized")
    assert_error(anonymous.post("/api/v1/my/dossiers/X/withdrawal", json={}), 401, "unauthorized")


def test_a_token_of_the_wrong_kind_gets_403_before_validation(host_client, seeded):
    alpha = seeded["alpha"]
    as_citizen = host_client(alpha.host, alpha.citizen_token)
    assert_error(as_citizen.post("/api/v1/units", json={}), 403, "forbidden")
    as_officer = host_client(alpha.host, alpha.tokens["officer"])
    assert_error(as_officer.patch("/api/v1/account", json={"nope": 1}), 403, "forbidden")


def test_an_unknown_token_gets_401_before_validation(host_client, seeded):
    stranger = host_client(seeded["alpha"].host, "alpha.not-a-real-secret")
    assert_error(stranger.post("/api/v1/units", json={"kind": "nope"}), 401, "unauthorized")


def test_every_operation_that_declares_security_enforces_it_first(anonymous, host_client):
    """The declaration in the document is what the server enforces: an anonymous call of any operation that
    declares a security requirement, with a wrong body and no headers, is a 401 on the host that serves it."""
    platform = host_client("motcua.test")
    spec = anonymous.get("/api/openapi.json").get_json()
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters" or operation.get("security", spec["security"]) == []:
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)
            clients = (anonymous, platform)
            statuses = {client.open(method.upper(), url, json={"unexpected": 1}).status_code for client in clients}
            assert statuses == {401, 404} or statuses == {401}, (method, path, statuses)  # 404: the other host
            checked += 1
    assert checked > 50


def test_a_number_past_an_integer_column_is_invalid_and_nothing_is_saved(alpha):
    body = {
        "code": "9.999999",
        "name_vi": "Thủ tục thử",
        "field": "Thử nghiệm",
        "level": "province",
        "competent_unit_kind": "department",
        "time_limit_value": 2**40,  # a BIGINT, but stored in an INTEGER column
        "time_limit_unit": "days",
        "online_mode": "none",
    }
    response = alpha.post("/api/v1/procedures", json=body)
    assert "out of range" in assert_error(response, 422, "validation_error")["message"]
    assert alpha.get("/api/v1/procedures/9.999999").status_code == 404


def test_a_due_date_far_outside_the_calendar_is_invalid(anonymous):
    response = anonymous.get("/api/v1/calendar/due?received_at=0644-02-13T00:33:41-05:57&value=1&unit=days")
    assert "received_at" in assert_error(response, 422)["errors"]


def test_a_query_parameter_the_route_does_not_declare_is_refused(alpha, platform):
    """A typo in a query must not silently give another list than the one asked for."""
    for client, path in (
        (alpha, "/api/v1/dossiers?stauts=4"),
        (alpha, "/api/v1/procedures?q=khai&pagesize=50"),
        (alpha, "/api/v1/me?x=1"),
        (platform, "/api/v1/audit?bogus=1"),
    ):
        body = assert_error(client.get(path), 422)
        assert set(body["errors"]) <= {"stauts", "pagesize", "x", "bogus"} and body["errors"], path
    # declared ones, pagination's and the language everywhere still pass
    assert alpha.get("/api/v1/procedures?q=khai&page=1&page_size=5&lang=vi").status_code == 200
    assert alpha.get("/api/v1/dossiers?status=4&page_size=5").status_code == 200
    assert platform.get("/api/v1/audit?action=tenant.create&page=1").status_code == 200
