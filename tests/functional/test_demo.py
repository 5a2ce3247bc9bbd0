"""The README's demo: each province branded through the same service as the APIs, and the portal URLs and
the citizen login printed last. (The full demo provisions five provinces; these tests run its steps on
the seeded tenants.)"""

import datetime as dt
from urllib.parse import urlsplit

from motcua_app.demo import (
    CITIZEN_EMAIL,
    DEMO_PASSWORD,
    PROVINCES,
    DemoProvince,
    finance_email,
    portal_summary,
    seed_branding,
    seed_faq,
    seed_finance_viewer,
)
from motcua_platform.branding import MIN_CONTRAST, text_contrast


def _seeded_as_demo(slug: str) -> DemoProvince:
    return DemoProvince(slug, f"Tỉnh {slug.title()}", "A01", "Alpha, Gamma", (), "#0b5394", "#ffd966")


def test_the_summary_prints_each_portal_and_a_citizen_login_that_work(runtime, host_client, seeded):
    provinces = [_seeded_as_demo("alpha"), _seeded_as_demo("beta")]
    lines = portal_summary(runtime.config, provinces)
    text = "\n".join(lines)
    urls = [word for line in lines for word in line.split() if word.startswith("http")]
    assert [urlsplit(url).hostname for url in urls] == ["alpha.motcua.test", "beta.motcua.test"]
    assert all(url.endswith("/") for url in urls)
    assert CITIZEN_EMAIL in text and text.count(DEMO_PASSWORD) == 1
    for url in urls:  # each printed URL is that province's portal home
        home = host_client(urlsplit(url).netloc).get(urlsplit(url).path)
        assert home.status_code == 200 and home.mimetype == "text/html"


def test_the_five_demo_provinces_are_printed_with_their_public_urls(runtime):
    config = runtime.config.with_overrides(bind="127.0.0.1:8000", base_domain="motcua.localhost")
    text = "\n".join(portal_summary(config))
    for province in PROVINCES:
        assert f"http://{province.slug}.motcua.localhost:8000/" in text
        assert province.name in text
    assert "http://daklak.motcua.localhost:8000/" in text


def test_demo_colours_are_readable(runtime):
    for province in PROVINCES:
        assert text_contrast(province.primary_color) >= MIN_CONTRAST, province.slug


def test_branding_seeds_once_and_shows_on_the_portal(runtime, app, host_client, seeded):
    province = _seeded_as_demo("alpha")
    seed_branding(runtime, province)
    app.extensions["motcua"].resolver.invalidate()
    html = host_client(seeded["alpha"].host).get("/").get_data(as_text=True)
    assert "Trung tâm Phục vụ hành chính công Alpha" in html and "Hợp nhất từ: Alpha, Gamma" in html
    # a brand the province edited since is left alone
    alpha = host_client(seeded["alpha"].host, seeded["alpha"].admin_token)
    assert alpha.patch("/api/v1/branding", json={"address": "Số 1 đường A"}).status_code == 200
    seed_branding(runtime, province)
    assert alpha.get("/api/v1/branding").get_json()["address"] == "Số 1 đường A"


def test_each_province_has_a_finance_viewer_who_reads_its_finance_console(runtime, host_client, seeded):
    from portal_support import fresh_address, submit

    province = _seeded_as_demo("alpha")
    seed_finance_viewer(runtime, province)
    seed_finance_viewer(runtime, province)  # once: the demo runs again on the same instance
    browser = host_client(seeded["alpha"].host)
    data = {"email": finance_email(province), "password": DEMO_PASSWORD}
    login = submit(browser, "/console/login?next=/console/finance", data, environ_base={"REMOTE_ADDR": fresh_address()})
    assert login.status_code == 303 and login.headers["Location"] == "/console/finance"
    assert browser.get("/console/finance").status_code == 200
    assert browser.get("/console/admin/staff").status_code == 403  # reads the money, administers nothing


def test_the_demo_history_fills_the_statistics_once(runtime, host_client, seeded):
    """Four months of dossiers through the real services: the public statistics have something to show, the
    counts balance, and a second run adds nothing."""
    from motcua_app.demo import seed_dossier_history

    province = _seeded_as_demo("beta")
    made = seed_dossier_history(runtime, province)
    assert made > 100
    assert seed_dossier_history(runtime, province) == 0
    admin = host_client(seeded["beta"].host, seeded["beta"].tokens["admin"])
    today = dt.date.today()
    since = today - dt.timedelta(days=130)
    total = admin.get(f"/api/v1/statistics/dossiers?period=custom&from={since}&until={today}").get_json()["total"]
    assert total["received"] + total["refused"] == made
    assert total["carried_over"] == 0
    assert total["received"] == total["resolved"] + total["withdrawn"] + total["stopped"] + total["pending"]
    assert total["received_online"] > 20 and total["resolved_late"] > 0 and total["resolved_early"] > 0
    assert total["pending"] > 0 and total["withdrawn"] + total["stopped"] > 0


def test_the_demo_gives_each_portal_its_questions_once(runtime, host_client, seeded):
    province = _seeded_as_demo("alpha")
    made = seed_faq(runtime, province)
    assert made > 150
    assert seed_faq(runtime, province) == 0
    found = host_client(seeded["alpha"].host).get("/api/v1/faq", query_string={"q": "ho so khai sinh"})
    assert found.status_code == 200
    assert "Hồ sơ đăng ký khai sinh gồm những giấy tờ gì?" in [entry["question"] for entry in found.get_json()]
