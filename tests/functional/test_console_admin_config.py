"""The province's configuration in the console (/console/calendar, /catalogue, /plugins, /branding) through
the test client and the session cookie, as a browser: only a tenant admin of the province (an officer or a
commune's admin gets 403), bad input a 422 with the error next to its field and nothing written, and each
change checked through the staff API the pages share their services with (and its audit trail)."""

import io
import re

import pytest
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_platform.plugins.definitions import Fee, TimeLimit, TimeUnit
from portal_support import csrf_token, fresh_address, submit, text
from test_branding import png
from test_catalogue import released_construction_plugin

PAGES = ("/console/calendar", "/console/catalogue", "/console/catalogue/1.009994", "/console/catalogue/1.009994/drift",
         "/console/plugins", "/console/plugins/land/disable", "/console/branding")  # fmt: skip
CONSTRUCTION = "/console/catalogue?field=Ho%E1%BA%A1t+%C4%91%E1%BB%99ng+x%C3%A2y+d%E1%BB%B1ng"  # the field's name
WRITES = (
    "/console/calendar/days",
    "/console/calendar/office-hours",
    "/console/calendar/days/2027-09-02/remove",
    "/console/calendar/seed",
    "/console/catalogue/1.009994",
    "/console/catalogue/1.009994/publish",
    "/console/catalogue/1.009994/retire",
    "/console/catalogue/1.009994/apply-plugin-update",
    "/console/plugins/land/enable",
    "/console/plugins/land/disable",
    "/console/branding",
    "/console/branding/logo",
    "/console/branding/logo/remove",
)


def signed_in(host_client, seeded, who: str):
    client = host_client(seeded["alpha"].host)
    data = {"email": f"{who}@alpha.test", "password": TEST_PASSWORD}
    response = submit(client, "/console/login", data, environ_base={"REMOTE_ADDR": fresh_address()})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


@pytest.fixture
def admin(host_client, seeded):
    """The province's tenant admin of alpha, logged in to the console (a cookie, no token)."""
    return signed_in(host_client, seeded, "admin")


def post(client, page: str, action: str, data: dict, **kwargs):
    """POST a form of ``page`` (its CSRF token) to ``action``."""
    shown = client.get(page)
    assert shown.status_code == 200, shown.status_code
    return client.post(action, data={**data, "csrf_token": csrf_token(shown.get_data(as_text=True))}, **kwargs)


def audit(alpha, action: str) -> list[dict]:
    return alpha.get(f"/api/v1/tenant-audit?action={action}").get_json()


# -- who ------------------------------------------------------------------------------------------
def test_only_a_tenant_admin_of_the_province_opens_them(host_client, seeded, admin):
    anonymous = host_client(seeded["alpha"].host)
    for page in PAGES:
        response = anonymous.get(page)
        assert response.status_code == 303 and response.headers["Location"].startswith("/console/login?next="), page
        assert admin.get(page).status_code == 200, page
    for who in ("officer", "commune_admin"):  # a commune's tenant admin is not the province's
        client = signed_in(host_client, seeded, who)
        token = csrf_token(client.get("/console").get_data(as_text=True)) if who == "officer" else None
        for page in PAGES:
            refused = client.get(page)
            assert refused.status_code == 403, (who, page)
            assert "You cannot open this page" in text(refused)
        if token:
            for action in WRITES:
                assert client.post(action, data={"csrf_token": token}).status_code == 403, action
            inbox = text(client.get("/console"))
            assert "Administration" not in inbox and "Branding" not in inbox  # no link to what is refused
    nav = admin.get("/console").get_data(as_text=True)
    for link in ("/console/calendar", "/console/catalogue", "/console/plugins", "/console/branding"):
        assert f'href="{link}"' in nav


def test_forms_need_their_csrf_token(admin, alpha):
    assert (
        admin.post("/console/calendar/days", data={"date": "2027-10-15", "kind": "day_off", "name": "X"}).status_code
        == 400
    )
    assert not [d for d in alpha.get("/api/v1/calendar?year=2027").get_json()["days"] if d["date"] == "2027-10-15"]


