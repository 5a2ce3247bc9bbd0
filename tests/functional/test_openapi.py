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


def test_viewer_works_offline_from_this_host_only(host_client, seeded):
    """Swagger UI comes from /assets (no CDN), starts without inline script, and asks only this host."""
    import re

    for host in ("motcua.test", seeded["alpha"].host):
        client = host_client(host)
        viewer = client.get("/api/docs")
        html = viewer.get_data(as_text=True)
        assert viewer.status_code == 200
        urls = re.findall(r'(?:src|href|data-spec-url)="([^"]+)"', html)
        assert len(urls) == 4, urls  # the stylesheet, the bundle, the init script, the document
        assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
        assert "http://" not in html and "https://" not in html
        assert "<script>" not in html and "<style" not in html and "style=" not in html
        csp = viewer.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "connect-src 'self'" in csp
        assert "unsafe-inline" not in csp
        for url in urls[:3]:
            asset = client.get(url)
            assert asset.status_code == 200 and len(asset.data) > 0, url
            assert "immutable" in asset.headers["Cache-Control"]
        assert client.get(urls[3]).get_json()["info"]["title"] == "Motcua Cloud API"
    bundle = host_client("motcua.test").get(urls[1]).get_data(as_text=True)
    assert "SwaggerUIBundle" in bundle
