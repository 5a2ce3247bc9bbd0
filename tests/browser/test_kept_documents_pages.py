"""Documents given once in a real browser: a new citizen applies for a birth registration online; applying
again, the documents step offers what they gave before, and one is given again instead of uploaded; their
kept documents are listed (those the unfinished dossiers use cannot be removed yet). Looked at (axe-core,
375 and 1280 px)."""

from __future__ import annotations

import re

from browser_support import BIRTH_FORM, apply_for_birth_registration, fill, register, t


def test_a_document_given_before_is_offered_and_given_again(open_browser, live):
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731 - the page's own words
    tab = open_browser("vi")
    tab.goto("/")
    citizen = register(tab, "vi")
    first = apply_for_birth_registration(tab, "vi", citizen)
    page = tab.page

    # a second birth registration: the documents step offers what was given with the first
    tab.goto("/procedures/1.001193/apply")
    page.get_by_label(re.compile("^commune_a of Tỉnh Sigma")).check()
    tab.button(_("Save and continue")).click()
    fill(tab, BIRTH_FORM)
    tab.button(_("Save and continue")).click()
    assert tab.path.endswith("/apply/documents")
    # the identity paper is offered; the declaration, filled in for each application, is not
    assert page.locator("#document-0").get_by_label(_("Give again one you gave before")).count() == 0
    offered = page.locator("#document-2").get_by_label(_("Give again one you gave before"))
    assert first in offered.inner_text()
    tab.look("offered")
    page.locator("#document-2").get_by_role("button", name=_("Use this document"), exact=True).click()
    assert _("Given again from your documents") in page.locator("#document-2").inner_text()
    tab.look("given-again")

    tab.goto("/my/documents")
    assert "giay-to-2.pdf" in tab.text() and first in tab.text()
    # every kept document is used by the first dossier, not finished: none can be removed yet
    assert page.get_by_role("button", name=re.compile(_("Remove from my documents"))).count() == 0
    tab.look("my-documents")