# -- calendar -------------------------------------------------------------------------------------
def days_of(alpha, year: int) -> dict[str, dict]:
    return {d["date"]: d for d in alpha.get(f"/api/v1/calendar?year={year}").get_json()["days"]}


def test_the_calendar_year_view(admin):
    page = admin.get("/console/calendar?year=2027")
    body = text(page)
    assert "Working calendar 2027" in body
    for month in ("January 2027", "September 2027", "December 2027"):
        assert month in body
    assert "Mon" in body and "Sun" in body
    assert "Quốc khánh" in body  # the seeded holidays, named, in the list and in the grids' hidden words
    assert "Public holiday" in body and "Make-up working day" in body  # the legend, in words
    assert "Morning" in body and 'name="morning_start" type="time" value="07:00"' in body  # office hours
    assert admin.get("/console/calendar?year=abc").status_code == 200  # this year instead


def test_add_and_remove_a_day_off(admin, alpha):
    form = {"date": "2027-10-15", "kind": "day_off", "name": "Nghỉ kỷ niệm ngày thành lập tỉnh", "year": "2027"}
    added = post(admin, "/console/calendar?year=2027", "/console/calendar/days", form)
    assert added.status_code == 303 and added.headers["Location"] == "/console/calendar?year=2027#days"
    day = days_of(alpha, 2027)["2027-10-15"]
    assert (day["kind"], day["name"], day["source"]) == ("day_off", "Nghỉ kỷ niệm ngày thành lập tỉnh", "admin")
    assert audit(alpha, "calendar.day_add")[0]["target"] == "calendar_day:2027-10-15"
    assert "Nghỉ kỷ niệm ngày thành lập tỉnh" in text(admin.get("/console/calendar?year=2027"))
    # the same date again: a conflict next to the date, nothing else written
    again = post(admin, "/console/calendar?year=2027", "/console/calendar/days",
                 {"date": "2027-10-15", "kind": "holiday", "name": "Khác"})  # fmt: skip
    assert again.status_code == 409 and "2027-10-15 is already listed." in text(again)
    assert days_of(alpha, 2027)["2027-10-15"]["kind"] == "day_off"
    removed = post(admin, "/console/calendar?year=2027", "/console/calendar/days/2027-10-15/remove", {})
    assert removed.status_code == 303
    assert "2027-10-15" not in days_of(alpha, 2027)
    assert audit(alpha, "calendar.day_remove")[0]["target"] == "calendar_day:2027-10-15"
    assert post(admin, "/console/calendar", "/console/calendar/days/2027-10-15/remove", {}).status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date": "15/10/2027", "kind": "day_off", "name": "Nghỉ"}, "date", "Enter a date such as 2027-09-02."),
        ({"date": "2027-10-15", "kind": "day_off", "name": "  "}, "name", "Name is required."),
        ({"date": "2027-10-15", "kind": "working_day", "name": "Làm bù"}, "kind", "must be a Saturday or a Sunday"),
        ({"date": "2027-10-15", "kind": "party", "name": "Tiệc"}, "kind", "Kind must be one of"),
    ],
)
def test_a_bad_day_is_refused_next_to_its_field(admin, alpha, data, field, message):
    before = days_of(alpha, 2027)
    response = post(admin, "/console/calendar?year=2027", "/console/calendar/days", {**data, "year": "2027"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    error = body.split(f'id="error-{field}"', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert f'value="{data["name"]}"' in body or data["name"].strip() == ""  # what was typed is kept
    assert days_of(alpha, 2027) == before


def test_change_the_office_hours(admin, alpha):
    hours = {"morning_start": "07:30", "morning_end": "11:30", "afternoon_start": "13:00", "afternoon_end": "16:30"}
    changed = post(admin, "/console/calendar", "/console/calendar/office-hours", hours)
    assert changed.status_code == 303
    assert alpha.get("/api/v1/calendar").get_json()["office_hours"] == hours
    assert audit(alpha, "calendar.office_hours")[0]["details"]["after"] == ["07:30-11:30", "13:00-16:30"]
    backwards = {**hours, "afternoon_start": "11:00"}
    refused = post(admin, "/console/calendar", "/console/calendar/office-hours", backwards)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "must start when the morning has ended" in body.split('id="error-afternoon_start"', 1)[1].split("</p>", 1)[0]
    assert 'name="afternoon_start" type="time" value="11:00"' in body  # as typed
    garbled = post(admin, "/console/calendar", "/console/calendar/office-hours", {**hours, "morning_end": "noon"})
    assert garbled.status_code == 422 and "Enter a time such as 07:30." in text(garbled)
    assert alpha.get("/api/v1/calendar").get_json()["office_hours"] == hours


def test_seed_a_year(admin, alpha):
    assert alpha.get("/api/v1/calendar?year=2031").get_json()["seeded"] is False
    assert "are not loaded" in text(admin.get("/console/calendar?year=2031"))
    seeded = post(admin, "/console/calendar", "/console/calendar/seed", {"seed-year": "2031"})
    assert seeded.status_code == 303 and seeded.headers["Location"] == "/console/calendar?year=2031"
    assert alpha.get("/api/v1/calendar?year=2031").get_json()["seeded"] is True
    assert audit(alpha, "calendar.seed")[0]["target"] == "calendar:2031"
    assert "The holidays of 2031 are loaded" in text(admin.get("/console/calendar?year=2031"))
    bad = post(admin, "/console/calendar", "/console/calendar/seed", {"seed-year": "1990"})
    assert bad.status_code == 422 and "Year must be between 2000 and 2100." in text(bad)
    assert alpha.get("/api/v1/calendar?year=1990").status_code == 422


# -- catalogue ------------------------------------------------------------------------------------
def test_catalogue_search_filter_and_pages(admin):
    body = text(admin.get("/console/catalogue"))
    assert "1.001193" in body and "published procedures." in body
    found = text(admin.get("/console/catalogue?q=khai+sinh"))
    assert "1.001193" in found and "1.009994" not in found
    field = text(admin.get(CONSTRUCTION))
    assert "1.009994" in field and "1.001193" not in field
    assert admin.get("/console/catalogue?page=99").status_code == 200
    assert "No procedure matches." in text(admin.get("/console/catalogue?q=zzzzqqq"))


def versions(alpha, code: str) -> list[tuple[int, str]]:
    return [(v["version"], v["status"]) for v in alpha.get(f"/api/v1/procedures/{code}/versions").get_json()]


def override_form(**changes) -> dict:
    return {"time_limit_value": "15", "time_limit_unit": "working_days", "same_day_cutoff_hour": "",
            "online_mode": "full", "fees": ""} | changes  # fmt: skip


def test_edit_an_override_then_publish_and_withdraw(admin, alpha, host_client, seeded):
    code = "1.009994"
    page = admin.get(f"/console/catalogue/{code}")
    current = alpha.get(f"/api/v1/procedures/{code}").get_json()
    form = override_form(
        time_limit_value=str(current["time_limit_value"] + 2),
        time_limit_unit=current["time_limit_unit"],
        online_mode=current["online_mode"],
        fees="\n".join(f"{f['name']} | {f['amount']} | {f.get('per') or ''}" for f in current["fees"]),
    )
    assert page.status_code == 200 and current["name_vi"] in text(page)
    saved = post(admin, f"/console/catalogue/{code}", f"/console/catalogue/{code}", form)
    assert saved.status_code == 303
    assert versions(alpha, code) == [(1, "published"), (2, "draft")]
    draft = alpha.get(f"/api/v1/procedures/{code}/versions").get_json()[-1]
    assert draft["overridden"] == ["time_limit_value"] and draft["time_limit_value"] == current["time_limit_value"] + 2
    assert draft["fees"] == current["fees"]  # the fees as they were: not an override
    revise = audit(alpha, "procedure.revise")[0]
    assert revise["target"] == f"procedure:{code}" and revise["details"]["fields"] == ["time_limit_value"]
    assert "Publish version 2" in text(admin.get(f"/console/catalogue/{code}"))
    published = post(admin, f"/console/catalogue/{code}", f"/console/catalogue/{code}/publish", {})
    assert published.status_code == 303
    assert versions(alpha, code) == [(1, "retired"), (2, "published")]
    public = host_client(seeded["alpha"].host)
    assert public.get(f"/api/v1/procedures/{code}").get_json()["time_limit_value"] == current["time_limit_value"] + 2
    # nothing to publish now: the service's 409
    assert post(admin, f"/console/catalogue/{code}", f"/console/catalogue/{code}/publish", {}).status_code == 409
    withdrawn = post(admin, f"/console/catalogue/{code}", f"/console/catalogue/{code}/retire", {})
    assert withdrawn.status_code == 303
    assert public.get(f"/api/v1/procedures/{code}").status_code == 404
    assert audit(alpha, "procedure.retire")[0]["target"] == f"procedure:{code}"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"time_limit_value": "mười"}, "time_limit_value", "Enter a whole number, 0 or more."),
        ({"same_day_cutoff_hour": "30"}, "same_day_cutoff_hour", "Must be an hour between 1 and 23."),
        ({"online_mode": "sometimes"}, "online_mode", "Must be one of"),
        ({"fees": "Lệ phí | năm mươi nghìn"}, "fees", "Line 1: write"),
        ({"time_limit_value": "0"}, "time_limit_value", "0 is only allowed for same-day procedures"),
    ],
)
def test_bad_overrides_are_refused_next_to_their_field(admin, alpha, changes, field, message):
    code = "1.009994"
    response = post(admin, f"/console/catalogue/{code}", f"/console/catalogue/{code}", override_form(**changes))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body.split(f'id="error-{field}"', 1)[1].split("</p>", 1)[0]
    if field != "online_mode":  # a choice the list does not offer cannot be shown chosen
        assert next(iter(changes.values())) in body  # what the admin typed is kept
    assert versions(alpha, code) == [(1, "published")]  # no draft was made


