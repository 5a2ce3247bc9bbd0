"""Every 4xx has the one body: {status, code, message, errors}."""

import pytest


def assert_error(response, status, code=None):
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"status", "code", "message", "errors"}, body
    assert body["status"] == status and body["message"]
    if code:
        assert body["code"] == code
    return body


def test_malformed_json(alpha):
    response = alpha.post("/api/v1/units", data="{not json", content_type="application/json")
    assert_error(response, 400, "malformed_json")


def test_missing_fields_are_all_listed(alpha):
    body = assert_error(alpha.post("/api/v1/units", json={}), 422, "validation_error")
    assert set(body["errors"]) == {"kind", "code", "name"}


def test_unknown_fields_are_rejected(alpha, seeded):
    body = assert_error(
        alpha.post(
            "/api/v1/units",
            json={
                "kind": "commune",
                "code": "C.1",
                "name": "C",
                "parent_id": seeded["alpha"].units["root"],
                "colour": "red",
            },
        ),
        422,
    )
    assert "colour" in body["errors"]


def test_oversized_body(alpha, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = alpha.post("/api/v1/units", data="x" * (limit + 1), content_type="application/json")
    assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nope", 404),
        ("PUT", "/api/v1/units", 405),
        ("GET", "/api/v1/units/999999", 404),
    ],
)
def test_routing_errors(alpha, method, path, status):
    assert_error(alpha.open(method, path), status)


def test_unknown_host(host_client, seeded):
    assert_error(host_client("evil.example.com").get("/api/v1/units"), 404, "unknown_host")


def test_health_answers_on_any_host(host_client):
    assert host_client("10.0.0.1").get("/healthz").get_json() == {"status": "ok"}
