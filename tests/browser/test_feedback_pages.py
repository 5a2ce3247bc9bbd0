"""Feedback and complaints in a real browser: a visitor of Sigma's portal sends feedback without an account
(told first what is missing), keeps the private link; the province's admin assigns it, answers it and
publishes it without the person's details, from the console; the person reads the answer through the link
and rates it; anyone reads the published answer. In English without JavaScript, the form's errors. Looked
at (axe-core, 375 and 1280 px) at each step."""

from __future__ import annotations

import re

from browser_support import fill, t
from motcua_app.testing.pytest_plugin import TEST_PASSWORD

LINK = re.compile(r"https?://[^/\s]+(/feedback/t/[A-Za-z0-9_\-]+)")


def test_feedback_from_the_portal_to_the_published_answer(open_browser, live):
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731 - the page's own words
    tab = open_browser("vi")
    tab.goto("/")
    tab.link(_("Feedback")).click()
    assert tab.path == "/feedback"
    tab.look("list")
    tab.link(_("Send feedback")).click()
    tab.button(_("Send")).click()
    assert _("There is a problem") in tab.text() and _("Choose what it is about.") in tab.text()
    tab.look("errors")
    tab.field(_("Recommendation (kiến nghị)")).check()
    tab.field(_("What is it about?") + " (" + _("required") + ")").select_option("other")
    fill(tab, {"title": "Kéo dài giờ làm việc", "name": "Trần Thị Bình", "contact": "binh@example.vn",
               "content": "Đề nghị bộ phận một cửa làm việc thêm sáng thứ Bảy. Liên hệ: binh@example.vn"})  # fmt: skip
    tab.button(_("Send")).click()
    assert _("Feedback sent") in tab.text()
    link = LINK.search(tab.text()).group(1)
    tab.look("sent")

    office = open_browser("vi", width=1280)
    office.goto("/console/feedback")
    fill(office, {"email": f"admin@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    office.button(_("Log in")).click()
    assert office.path == "/console/feedback"
    office.link(_("Feedback")).first.click()
    office.page.get_by_role("row").filter(has_text="Kéo dài giờ làm việc").get_by_role("link").click()
    assert "Trần Thị Bình" in office.text()  # the office sees who wrote
    office.look("item")
    office.field(_("Unit that handles it") + " (" + _("required") + ")").select_option(label="commune_a of Tỉnh Sigma")
    office.button(_("Assign")).click()
    assert _("Saved.") in office.text()
    office.field(_("Answer") + " (" + _("required") + ")").fill("Từ tháng 1, bộ phận một cửa làm việc sáng thứ Bảy.")
    office.button(_("Send the answer")).click()
    published_text = office.field(_("Published text of the feedback") + " (" + _("required") + ")")
    assert "binh@example.vn" not in published_text.input_value()  # taken out for the officer
    office.look("publish")
    office.button(_("Publish")).click()
    assert _("Saved.") in office.text() and _("Answered and published") in office.text()

    tab.goto(link)
    assert "Từ tháng 1, bộ phận một cửa làm việc sáng thứ Bảy." in tab.text()
    tab.field(_("Satisfied")).check()
    tab.button(_("Send my rating")).click()
    assert _("Thank you for your rating.") in tab.text()
    tab.look("rated")

    tab.goto("/feedback")
    tab.link("Kéo dài giờ làm việc").click()
    assert "Từ tháng 1, bộ phận một cửa làm việc sáng thứ Bảy." in tab.text()
    assert "Trần Thị Bình" not in tab.text() and "binh@example.vn" not in tab.text()
    tab.look("published")


def test_the_feedback_form_in_english_without_javascript(open_browser, live):
    tab = open_browser("en", javascript=False, width=1280)
    tab.goto("/feedback/new")
    fill(tab, {"title": "Queue", "content": "Long queue.", "name": "A", "contact": "a@example.vn"})
    tab.button("Send").click()
    assert "Choose what it is about." in tab.text()
    assert tab.page.locator('[name="content"]').input_value() == "Long queue."  # what was typed stays
    tab.look("errors-en")