def test_the_drift_page_shows_the_plugin_beside_the_province(admin, alpha, monkeypatch):
    code = "1.009994"
    assert "The province has every field as the plugin defines it now." in text(
        admin.get(f"/console/catalogue/{code}/drift")
    )
    current = alpha.get(f"/api/v1/procedures/{code}").get_json()
    form = override_form(time_limit_value="12", time_limit_unit=current["time_limit_unit"],
                         online_mode=current["online_mode"],
                         fees="\n".join(f"{f['name']} | {f['amount']}" for f in current["fees"]))  # fmt: skip
    assert post(admin, f"/console/catalogue/{code}", f"/console/catalogue/{code}", form).status_code == 303
    released_construction_plugin(
        monkeypatch, fees=(Fee("Lệ phí cấp giấy phép", 100_000),), time_limit=TimeLimit(20, TimeUnit.DAYS)
    )
    assert "The plugin changed it" in text(admin.get(CONSTRUCTION))
    page = admin.get(f"/console/catalogue/{code}/drift")
    assert page.status_code == 200
    body = text(page)
    assert "1.009994 compared with plugin construction" in body
    assert "2 fields differ." in body
    assert "The plugin now" in body and "The province" in body
    words = " ".join(re.sub(r"<[^>]+>", " ", body).split())  # what a screen reader reads
    limit = words.split("Time limit", 1)[1].split("Fees", 1)[0]
    assert "the province’s override" in limit and "changed by the plugin" in limit
    assert "≠ differs: 20" in limit and "≠ differs: 12" in limit  # marked in signs and words, not only colour
    fees = words.split("Fees", 1)[1]
    assert "100000" in fees and "≠ differs:" in fees
    assert "The same as the plugin" in body and "Name (Vietnamese)" in body
    assert admin.get("/console/catalogue/9.999999/drift").status_code == 404
    # the plugin's changes taken into a draft: the fees follow the plugin, the province's time limit stays
    taken = post(admin, f"/console/catalogue/{code}/drift", f"/console/catalogue/{code}/apply-plugin-update", {})
    assert taken.status_code == 303
    draft = alpha.get(f"/api/v1/procedures/{code}/versions").get_json()[-1]
    assert draft["status"] == "draft" and draft["fees"][0]["amount"] == 100_000 and draft["time_limit_value"] == 12
    assert audit(alpha, "procedure.plugin_update")[0]["target"] == f"procedure:{code}"
    again = post(admin, f"/console/catalogue/{code}", f"/console/catalogue/{code}/apply-plugin-update", {})
    assert again.status_code == 409  # the draft already follows the plugin


