"""The province's configuration in a real browser, as its tenant admin: a day off added in the calendar's
year view, the branding preview following what the admin types (JavaScript on, nothing saved), and the
catalogue's side-by-side comparison with the plugin, and a plugin the contract allows enabled then disabled
after confirming. Every page is checked with axe-core and photographed at
375 and 1280 px (browser_support.Tab.look)."""

from __future__ import annotations

import dataclasses
import re

from browser_support import fill, t
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_app.testing.seed import SEED_ACTOR
from motcua_platform.plugins import engine
from motcua_platform.plugins.definitions import Fee
from motcua_platform.plugins.engine import PluginRegistry, active
from motcua_tenants.tenant_plugins.services import set_allowed, set_plugin

DAY, DAY_NAME = "2028-11-17", "Nghỉ kỷ niệm thành lập tỉnh Sigma"


def signed_in_admin(open_browser, live, language: str, *, javascript: bool = True):
    tab = open_browser(language, javascript=javascript)
    tab.goto("/console/calendar")
    assert tab.path == "/console/login?next=/console/calendar"
    fill(tab, {"email": f"admin@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    tab.button(t(language, "Log in")).click()
    assert tab.path == "/console/calendar"
    return tab


def test_a_province_admin_adds_a_day_off(open_browser, live):
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    tab = signed_in_admin(open_browser, live, language)
    tab.goto("/console/calendar?year=2028")
    assert _("Working calendar %(year)s", year=2028) in tab.text()
    tab.look("calendar")

    tab.field(_("Date") + " (" + _("required") + ")").fill(DAY)
    tab.page.locator('[name="kind"]').select_option("day_off")
    tab.page.locator('[name="name"]').fill(DAY_NAME)
    tab.button(_("Add the day")).click()
    assert tab.path == "/console/calendar?year=2028#days"
    assert _("%(date)s was added to the calendar.", date="17/11/2028") in tab.text()
    row = tab.page.locator(".day-list li").filter(has_text="17/11/2028")
    assert _("Day off") in row.inner_text()
    # the November grid marks the 17th as a day off, in words for a screen reader
    november = tab.page.locator("table.month").nth(10)
    assert f"{_('Day off')}, {DAY_NAME}" in november.locator("td.day-day_off").first.text_content()
    tab.look("calendar-added")

    # removed again, so the live province keeps the calendar it had
    row.get_by_role("button").click()
    assert _("%(date)s was removed from the calendar.", date="17/11/2028") in tab.text()
    assert DAY_NAME not in tab.text()


def test_the_branding_preview_follows_what_is_typed(open_browser, live):
    language = "en"
    tab = signed_in_admin(open_browser, live, language)
    tab.goto("/console/branding")
    saved_name = tab.page.locator('[name="display_name"]').input_value()
    header = tab.page.locator("#brand-preview .preview-header")

    tab.page.locator('[name="display_name"]').fill("Cổng dịch vụ công xem trước")
    tab.page.locator('[name="footer"]').fill("Dòng chân trang xem trước")
    assert tab.page.locator("#brand-preview .preview-name").inner_text() == "Cổng dịch vụ công xem trước"
    assert "Dòng chân trang xem trước" in tab.page.locator("#brand-preview").inner_text()

    tab.page.locator('[name="primary_color"]').fill("#004d40")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(0, 77, 64)"
    assert header.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
    assert re.search(r"Contrast [0-9.]+:1 — readable\.", tab.page.locator("#contrast-check").inner_text())
    tab.look("branding-preview")

    tab.page.locator('[name="primary_color"]').fill("#777777")  # neither white nor dark text reads on it
    assert "too low" in tab.page.locator("#contrast-check").inner_text()
    assert tab.page.locator("#contrast-check.contrast-bad").count() == 1

    # nothing was saved: the page drawn again shows the brand as it was
    tab.goto("/console/branding")
    assert tab.page.locator('[name="display_name"]').input_value() == saved_name


def test_the_catalogue_comparison_with_the_plugin(open_browser, live, monkeypatch):
    language = "en"
    tab = signed_in_admin(open_browser, live, language)
    tab.goto("/console/catalogue?q=khai+sinh")
    tab.look("catalogue")
    code = "1.001193"
    tab.link(code).click()
    assert tab.path == f"/console/catalogue/{code}"
    tab.look("procedure")
    tab.link("Compare with the plugin").click()
    assert tab.path == f"/console/catalogue/{code}/drift"
    assert "The province has every field as the plugin defines it now." in tab.text()

    # a new release of the civil-status plugin changes the fee of this procedure (the live server runs in
    # this process and reads the same plugin registry)
    plugins = []
    for plugin in active():
        if plugin.name == "civil_status":
            changed = tuple(
                dataclasses.replace(p, fees=(Fee("Lệ phí đăng ký khai sinh", 15_000),)) if p.code == code else p
                for p in plugin.procedures
            )
            plugin = type(plugin)()
            plugin.procedures = changed
        plugins.append(plugin)
    monkeypatch.setattr(engine, "_active", PluginRegistry(plugins))
    tab.page.reload()
    assert "1 field differs." in tab.text()
    changed_line = tab.page.locator(".diff tr.line-changed").first.inner_text()
    assert "15000" in changed_line and "≠" in changed_line
    assert tab.page.get_by_role("columnheader", name="The plugin now").is_visible()
    tab.look("drift")


def test_the_branding_preview_without_javascript(open_browser, live):
    """With JavaScript off, "Preview" draws the page again with the values typed, and saves nothing."""
    tab = signed_in_admin(open_browser, live, "en", javascript=False)
    tab.goto("/console/branding")
    saved_name = tab.page.locator('[name="display_name"]').input_value()
    tab.page.locator('[name="display_name"]').fill("Cổng xem trước không JavaScript")
    tab.page.locator('[name="primary_color"]').fill("#0b3d91")
    tab.button("Preview").click()
    assert tab.path == "/console/branding"
    assert "This is a preview: nothing is saved" in tab.text()
    assert tab.page.locator("#brand-preview .preview-name").inner_text() == "Cổng xem trước không JavaScript"
    header = tab.page.locator("#brand-preview .preview-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 61, 145)"
    tab.look("branding-preview-no-js")
    tab.goto("/console/branding")
    assert tab.page.locator('[name="display_name"]').input_value() == saved_name


def vendor_sets(live, name: str, **change) -> None:
    """The vendor's change to the live province's plugins, through the API's services."""
    with live.runtime.db.control_session() as control:
        if "allowed" in change:
            set_allowed(control, live.runtime.db, SEED_ACTOR, active(), live.tenant.slug, name, **change)
        else:
            set_plugin(control, live.runtime.db, SEED_ACTOR, active(), live.tenant.slug, name, **change)
    live.app.extensions["motcua"].resolver.invalidate()


def test_the_plugins_page(open_browser, live):
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    vendor_sets(live, "land", enabled=False)  # still allowed: the province may enable it
    vendor_sets(live, "construction", allowed=False)
    try:
        tab = signed_in_admin(open_browser, live, language)
        tab.link(t("vi", "Plugins")).click()
        assert tab.path == "/console/plugins"
        row = tab.page.get_by_role("row").filter(has_text="civil_status")
        assert "✓" in row.inner_text()
        assert (
            _("Not in your contract — ask the vendor.")
            in tab.page.get_by_role("row").filter(has_text="construction").inner_text()
        )
        tab.look("plugins")

        land = tab.page.get_by_role("row").filter(has_text="land")
        title = next(p.title_vi for p in active() if p.name == "land")
        land.get_by_role("button", name=_("Enable %(plugin)s", plugin=title)).click()
        assert tab.path == "/console/plugins"
        assert _("%(plugin)s is enabled: its procedures are in your catalogue.", plugin=title) in tab.text()
        assert "✓" in tab.page.get_by_role("row").filter(has_text="land").inner_text()
        tab.look("plugins-enabled")

        # disabling asks first, on a page of its own
        tab.page.get_by_role("link", name=_("Disable %(plugin)s", plugin=title)).click()
        assert tab.path == "/console/plugins/land/disable"
        tab.look("plugin-disable")
        tab.button(_("Disable the plugin")).click()
        assert tab.path == "/console/plugins"
        assert _("%(plugin)s is disabled: its procedures are no longer on the portal.", plugin=title) in tab.text()
    finally:  # the live province keeps the plugins it had
        vendor_sets(live, "land", enabled=True)
        vendor_sets(live, "construction", enabled=True)
