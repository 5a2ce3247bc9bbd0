"""The portal's pages the citizen's journey does not reach, in a real browser: logging in (and failing to),
logging out, a forgotten password, the account and its password, saved drafts, withdrawing a dossier,
tracking an unknown code, a missing page, the catalogue's filters and a search that finds nothing, the
platform host's own page, and the language switch. Each test makes what it needs; each page is checked
with axe-core and photographed at 375 and 1280 px (browser_support.Tab.look), and what it shows is read
back as a person would.

Some tests run in Vietnamese, some in English; the withdrawal and the account run with JavaScript off."""

from __future__ import annotations

import re
import secrets

from browser_support import t
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, TEST_PASSWORD
from motcua_onestop.citizens import recovery
from motcua_onestop.notifications.models import NotificationOutbox
from sqlalchemy import select

SEEDED = "citizen@sigma.test"  # the seeded citizen: used by several tests, so its password never changes
BIRTH = "1.001193"  # Đăng ký khai sinh: commune level, fully online, field "Hộ tịch"
MARRIAGE = "1.000894"  # Đăng ký kết hôn: the same field and level, partly online
MARRIAGE_FORM = {
    "husband_full_name": "Trần Văn Chồng",
    "husband_citizen_id": "079090001111",
    "husband_date_of_birth": "1990-01-01",
    "wife_full_name": "Lê Thị Vợ",
    "wife_citizen_id": "079092002222",
    "wife_date_of_birth": "1992-02-02",
    "residence": "Xã A",
}
CODE = re.compile(r"\b(\d{6})\b")


def person() -> dict[str, str]:
    tag = secrets.token_hex(4)
    return {
        "full_name": "Phạm Thị Hoa",
        "email": f"hoa.{tag}@example.vn",
        "phone": f"09{secrets.randbelow(10**8):08d}",
        "national_id": f"0790{secrets.randbelow(10**8):08d}",
        "password": f"Sen-hong-No-{tag}-Ao",
    }


def fill(tab, values: dict[str, str]) -> None:
    for name, value in values.items():
        tab.page.locator(f'[name="{name}"]').fill(value)


def value_of(tab, name: str) -> str:
    return tab.page.locator(f'[name="{name}"]').input_value()


def notice(tab) -> str:
    """The flashed messages at the top of the page."""
    notices = tab.page.locator(".notices")
    return notices.inner_text() if notices.count() else ""


def problems(tab) -> str:
    """The error summary at the top of a form."""
    return tab.page.locator("#error-summary").inner_text()


def invalid(tab, name: str) -> bool:
    return tab.page.locator(f'[name="{name}"]').get_attribute("aria-invalid") == "true"


def register(tab, language: str, citizen: dict[str, str]) -> None:
    """A new account through the register page (which logs it in)."""
    tab.goto("/register")
    fill(tab, {name: citizen[name] for name in ("full_name", "email", "phone", "national_id", "password")})
    fill(tab, {"password_again": citizen["password"]})
    tab.button(t(language, "Create the account")).click()
    assert tab.path == "/my/dossiers", tab.text()


def log_in(tab, language: str, login: str, password: str) -> None:
    tab.goto("/login")
    fill(tab, {"login": login, "password": password})
    tab.page.locator("main").get_by_role("button", name=t(language, "Log in"), exact=True).click()


def log_out(tab, language: str) -> None:
    tab.page.locator("footer").get_by_role("button", name=t(language, "Log out"), exact=True).click()