# -- plugins --------------------------------------------------------------------------------------
def plugin_rows(admin) -> dict[str, str]:
    """Each plugin's row of the page, as words, by the plugin's name."""
    body = text(admin.get("/console/plugins"))
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("<tr>")[2:]]
    return {row.split(" · ")[0].split()[-1]: row for row in rows}


def test_the_plugins_the_province_has(admin, platform, alpha):
    rows = plugin_rows(admin)
    for plugin in platform.get("/api/v1/plugins").get_json():
        row = rows[plugin["name"]]
        assert f"version {plugin['version']}" in row and f" {len(plugin['procedures'])} " in row
        assert "✓ Yes" in row
    assert platform.put("/api/v1/tenants/alpha/plugins/land", json={"enabled": False}).status_code == 200
    rows = plugin_rows(admin)
    assert "✗ No" in rows["land"] and "✓ Yes" in rows["civil_status"]


def province_plugins(alpha) -> dict[str, dict]:
    return {p["name"]: p for p in alpha.get("/api/v1/province/plugins").get_json()}


def test_the_province_enables_an_allowed_plugin_and_disables_it_after_confirming(admin, alpha, platform, seeded):
    assert platform.put("/api/v1/tenants/alpha/plugins/land", json={"enabled": False}).status_code == 200  # allowed
    assert platform.patch("/api/v1/tenants/alpha/plugins/construction", json={"allowed": False}).status_code == 200
    rows = plugin_rows(admin)
    assert "Enable" in rows["land"] and "Disable" not in rows["land"]
    assert "Not in your contract — ask the vendor." in rows["construction"] and "Enable" not in rows["construction"]
    assert "Disable" in rows["civil_status"]
    page = admin.get("/console/plugins").get_data(as_text=True)
    assert 'action="/console/plugins/construction/enable"' not in page

    enabled = post(admin, "/console/plugins", "/console/plugins/land/enable", {})
    assert enabled.status_code == 303 and enabled.headers["Location"].endswith("/console/plugins")
    assert province_plugins(alpha)["land"]["enabled"] is True
    staff_actor = f"staff:{seeded['alpha'].staff['admin']}"
    assert audit(alpha, "plugin.enable")[0]["actor"].startswith(staff_actor)
    vendor = platform.get("/api/v1/audit?action=plugin.enable&tenant=alpha").get_json()[0]
    assert vendor["target"] == "plugin:land" and vendor["actor"].startswith(staff_actor)
    assert "is enabled: its procedures are in your catalogue." in text(admin.get("/console/plugins"))

    # disabling asks first, on a page of its own; only its form's POST disables
    ask = admin.get("/console/plugins/land/disable")
    assert ask.status_code == 200 and "will no longer be on the province’s portal" in text(ask)
    assert province_plugins(alpha)["land"]["enabled"] is True
    disabled = post(admin, "/console/plugins/land/disable", "/console/plugins/land/disable", {})
    assert disabled.status_code == 303
    assert province_plugins(alpha)["land"] == {**province_plugins(alpha)["land"], "allowed": True, "enabled": False}
    assert audit(alpha, "plugin.disable")[0]["target"] == "plugin:land"
    assert admin.get("/console/plugins/land/disable").status_code == 303  # nothing left to ask about

    # not in the contract: a 409 with the reason on the page, nothing changed
    refused = post(admin, "/console/plugins", "/console/plugins/construction/enable", {})
    assert refused.status_code == 409 and "not in the province's contract" in text(refused)
    summary = refused.get_data(as_text=True).split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "not in the province&#39;s contract" in summary
    assert province_plugins(alpha)["construction"]["enabled"] is False
    assert admin.post("/console/plugins/land/enable").status_code == 400  # no CSRF token
    assert province_plugins(alpha)["land"]["enabled"] is False
    assert post(admin, "/console/plugins", "/console/plugins/ghost/enable", {}).status_code == 404


