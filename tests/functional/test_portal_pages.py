"""The citizen portal's pages through real HTTP: rendered, branded, in both languages, with the security
headers, CSRF and the clear errors people need. (The browser tests in tests/browser follow whole paths.)"""

import re


def test_home_is_html_in_vietnamese_by_default(alpha):
    response = alpha.get("/", headers={"Accept-Language": "vi"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Tìm thủ tục" in html or "Tìm kiếm" in html


def test_pages_carry_the_security_headers(alpha):
    response = alpha.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Cookie" in response.headers["Vary"]


def test_search_finds_without_accents(alpha):
    response = alpha.get("/procedures?q=dang+ky+khai+sinh")
    assert response.status_code == 200
    assert "Đăng ký khai sinh" in response.get_data(as_text=True)


def test_language_switch_is_remembered(alpha):
    response = alpha.get("/language/en?next=/procedures")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/procedures")
    assert "motcua_lang=en" in response.headers["Set-Cookie"]
    html = alpha.get("/procedures").get_data(as_text=True)
    assert '<html lang="en">' in html


def test_language_switch_never_redirects_off_site(alpha):
    response = alpha.get("/language/en?next=https://evil.example/")
    assert response.headers["Location"].endswith("/") and "evil" not in response.headers["Location"]


def test_login_form_without_csrf_token_is_refused(alpha):
    response = alpha.post("/login", data={"login": "a@b.vn", "password": "x"})
    assert response.status_code == 400
    assert "text/html" in response.headers["Content-Type"]


def test_unknown_page_is_an_html_404_for_browsers_and_json_for_the_api(alpha):
    page = alpha.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    api = alpha.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.mimetype == "application/json"


def test_tracking_page_for_an_unknown_code(alpha):
    response = alpha.get("/track/NO-SUCH-CODE")
    assert response.status_code == 404
    assert "NO-SUCH-CODE" in response.get_data(as_text=True)


def test_assets_are_fingerprinted_and_long_cached(alpha):
    html = alpha.get("/").get_data(as_text=True)
    href = re.search(r'href="(/assets/theme\.css\?v=[0-9a-f]+)"', html).group(1)
    response = alpha.get(href, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["Content-Encoding"] == "gzip"


def test_platform_host_lists_the_provinces(platform):
    response = platform.get("/")
    assert response.status_code == 200
    assert "alpha" in response.get_data(as_text=True).lower()


def test_procedure_page_lists_documents_fees_and_where_to_submit(alpha):
    code = alpha.get("/api/v1/procedures?q=khai+sinh").get_json()[0]["code"]
    response = alpha.get(f"/procedures/{code}", headers={"Accept-Language": "vi"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    units = alpha.get(f"/api/v1/procedures/{code}/units").get_json()
    assert units and all(unit["name"] in html for unit in units)
    assert "Giấy tờ cần nộp" in html or "Thành phần hồ sơ" in html


def test_unknown_procedure_is_an_html_404(alpha):
    response = alpha.get("/procedures/NO-SUCH")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_result_links_are_what_url_for_writes_for_any_code(app, seeded):
    """The search results' links are built from one url_for per page: for every kind of code, the same
    address url_for would write for it."""
    from flask import url_for
    from motcua_portal.catalogue_pages import cards

    codes = ["1.003456.H15", "2.000635", "a b", "x/y?z#w", "Đăng ký", "100%"]
    rows = [
        {"code": code, "name_vi": "Tên", "name_en": None, "field": "f", "level": "province",
         "time_limit_value": 5, "time_limit_unit": "working_days", "online_mode": "full"}
        for code in codes
    ]  # fmt: skip
    with app.test_request_context("/procedures", base_url=f"http://{seeded['alpha'].host}"):
        assert [card["href"] for card in cards(rows)] == [url_for("site.procedure", code=c) for c in codes]
