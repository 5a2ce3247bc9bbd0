"""Two officers on the same dossier in real browsers: one claims its current step, the other, still looking at
the page drawn before, tries too and gets "someone else changed this dossier" with the dossier as it is now
(nothing changed); the step actions the second may no longer take are not shown, and a form forged for
them anyway is refused. Then the first officer completes the step, extends the due date with an apology,
uploads a scanned paper and comments. The inbox on a phone shows its rows as cards, never wider than the
screen. Every page is checked with axe-core and photographed at 375 and 1280 px (browser_support.Tab.look)."""

from __future__ import annotations

from browser_support import Office, fill, t
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from test_officer_workspace import submit_online

FIRST_STEP = "Tiếp nhận, kiểm tra hồ sơ"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def log_in(tab, email: str, language: str) -> None:
    tab.goto("/console/login")
    fill(tab, {"email": email, "password": TEST_PASSWORD})
    tab.button(t(language, "Log in")).click()
    assert tab.path == "/console"


def fits_the_screen(tab) -> bool:
    """No sideways scrolling of the page."""
    return tab.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def forged(tab, code: str, path: str, data: dict):
    """POST a form the page does not show, with this browser's session and the page's CSRF token."""
    token = tab.page.locator('input[name="csrf_token"]').first.input_value()
    version = tab.page.locator('input[name="version"]').first.input_value()
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in tab.page.context.cookies(tab.page.url))
    return tab.page.context.request.post(
        tab.live.direct(f"/console/dossiers/{code}{path}"),
        form={"csrf_token": token, "version": version, **data},
        headers={"Host": tab.live.host, "Cookie": cookies, "Referer": tab.page.url},
        max_redirects=0,
    )


def test_two_officers_on_one_dossier(open_browser, live):
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    first = open_browser(language)
    second = open_browser(language, width=1280)
    code = submit_online(first, live)
    office = Office(first.page.context.request, live, live.tenant.tokens["officer"])
    office.move(code, 2)
    office.move(code, 4)  # processing: the first step is open, nobody has it yet

    log_in(first, f"officer@{live.tenant.slug}.test", language)
    assert fits_the_screen(first)  # 375 px: the rows are cards
    tab_row = first.page.locator("tbody tr").filter(has_text=code)
    assert _("Being processed") in tab_row.inner_text()
    first.look("inbox")

    log_in(second, f"commune_admin@{live.tenant.slug}.test", language)
    second.goto(f"/console/dossiers/{code}")
    assert second.button(_("Claim this step")).is_visible()  # drawn now, at version 3

    first.link(code).click()
    assert FIRST_STEP in first.text() and _("Nobody has claimed it yet") in first.text()
    assert fits_the_screen(first)
    first.look("dossier")
    first.button(_("Claim this step")).click()
    assert _("You claimed step %(number)s: %(name)s.", number=1, name=FIRST_STEP) in first.text()
    first.look("claimed")

    # the second officer's page is stale: nothing is written, and the page says why
    second.button(_("Claim this step")).click()
    changed = _(
        "Someone else changed this dossier while you had it open, so nothing was changed. "
        "Here is its current state: check it, then do it again if you still need to."
    )
    assert changed in second.page.get_by_role("alert").first.inner_text()
    steps = second.page.locator("#steps")
    assert "officer " in steps.inner_text()  # the step as it is now: the first officer has it
    assert second.button(_("Claim this step")).count() == 0 and second.button(_("Complete this step")).count() == 0
    second.look("conflict")
    assert office.dossier(code)["version"] == 4
    # completing a step someone else claimed is not shown to the second, and a forged form is refused
    refused = forged(second, code, "/steps/complete", {"step_comment": "xong"})
    assert refused.status == 403
    assert office.dossier(code)["version"] == 4

    # the first officer completes the step, extends the due date and leaves a comment
    fill(first, {"step_comment": "Hồ sơ đủ, chuyển thẩm định"})
    first.button(_("Complete this step")).click()
    assert _("Step %(number)s is complete: %(name)s.", number=1, name=FIRST_STEP) in first.text()
    assert office.dossier(code)["current_step"] == "Công chức tư pháp - hộ tịch thẩm định"  # the second step

    first.page.get_by_text(_("Extend the due date, with an apology to the applicant")).click()
    fill(first, {"working_days": "2", "reason": "Chờ xác minh nơi cư trú", "apology": "Rất mong ông bà thông cảm."})
    first.button(_("Extend the due date")).click()
    assert first.link(_("Apology and new appointment (form 04)")).is_visible()
    assert office.dossier(code)["extended_due_at"]

    first.page.get_by_text(_("Upload a document"), exact=True).click()
    first.page.locator('select[name="component"]').select_option("0")
    first.page.locator('input[name="file"]').set_input_files(
        {"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    first.page.locator('input[name="digitised"]').check()
    first.page.locator("form:has(input[name='digitised'])").get_by_role("button", name=_("Upload")).click()
    first.page.locator("#documents a", has_text="to-khai.pdf").wait_for()  # enhance.js sends it, then reloads
    documents = first.page.locator("#documents").inner_text()
    assert "to-khai.pdf" in documents and _("Scanned from paper") in documents

    fill(first, {"new_comment": "Đã gọi điện cho người nộp hồ sơ."})
    first.button(_("Add the comment")).click()
    comments = first.page.locator("#comments").inner_text()
    assert "Đã gọi điện cho người nộp hồ sơ." in comments and "officer " in comments
    history = first.page.locator("section", has=first.page.locator("#history-title")).inner_text()
    assert "staff:" not in history and _("Step completed") in history
    assert fits_the_screen(first)
    first.look("after")
