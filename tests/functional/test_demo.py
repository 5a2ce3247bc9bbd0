"""The README's demo: each province branded through the same service as the APIs, and the portal URLs and
the citizen login printed last. (The full demo provisions five provinces; these tests run its steps on
the seeded tenants.)"""

import datetime as dt
import json
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


def _faq_total(client, **args) -> tuple[list[dict], int]:
    response = client.get("/api/v1/faq", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json(), json.loads(response.headers["X-Pagination"])["total"]


def test_the_demo_catalogue_goes_through_the_importer_once_and_shows_on_the_portal(runtime, host_client, seeded):
    """The demo's catalogue file: real procedures the plugins do not define, each row passing the importer's
    checks (a file with one bad row imports nothing), published on the portal; a second run imports nothing."""
    from motcua_app.demo import demo_catalogue, seed_catalogue
    from motcua_onestop.catalogue import exchange
    from motcua_platform.plugins.engine import active

    entries = demo_catalogue()
    codes = {entry["ma_thu_tuc"] for entry in entries}
    assert len(codes) == len(entries) >= 20
    assert not codes & {definition.code for plugin in active() for definition in plugin.procedures}
    assert exchange.check_records(entries, set())[1] == []
    province = _seeded_as_demo("alpha")
    assert seed_catalogue(runtime, province) == len(entries)
    assert seed_catalogue(runtime, province) == 0  # the demo runs again on the same instance
    portal = host_client(seeded["alpha"].host)
    for entry in entries:
        shown = portal.get(f"/api/v1/procedures/{entry['ma_thu_tuc']}")
        assert shown.status_code == 200, entry["ma_thu_tuc"]
        assert shown.get_json()["name_vi"] == entry["ten_thu_tuc"] and shown.get_json()["status"] == "published"
    found = portal.get("/api/v1/procedures", query_string={"q": "chung thuc ban sao"}).get_json()
    assert "2.000815" in [procedure["code"] for procedure in found]


def test_each_demo_portal_has_at_least_500_questions_and_answers(runtime, host_client, seeded):
    """Issue 16, item 5: at least 500 pairs on a demo portal, made from its catalogue. The questions about
    where to submit come one per commune, so alpha (two communes) is first given the rest of a demo province's
    tree, as the demo seeds it: its service centre, departments and the demo's other communes, each with its
    centre."""
    from motcua_app.demo import PROVINCES, add_unit_tree, seed_catalogue, seed_faq
    from motcua_onestop.units.models import Unit, UnitKind
    from sqlalchemy import func, select

    demo = PROVINCES[0]
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        root = session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        communes = session.scalar(select(func.count()).where(Unit.kind == UnitKind.COMMUNE))
        rest = DemoProvince("alpha", "Tỉnh Alpha", "A99", "Alpha", demo.communes[communes:])
        add_unit_tree(session, rest, root)
        assert session.scalar(select(func.count()).where(Unit.kind == UnitKind.COMMUNE)) == len(demo.communes)
        session.commit()
    province = _seeded_as_demo("alpha")
    seed_catalogue(runtime, province)
    seed_faq(runtime, province)
    portal = host_client(seeded["alpha"].host)
    _entries, total = _faq_total(portal, page_size=1)
    assert total >= 500
    # and they are searched without accents, the catalogue's own procedures among them
    found, _total = _faq_total(portal, q="le phi dang ky tam tru")
    assert "Phí, lệ phí đăng ký tạm trú là bao nhiêu?" in [entry["question"] for entry in found]


def test_a_procedure_without_an_electronic_form_is_not_offered_online_here(runtime, host_client, seeded):
    """The national database lists residence registration as fully online, but without a plugin there is no
    electronic form on this portal: its page has no "Apply online", applying says where to submit instead, and
    its questions send people to the counter rather than to the portal."""
    from motcua_app.demo import seed_catalogue, seed_faq
    from motcua_app.testing.pytest_plugin import TEST_PASSWORD
    from portal_support import log_in

    province = _seeded_as_demo("alpha")
    seed_catalogue(runtime, province)
    seed_faq(runtime, province)
    portal = host_client(seeded["alpha"].host)
    page = portal.get("/procedures/1.004194")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Registration of temporary residence" in html  # the portal speaks English here
    assert "/procedures/1.004194/apply" not in html
    assert "This portal has no electronic form for this procedure yet" in html
    signed_in = host_client(seeded["alpha"].host, language="en")
    log_in(signed_in, "citizen@alpha.test", TEST_PASSWORD)
    applying = signed_in.get("/procedures/1.004194/apply")
    assert applying.status_code == 404 and "Submit it at one of the units listed" in applying.get_data(as_text=True)
    found, _total = _faq_total(portal, procedure="1.004194")
    answers = {entry["question"]: entry["answer"] for entry in found}
    online = answers["Có thể làm thủ tục đăng ký tạm trú trực tuyến không?"]
    assert "chưa có tờ khai điện tử" in online and online.startswith("Theo danh mục")
    assert not any("Cũng có thể nộp trực tuyến" in answer for answer in answers.values())
    # a plugin's procedure, with its form, still is
    birth, _total = _faq_total(portal, procedure="1.001193")
    assert any(entry["answer"].startswith("Có.") for entry in birth if "trực tuyến không?" in entry["question"])
