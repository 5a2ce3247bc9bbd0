from pathlib import Path

from motcua_platform.cli import spec_json

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_openapi_document_matches_the_code(app):
    current = spec_json(app)
    assert current == COMMITTED.read_text(encoding="utf-8"), (
        "docs/openapi.json is out of date: run `motcua openapi write` and commit it"
    )


def test_document_is_served_with_an_interactive_viewer(host_client, seeded):
    client = host_client("motcua.test")
    spec = client.get("/api/openapi.json").get_json()
    assert spec["info"]["title"] == "Motcua Cloud API"
    assert "/api/v1/tenants" in spec["paths"] and "/api/v1/units" in spec["paths"]
    assert spec["paths"]["/api/v1/units"]["post"]["responses"]["422"] == {
        "$ref": "#/components/responses/UNPROCESSABLE_ENTITY"
    }
    error = spec["components"]["schemas"]["Error"]["properties"]
    assert {"status", "code", "message", "errors"} == set(error)
    viewer = client.get("/api/docs")
    assert viewer.status_code == 200 and b"swagger-ui" in viewer.data