# -- branding -------------------------------------------------------------------------------------
def branding_form(alpha, **changes) -> dict:
    current = alpha.get("/api/v1/branding").get_json()
    fields = ("display_name", "primary_color", "secondary_color", "hotline", "address", "email", "footer")
    return {name: current[name] or "" for name in fields} | changes


def test_the_preview_shows_the_values_and_saves_nothing(admin, alpha):
    before = alpha.get("/api/v1/branding").get_json()
    form = branding_form(alpha, display_name="Cổng dịch vụ công thử nghiệm", primary_color="#004d40",
                         footer="Dòng chân trang mới", action="preview")  # fmt: skip
    response = post(admin, "/console/branding", "/console/branding", form)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    preview = body.split('id="brand-preview"', 1)[1].split("</section>", 1)[0]
    assert "Cổng dịch vụ công thử nghiệm" in preview and "Dòng chân trang mới" in preview
    assert "/console/branding/preview.css?primary=%23004d40" in body
    assert "This is a preview: nothing is saved" in text(response)
    assert "readable" in text(response)
    assert alpha.get("/api/v1/branding").get_json() == before
    assert audit(alpha, "branding.update") == []
    css = admin.get("/console/branding/preview.css?primary=%23004d40&accent=%23ffcc00").get_data(as_text=True)
    assert "--preview-brand: #004d40" in css and "--preview-brand-text: #ffffff" in css and "#ffcc00" in css
    fallback = admin.get("/console/branding/preview.css?primary=red;}body{x").get_data(as_text=True)
    assert "red" not in fallback and "body" not in fallback.split("{", 1)[1]


