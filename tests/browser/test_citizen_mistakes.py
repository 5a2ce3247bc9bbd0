"""What goes wrong for a citizen applying online, in a real browser: a unit that does not receive the
procedure, a file that is not a document (and no file at all), and a session that expires in the middle
of a step. Each gives a clear message where the citizen is looking, and nothing entered is lost."""

from __future__ import annotations

import datetime as dt

import pytest
from browser_support import fill, register, t
from motcua_onestop.citizens.models import CitizenAccount, CitizenToken
from motcua_platform.db.base import utcnow
from sqlalchemy import select, update

BIRTH = "1.001193"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FORM = {
    "applicant.date_of_birth": "1991-05-06",
    "applicant.address": "3 Trần Phú, phường 1",
    "relationship": "me",
    "child_full_name": "Phạm Gia Bảo",
    "child_date_of_birth": "2026-11-28",
    "child_sex": "nu",
    "place_of_birth": "Trạm y tế xã",
    "mother_full_name": "Phạm Thị Hoa",
}


def expire_sessions(live, email: str) -> None:
    """The citizen's logins end now, as when a session outlives its lifetime."""
    with live.runtime.db.tenant_session(live.runtime.db.binding(live.tenant.slug)) as session:
        account = select(CitizenAccount.id).where(CitizenAccount.email == email).scalar_subquery()
        expired = update(CitizenToken).where(CitizenToken.citizen_id == account)
        assert session.execute(expired.values(expires_at=utcnow() - dt.timedelta(seconds=1))).rowcount == 1
        session.commit()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_wrong_unit_bad_upload_and_expired_session_each_say_why_and_lose_nothing(open_browser, live, language):
    _ = lambda msgid, **params: t(language, msgid, **params)  # noqa: E731 - the page's own words
    tab = open_browser(language)
    page = tab.page
    tab.goto("/")
    citizen = register(tab, language)
    tab.goto(f"/procedures/{BIRTH}/apply")

    # A unit that does not receive the procedure (a stale or altered page posts the department's id): the
    # step says which unit and why, next to the choices, and the draft keeps no unit.
    department = live.tenant.units["department"]
    page.locator('input[name="unit_id"]').first.evaluate(
        f"radio => {{ radio.value = '{department}'; radio.checked = true; }}"
    )
    tab.button(_("Save and continue")).click()
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert "department of Tỉnh Sigma" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"  # announced, and where focus is
    assert page.locator('input[name="unit_id"][aria-invalid="true"]').count() == 3
    tab.look("wrong-unit")
    assert tab.path.endswith("/apply")  # not moved on
    page.get_by_label("commune_a of Tỉnh Sigma", exact=False).first.check()
    tab.button(_("Save and continue")).click()
    assert tab.path.endswith("/apply/form")

    # The form, saved; then a session that has expired when the citizen presses "continue".
    fill(tab, FORM)
    tab.button(_("Save and continue")).click()
    assert tab.path.endswith("/apply/documents")
    tab.goto(f"/procedures/{BIRTH}/apply/form")  # back to the form (by its address: no history to rely on)
    fill(tab, {"child_full_name": "Phạm Gia Huy", "place_of_birth": "Bệnh viện huyện"})  # a correction …
    expire_sessions(live, citizen["email"])
    tab.button(_("Save and continue")).click()  # … posted after the session ended
    assert tab.path.startswith("/login")
    assert "Your session has ended" in tab.text() or "phiên" in tab.text().lower()
    tab.look("session-expired")
    fill(tab, {"login": citizen["email"], "password": citizen["password"]})
    tab.button(_("Log in")).click()
    assert tab.path.endswith("/apply/form"), tab.path
    assert page.locator('[name="child_full_name"]').input_value() == "Phạm Gia Huy"  # the correction is back
    assert page.locator('[name="place_of_birth"]').input_value() == "Bệnh viện huyện"
    assert page.locator('[name="mother_full_name"]').input_value() == FORM["mother_full_name"]  # and the rest
    tab.look("session-restored")
    tab.button(_("Save and continue")).click()

    # Documents: one uploaded, then a program renamed .pdf, then no file at all. Each refusal is said at
    # the document concerned; the document already uploaded stays.
    first = page.locator("#document-0")
    first.locator('input[type="file"]').set_input_files(
        {"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    first.get_by_role("button", name=_("Upload"), exact=True).click()
    page.locator("#document-0").get_by_text("to-khai.pdf").wait_for()
    second = page.locator("#document-1")
    second.locator('input[type="file"]').set_input_files(
        {"name": "giay-chung-sinh.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00 a Windows program"}
    )
    second.get_by_role("button", name=_("Upload"), exact=True).click()
    error = page.locator("#error-file-1")
    error.wait_for()
    assert page.locator("#field-file-1").get_attribute("aria-invalid") == "true"
    assert "PDF" in error.inner_text()
    assert "to-khai.pdf" in page.locator("#document-0").inner_text()  # the first document is still there
    tab.look("bad-upload")
    page.locator("#document-2").get_by_role("button", name=_("Upload"), exact=True).click()
    page.locator("#error-file-2").wait_for()

    # The review lists what is missing, with links to it; nothing can be submitted yet, nothing was lost.
    tab.goto(f"/procedures/{BIRTH}/apply/review")
    shown = tab.text()
    assert "Phạm Gia Huy" in shown and "to-khai.pdf" in shown and citizen["full_name"] in shown
    assert tab.button(_("Submit the dossier")).count() == 0
    tab.look("review-incomplete")
