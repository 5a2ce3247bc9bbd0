"""A province's brand: its tenant admin changes it on its own host (GET/PATCH /api/v1/branding, PUT
/api/v1/branding/logo), the vendor's operators on the platform host through the same service, and the
portal shows it at once, with a logo it serves itself."""

import io
import re
import struct
import zlib

from motcua_platform.branding import LOGO_MAX_BYTES


def png(width: int = 2, height: int = 2, colour: bytes = b"\x9b\x1c\x1c") -> bytes:
    """A small valid PNG (RGB, no filter)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + colour * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def upload(client, path: str, data: bytes, filename: str = "logo.png"):
    return client.put(path, data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def test_tenant_admin_changes_the_brand_and_the_portal_shows_it_at_once(alpha, host_client, seeded):
    before = alpha.with_token(None).get("/").get_data(as_text=True)  # the tenant is now in this process's cache
    assert "Trung tâm Phục vụ hành chính công Alpha" not in before
    response = alpha.patch(
        "/api/v1/branding",
        json={
            "display_name": "Cổng dịch vụ công Alpha",
            "primary_color": "#0B5394",
            "hotline": "1900 0000",
            "address": "Trung tâm Phục vụ hành chính công Alpha",
            "email": "motcua@alpha.test",
            "footer": "Cơ quan chủ quản: UBND Tỉnh Alpha",
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["primary_color"] == "#0b5394" and body["hotline"] == "1900 0000"
    assert alpha.get("/api/v1/branding").get_json() == body

    anonymous = alpha.with_token(None)
    html = anonymous.get("/").get_data(as_text=True)
    assert "Cổng dịch vụ công Alpha" in html
    assert "Trung tâm Phục vụ hành chính công Alpha" in html
    assert 'href="tel:19000000"' in html and "mailto:motcua@alpha.test" in html
    assert "Cơ quan chủ quản: UBND Tỉnh Alpha" in html
    css_url = re.search(r'href="(/brand\.css\?v=[^"]+)"', html).group(1)
    assert "--brand: #0b5394" in anonymous.get(css_url).get_data(as_text=True)
    # the other province is untouched
    beta_html = host_client(seeded["beta"].host).get("/").get_data(as_text=True)
    assert "Trung tâm Phục vụ hành chính công Alpha" not in beta_html

    # an empty contact detail is removed from the portal
    assert alpha.patch("/api/v1/branding", json={"hotline": "", "footer": None}).status_code == 200
    html = anonymous.get("/").get_data(as_text=True)
    assert "tel:" not in html and "Cơ quan chủ quản" not in html
    assert "Trung tâm Phục vụ hành chính công Alpha" in html


def test_the_change_is_audited_in_both_trails(alpha, platform):
    assert alpha.patch("/api/v1/branding", json={"secondary_color": "#ffcc00"}).status_code == 200
    province = alpha.get("/api/v1/tenant-audit?action=branding.update").get_json()
    assert province and province[0]["details"]["changes"] == {"secondary_color": "#ffcc00"}
    vendor = platform.get("/api/v1/audit?action=tenant.update&tenant=alpha").get_json()
    assert any(event["details"]["changes"] == {"secondary_color": "#ffcc00"} for event in vendor)


def test_officers_and_other_provinces_admins_are_refused(alpha, host_client, seeded):
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer.get("/api/v1/branding").status_code == 403
    assert officer.patch("/api/v1/branding", json={"display_name": "X"}).status_code == 403
    # a tenant admin of one commune is not the province's admin
    commune_admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["commune_admin"])
    assert commune_admin.patch("/api/v1/branding", json={"display_name": "X"}).status_code == 403
    assert upload(commune_admin, "/api/v1/branding/logo", png()).status_code == 403
    # beta's admin on alpha's host: the token is scoped to beta
    foreign = host_client(seeded["alpha"].host, seeded["beta"].admin_token)
    assert foreign.patch("/api/v1/branding", json={"display_name": "X"}).status_code in (401, 403)
    assert alpha.with_token(None).patch("/api/v1/branding", json={"display_name": "X"}).status_code == 401
    assert alpha.get("/api/v1/branding").get_json()["display_name"] != "X"
    # and the route does not exist on the platform host
    assert host_client("motcua.test", seeded["platform"].admin_token).get("/api/v1/branding").status_code == 404


def test_bad_colours_contrast_lengths_and_email_are_422_with_field_errors(alpha):
    before = alpha.get("/api/v1/branding").get_json()
    response = alpha.patch(
        "/api/v1/branding",
        json={
            "primary_color": "#808080",  # neither white (3.9:1) nor near-black text reaches 4.5:1
            "secondary_color": "red",
            "email": "not-an-email",
            "hotline": "call us",
            "footer": "x" * 501,
            "display_name": "Cổng mới",
        },
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"primary_color", "secondary_color", "email", "hotline", "footer"} <= set(errors), errors
    assert "4.5" in errors["primary_color"][0]
    assert alpha.get("/api/v1/branding").get_json() == before  # nothing half-written
    assert alpha.patch("/api/v1/branding", json={"logo_url": "https://evil.example/x.png"}).status_code == 422
    assert alpha.patch("/api/v1/branding", json={"name": "Tỉnh Khác"}).status_code == 422  # the legal name
    assert alpha.patch("/api/v1/branding", json={"display_name": "  "}).status_code == 422
    # readable either way: a dark blue (white text) and a light yellow (dark text)
    assert alpha.patch("/api/v1/branding", json={"primary_color": "#0b5394"}).status_code == 200
    assert alpha.patch("/api/v1/branding", json={"primary_color": "#ffd966"}).status_code == 200


def test_logo_upload_round_trip(alpha, host_client, seeded):
    image = png()
    response = upload(alpha, "/api/v1/branding/logo", image)
    assert response.status_code == 200, response.get_json()
    logo_url = response.get_json()["logo_url"]
    assert re.fullmatch(r"/brand/logo\?v=[0-9a-f]{32}", logo_url)

    anonymous = alpha.with_token(None)
    html = anonymous.get("/").get_data(as_text=True)
    assert f'<img src="{logo_url.replace("&", "&amp;")}"' in html
    served = anonymous.get(logo_url)
    assert served.status_code == 200 and served.data == image and served.mimetype == "image/png"
    assert "immutable" in served.headers["Cache-Control"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    stale = anonymous.get("/brand/logo?v=0123")
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    # another province has no logo, and cannot reach this one's
    assert host_client(seeded["beta"].host).get(logo_url).status_code == 404

    # a JPEG replaces it; the old object goes
    replaced = upload(alpha, "/api/v1/branding/logo", JPEG, "logo.jpg")
    assert replaced.status_code == 200
    new_url = replaced.get_json()["logo_url"]
    assert new_url != logo_url
    assert anonymous.get(new_url).mimetype == "image/jpeg"
    # removing the logo
    assert alpha.patch("/api/v1/branding", json={"logo_url": None}).get_json()["logo_url"] is None
    assert anonymous.get("/brand/logo").status_code == 404
    assert "<img" not in anonymous.get("/").get_data(as_text=True).split("</header>")[0]


def test_non_images_svg_and_large_files_are_refused(alpha):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for data, name in ((svg, "logo.svg"), (b"%PDF-1.7\n", "logo.png"), (b"hello", "logo.jpg"), (b"", "e.png")):
        response = upload(alpha, "/api/v1/branding/logo", data, name)
        assert response.status_code == 422, (name, response.get_json())
        assert "file" in response.get_json()["errors"]
    too_large = png() + b"\x00" * LOGO_MAX_BYTES
    # the multipart body built by hand: the test client's own builder spools a body this size to a file
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + too_large + b"\r\n--b--\r\n"
    )
    big = alpha.put("/api/v1/branding/logo", data=body, content_type="multipart/form-data; boundary=b")
    assert big.status_code == 413 and "file" in big.get_json()["errors"]
    assert alpha.get("/api/v1/branding").get_json()["logo_url"] is None


def test_an_external_logo_url_is_never_rendered(alpha, runtime, app):
    from motcua_platform.directory.models import Tenant
    from sqlalchemy import update

    with runtime.db.control_session() as session:  # as a tenant created before uploads existed might have
        session.execute(update(Tenant).where(Tenant.slug == "alpha").values(logo_url="https://cdn.example/logo.png"))
        session.commit()
    app.extensions["motcua"].resolver.invalidate()
    html = alpha.with_token(None).get("/").get_data(as_text=True)
    assert "cdn.example" not in html
    assert alpha.get("/api/v1/branding").get_json()["logo_url"] is None


def test_operators_set_the_same_fields_with_the_same_rules(platform, host_client, seeded):
    response = platform.patch(
        "/api/v1/tenants/beta", json={"display_name": "Cổng DVC Beta", "hotline": "1900 1111", "email": "a@beta.test"}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["branding"] == {"hotline": "1900 1111", "email": "a@beta.test"}
    html = host_client(seeded["beta"].host).get("/").get_data(as_text=True)
    assert "Cổng DVC Beta" in html and "1900 1111" in html
    refused = platform.patch("/api/v1/tenants/beta", json={"primary_color": "#808080", "email": "x"})
    assert refused.status_code == 422 and {"primary_color", "email"} <= set(refused.get_json()["errors"])
    logo = upload(platform, "/api/v1/tenants/beta/logo", png(colour=b"\x00\x00\x80"))
    assert logo.status_code == 200 and logo.get_json()["logo_url"].startswith("/brand/logo?v=")
    assert host_client(seeded["beta"].host).get(logo.get_json()["logo_url"]).status_code == 200
    finance = host_client("motcua.test", seeded["platform"].tokens["finance"])
    assert finance.patch("/api/v1/tenants/beta", json={"hotline": "1900 2222"}).status_code == 403