def test_logging_in_fails_inline_then_succeeds_and_logging_out(open_browser):
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731
    tab = open_browser("vi")
    tab.goto("/")
    tab.link(_("Log in")).first.click()
    assert tab.path == "/login"
    assert tab.page.get_by_role("heading", level=1).inner_text() == _("Log in")
    tab.look("login")

    # A wrong password: the same page again, the error above the form, the login kept, the password not.
    fill(tab, {"login": SEEDED, "password": "Sai-mat-khau-123"})
    tab.page.locator("main").get_by_role("button", name=_("Log in"), exact=True).click()
    assert tab.path == "/login"
    assert _("There is a problem") in problems(tab)
    assert _("Login (e-mail or phone number) or password is incorrect.") in problems(tab)
    assert value_of(tab, "login") == SEEDED and value_of(tab, "password") == ""
    assert tab.page.evaluate("document.activeElement.id") == "error-summary"  # read out first
    tab.look("login-failed")

    # The right one: "my dossiers", with the citizen's own links in the menu and name in the footer.
    fill(tab, {"password": TEST_PASSWORD})
    tab.page.locator("main").get_by_role("button", name=_("Log in"), exact=True).click()
    assert tab.path == "/my/dossiers"
    nav = tab.page.get_by_role("navigation", name=_("Main"))
    assert nav.get_by_role("link", name=_("My account"), exact=True).is_visible()
    assert nav.get_by_role("link", name=_("Log in"), exact=True).count() == 0
    assert _("Signed in as %(name)s", name="Nguyễn Văn Dân") in tab.page.locator("footer").inner_text()

    # Log out: the home page says so, the menu offers to log in again and "my dossiers" asks for a login.
    log_out(tab, "vi")
    assert tab.path == "/"
    assert _("You have logged out.") in notice(tab)
    assert nav.get_by_role("link", name=_("Log in"), exact=True).is_visible()
    assert nav.get_by_role("link", name=_("My account"), exact=True).count() == 0
    tab.look("logged-out")
    tab.goto("/my/dossiers")
    assert tab.path == "/login?next=/my/dossiers"


def test_a_forgotten_password_is_reset_with_the_code_sent(open_browser, live):
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731
    citizen = person()
    tab = open_browser("vi")
    register(tab, "vi", citizen)
    log_out(tab, "vi")

    tab.goto("/login")
    tab.link(_("Forgot your password?")).click()
    assert tab.path == "/password-reset"
    assert tab.page.get_by_role("heading", level=1).inner_text() == _("Forgot your password?")
    tab.look("password-reset")
    fill(tab, {"login": citizen["email"]})
    tab.button(_("Send me a code")).click()

    # The confirmation page: what happens next said once, the login already filled in.
    assert tab.path == "/password-reset/confirm"
    sent = _(
        "If this is the login of an account on this portal, a code is on its way to the account's "
        "e-mail and/or mobile phone. It is valid for %(minutes)s minutes.",
        minutes=recovery.CODE_MINUTES,
    )
    assert sent in notice(tab)
    assert value_of(tab, "login") == citizen["email"]
    tab.look("password-reset-confirm")

    # A wrong code is refused next to the code; then the code from the e-mail sets the new password.
    new_password = f"Trang-rang-Tron-{secrets.token_hex(3)}"
    fill(tab, {"code": "000000", "new_password": new_password, "new_password_again": new_password})
    tab.button(_("Set the new password")).click()
    assert tab.path == "/password-reset/confirm"
    assert invalid(tab, "code") and value_of(tab, "new_password") == ""
    tab.look("password-reset-wrong-code")
    fill(tab, {"code": sent_code(live, citizen["email"]), "new_password": new_password})
    fill(tab, {"new_password_again": new_password})
    tab.button(_("Set the new password")).click()
    assert tab.path == "/login"
    assert _("Your password is changed. Log in with the new password.") in notice(tab)

    log_in(tab, "vi", citizen["email"], citizen["password"])  # the old password no longer works
    assert tab.path == "/login" and _("Login (e-mail or phone number) or password is incorrect.") in problems(tab)
    log_in(tab, "vi", citizen["email"], new_password)
    assert tab.path == "/my/dossiers"


def sent_code(live, email: str) -> str:
    """The code in the newest e-mail queued to ``email`` (no worker drains the outbox here)."""
    runtime = live.runtime
    with runtime.db.tenant_session(runtime.db.binding(live.tenant.slug)) as session:
        query = select(NotificationOutbox).where(
            NotificationOutbox.channel == "email", NotificationOutbox.recipient == email
        )
        row = session.scalars(query.order_by(NotificationOutbox.id.desc())).first()
    assert row is not None, f"no e-mail queued to {email}"
    return CODE.search(row.body).group(1)