def test_save_the_branding(admin, alpha, host_client, seeded):
    form = branding_form(alpha, display_name="Cổng dịch vụ công Alpha mới", hotline="1900 1234", action="save")
    saved = post(admin, "/console/branding", "/console/branding", form)
    assert saved.status_code == 303 and saved.headers["Location"] == "/console/branding"
    after = alpha.get("/api/v1/branding").get_json()
    assert (after["display_name"], after["hotline"]) == ("Cổng dịch vụ công Alpha mới", "1900 1234")
    (event,) = audit(alpha, "branding.update")
    assert event["details"]["changes"] == {"display_name": "Cổng dịch vụ công Alpha mới", "hotline": "1900 1234"}
    portal = host_client(seeded["alpha"].host).get("/").get_data(as_text=True)
    assert "Cổng dịch vụ công Alpha mới" in portal


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"primary_color": "#777777"}, "primary_color", "Neither white nor dark text is readable"),
        ({"email": "not-an-address"}, "email", "Not an e-mail address."),
        ({"display_name": "  "}, "display_name", "Required: it cannot be empty."),
    ],
)
def test_bad_branding_is_refused_next_to_its_field(admin, alpha, changes, field, message):
    before = alpha.get("/api/v1/branding").get_json()
    response = post(admin, "/console/branding", "/console/branding", branding_form(alpha, **changes, action="save"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body.split(f'id="error-{field}"', 1)[1].split("</p>", 1)[0]
    if changes[field].strip():
        assert f'value="{changes[field]}"' in body
    assert alpha.get("/api/v1/branding").get_json() == before
    assert audit(alpha, "branding.update") == []


def test_upload_and_remove_the_logo(admin, alpha):
    uploaded = post(admin, "/console/branding", "/console/branding/logo",
                    {"file": (io.BytesIO(png()), "logo.png")}, content_type="multipart/form-data")  # fmt: skip
    assert uploaded.status_code == 303
    logo = alpha.get("/api/v1/branding").get_json()["logo_url"]
    assert logo and logo.startswith("/brand/logo?v=")
    assert f'src="{logo}"' in admin.get("/console/branding").get_data(as_text=True)
    assert audit(alpha, "branding.logo")
    svg = post(admin, "/console/branding", "/console/branding/logo",
               {"file": (io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "logo.svg")},
               content_type="multipart/form-data")  # fmt: skip
    assert svg.status_code == 422 and "Only PNG or JPEG images are accepted" in text(svg)
    assert alpha.get("/api/v1/branding").get_json()["logo_url"] == logo
    removed = post(admin, "/console/branding", "/console/branding/logo/remove", {})
    assert removed.status_code == 303
    assert alpha.get("/api/v1/branding").get_json()["logo_url"] is None