def test_the_account_is_edited_and_the_password_changed_without_javascript(open_browser):
    _ = lambda msgid, **params: t("en", msgid, **params)  # noqa: E731
    citizen = person()
    tab = open_browser("en", javascript=False)
    tab.goto("/language/en?next=/")
    register(tab, "en", citizen)

    tab.link(_("My account")).first.click()
    assert tab.path == "/my/account"
    assert tab.page.get_by_role("heading", level=1).inner_text() == _("My account")
    assert value_of(tab, "full_name") == citizen["full_name"] and value_of(tab, "email") == citizen["email"]
    assert value_of(tab, "national_id") == citizen["national_id"]
    tab.look("profile")

    # A mistake is shown next to its field and nothing is saved; corrected, the change is kept.
    fill(tab, {"full_name": "Phạm Thị Hoa Mai", "email": "not-an-e-mail"})
    tab.button(_("Save my details")).click()
    assert invalid(tab, "email") and value_of(tab, "email") == "not-an-e-mail"
    assert value_of(tab, "full_name") == "Phạm Thị Hoa Mai"  # what was typed is kept
    tab.look("profile-error")
    new_phone = f"09{secrets.randbelow(10**8):08d}"
    fill(tab, {"email": citizen["email"], "phone": new_phone})
    tab.button(_("Save my details")).click()
    assert tab.path == "/my/account"
    assert _("Your details are saved.") in notice(tab)
    tab.goto("/my/account")  # read again from the server
    assert value_of(tab, "full_name") == "Phạm Thị Hoa Mai" and value_of(tab, "phone") == new_phone
    assert _("Signed in as %(name)s", name="Phạm Thị Hoa Mai") in tab.page.locator("footer").inner_text()
    tab.look("profile-saved")

    # The password: a wrong current one is refused next to it; the right one changes it.
    tab.link(_("Change my password")).click()
    assert tab.path == "/my/account/password"
    tab.look("password")
    # (not built on the new name "Hoa Mai": taken out of the password, it left "vang" and six hex digits,
    # too weak whenever the digits were all numbers)
    new_password = f"Vang-sao-Bien-{secrets.token_hex(3)}-Lua"
    fill(tab, {"current_password": "Khong-phai-mat-khau-1", "new_password": new_password})
    fill(tab, {"new_password_again": new_password})
    tab.button(_("Change the password")).click()
    assert invalid(tab, "current_password")
    assert value_of(tab, "current_password") == "" and value_of(tab, "new_password") == ""
    tab.look("password-error")
    fill(tab, {"current_password": citizen["password"], "new_password": new_password})
    fill(tab, {"new_password_again": new_password})
    tab.button(_("Change the password")).click()
    assert tab.path == "/my/account"
    assert _("Your password is changed. You are logged out everywhere else.") in notice(tab)

    log_out(tab, "en")
    log_in(tab, "en", new_phone, new_password)  # the new phone number and password log in
    assert tab.path == "/my/dossiers"


def test_a_draft_is_left_and_resumed(open_browser, live):
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731
    tab = open_browser("vi")
    tab.page.on("dialog", lambda dialog: dialog.accept())  # "Delete this draft and its files?"
    citizen = person()
    register(tab, "vi", citizen)
    tab.link(_("Saved drafts")).click()
    assert tab.path == "/my/drafts"
    assert _("You have no saved draft.") in tab.text()
    tab.look("drafts-empty")

    # Start the birth registration: choose the unit, then leave on the form's step.
    tab.goto(f"/procedures/{BIRTH}")
    tab.link(_("Apply online")).first.click()
    tab.page.get_by_label(re.compile("^commune_a of Tỉnh Sigma")).check()
    tab.button(_("Save and continue")).click()
    assert tab.path == f"/procedures/{BIRTH}/apply/form"
    tab.link(_("My dossiers")).first.click()
    tab.link(_("Saved drafts")).click()

    # The draft is listed under its procedure, and "Continue" goes back to the step it was left on.
    rows = tab.page.locator("tbody tr")
    assert rows.count() == 1
    assert "Đăng ký khai sinh" in rows.first.inner_text()
    tab.look("drafts")
    rows.first.get_by_role("link", name=_("Continue"), exact=True).click()
    assert tab.path == f"/procedures/{BIRTH}/apply/form"
    assert value_of(tab, "applicant.full_name") == citizen["full_name"]
    tab.look("draft-resumed")
    tab.page.get_by_role("navigation", name=_("Steps of the application")).get_by_role("link").first.click()
    assert tab.page.get_by_label(re.compile("^commune_a of Tỉnh Sigma")).is_checked()  # the unit it chose

    # Deleting it (after a confirmation) empties the list.
    tab.link(_("Saved drafts")).click()
    tab.button(_("Delete")).click()
    assert _("The draft is deleted.") in notice(tab)
    assert _("You have no saved draft.") in tab.text()


def test_withdrawing_a_dossier_without_javascript(open_browser, live):
    _ = lambda msgid, **params: t("en", msgid, **params)  # noqa: E731
    tab = open_browser("en", javascript=False)
    api = tab.page.context.request
    citizen_api = {"Authorization": f"Bearer {live.tenant.citizen_token}", "Host": live.host}
    submitted = api.post(
        live.direct("/api/v1/dossiers"),
        data={
            "procedure_code": MARRIAGE,
            "receiving_unit_id": live.tenant.units["commune_a"],
            "channel": "online",
            "applicant": {"full_name": "Nguyễn Văn Dân", "citizen_id": "079090001111", "contact": "0912345678"},
            "form": MARRIAGE_FORM,
        },
        headers=citizen_api,
    )
    assert submitted.status == 201, submitted.text()
    code = submitted.json()["code"]

    tab.goto("/language/en?next=/")
    log_in(tab, "en", SEEDED, TEST_PASSWORD)
    tab.link(_("My dossiers")).first.click()
    tab.link(code).click()
    assert _("Submitted, awaiting intake") in tab.text()
    tab.page.get_by_role("link", name=_("Withdraw the dossier"), exact=True).click()
    assert tab.path == f"/my/dossiers/{code}/withdraw"
    assert tab.page.get_by_role("heading", level=1).inner_text() == _("Withdraw dossier %(code)s", code=code)
    tab.look("withdraw")

    # Without a reason: asked for, next to the field; nothing changes.
    tab.button(_("Withdraw the dossier")).click()
    assert invalid(tab, "reason") and _("Say why you withdraw the dossier.") in problems(tab)
    tab.look("withdraw-no-reason")
    tab.page.locator('[name="reason"]').fill("Tôi nộp nhầm thủ tục")
    tab.button(_("Withdraw the dossier")).click()

    # Back on the dossier: the request said, the status changed, no second withdrawal offered.
    assert tab.path == f"/my/dossiers/{code}"
    assert _("Your request to withdraw the dossier is sent. The office will confirm it.") in notice(tab)
    assert _("Withdrawal requested") in tab.text()
    assert tab.page.get_by_role("link", name=_("Withdraw the dossier"), exact=True).count() == 0
    tab.look("withdrawn")
    own = api.get(live.direct(f"/api/v1/my/dossiers/{code}"), headers=citizen_api).json()
    assert own["status"] == 7 and own["history"][-1]["comment"] == "Tôi nộp nhầm thủ tục"


def test_tracking_an_unknown_code_and_a_missing_page(open_browser):
    _ = lambda msgid, **params: t("en", msgid, **params)  # noqa: E731
    tab = open_browser("en")
    tab.goto("/language/en?next=/")
    tab.link(_("Track a dossier")).first.click()
    assert tab.path == "/track"
    tab.look("track")
    tab.field(_("Dossier code")).fill("G01-000000-9999")
    tab.button(_("Track")).click()
    assert tab.path == "/track/G01-000000-9999"
    message = _("No dossier has the code %(code)s. Check the code on your receipt.", code="G01-000000-9999")
    assert message in tab.page.get_by_role("alert").inner_text()
    assert tab.field(_("Dossier code")).input_value() == "G01-000000-9999"  # to correct, not retype
    assert invalid(tab, "code")
    tab.look("track-unknown")

    response = tab.goto("/no-such-page")
    assert response.status == 404
    assert tab.page.get_by_role("heading", level=1).inner_text() == _("Page not found")
    # the province's page still: its name, its menu and its contacts
    assert "Cổng dịch vụ công tỉnh Sigma" in tab.page.locator("header").inner_text()
    assert tab.page.get_by_role("navigation", name=_("Main")).is_visible()
    assert "1900 1234" in tab.page.locator("footer").inner_text()
    tab.look("not-found")
    tab.link(_("Go to the home page")).click()
    assert tab.path == "/"


def test_the_catalogue_filters_and_a_search_that_finds_nothing(open_browser):
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731
    tab = open_browser("vi", javascript=False)
    tab.goto("/")
    tab.page.get_by_role("navigation", name=_("Main")).get_by_role("link", name=_("Procedures")).click()
    assert tab.path == "/procedures"
    everything = tab.page.locator("ol.cards > li").count()
    assert everything > 2
    tab.look("catalogue")

    tab.page.locator('select[name="field"]').select_option("Hộ tịch")
    tab.page.locator('select[name="level"]').select_option("commune")
    tab.page.locator('select[name="online_mode"]').select_option("full")
    tab.button(_("Apply filters")).click()
    assert "field=" in tab.path and "level=commune" in tab.path and "online_mode=full" in tab.path
    found = tab.page.locator("ol.cards > li")
    names = found.locator("h2").all_inner_texts()
    assert "Đăng ký khai sinh" in names and "Đăng ký kết hôn" not in names  # partly online: filtered out
    assert 0 < len(names) < everything
    for card in found.all():
        text = card.inner_text()
        assert "Hộ tịch" in text and _("Commune level") in text and _("Fully online") in text
    assert re.search(rf"\b{len(names)}\b", tab.page.get_by_role("status").inner_text())
    # the filters stay chosen on the results
    assert tab.page.locator('select[name="level"]').input_value() == "commune"
    tab.look("catalogue-filtered")

    tab.goto("/procedures")
    tab.field(_("Search procedures")).fill("xyzzy plugh")
    tab.button(_("Search")).click()
    assert tab.page.locator("ol.cards > li").count() == 0
    assert re.search(r"\b0\b", tab.page.get_by_role("status").inner_text())
    assert tab.field(_("Search procedures")).input_value() == "xyzzy plugh"
    # what to do next, said in words, and a way back to every procedure
    advice = "No procedure matches your search. Check the spelling, try fewer or other words, or remove a filter."
    assert _(advice) in tab.text()
    tab.look("catalogue-nothing-found")
    tab.link(_("See all procedures")).click()
    assert tab.path == "/procedures" and tab.page.locator("ol.cards > li").count() == everything


def test_the_platform_page_and_the_language_switch(open_browser, live):
    tab = open_browser("vi")
    tab.goto("/", host=TEST_BASE_DOMAIN)
    assert tab.page.locator("html").get_attribute("lang") == "vi"
    assert tab.page.get_by_role("heading", level=2).first.inner_text() == t("vi", "Provinces served")
    sigma = tab.page.get_by_role("link", name="Cổng dịch vụ công tỉnh Sigma", exact=True)
    assert sigma.get_attribute("href") == live.url("/")
    tab.look("product")
    tab.link("English").click()
    assert tab.page.locator("html").get_attribute("lang") == "en"
    assert t("en", "Provinces served") in tab.text()
    tab.look("product-en")
    sigma.click()  # to the province's portal: its own host, in the language the person reads

    assert tab.page.url == live.url("/")
    assert tab.page.locator("html").get_attribute("lang") == "vi"  # the choice is per host (its cookie)
    tab.link("English").click()
    assert tab.page.locator("html").get_attribute("lang") == "en"
    tab.goto("/procedures")
    assert tab.page.locator("html").get_attribute("lang") == "en"  # remembered on the next page
    assert tab.link("English").get_attribute("aria-current") == "true"
    tab.link("Tiếng Việt").click()
    assert tab.path == "/procedures"  # back on the same page
    assert tab.page.locator("html").get_attribute("lang") == "vi"
    assert tab.page.get_by_role("heading", level=1).inner_text() == t("vi", "Procedures")
    assert tab.link("Tiếng Việt").get_attribute("aria-current") == "true"
    tab.look("back-in-vietnamese")
    tab.goto("/track")
    assert tab.page.locator("html").get_attribute("lang") == "vi"
