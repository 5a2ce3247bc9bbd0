"""What the browser tests do on every page: check it with axe-core, photograph it at a phone's and a
desktop's width, and find things on it the way a person does (by their visible label and role), in the
page's language."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from motcua_platform import i18n
from playwright.sync_api import Page

WIDTHS = (375, 1280)
# Violations a page may not have (axe's impact levels "serious" and "critical": WCAG 2.1 A/AA failures
# that stop someone from using the page). Moderate and minor ones are reported, not failed.
BLOCKING = ("serious", "critical")
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}
ROOT = Path(__file__).resolve().parents[2]
_axe = Axe()


def artefacts() -> Path:
    """Where screenshots go: ``MOTCUA_ARTEFACTS`` or ``artefacts/browser`` in the checkout (git-ignored)."""
    folder = Path(os.environ.get("MOTCUA_ARTEFACTS") or ROOT / "artefacts" / "browser")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def t(language: str, msgid: str, **params) -> str:
    """``msgid`` as the portal shows it in ``language`` (the same catalogues the pages render from)."""
    text = i18n.translations(language).gettext(msgid)
    return text % params if params else text


class Tab:
    """One browser profile's page on the live site, with the checks every page gets."""

    def __init__(self, page: Page, live, test_name: str, checker: Page | None = None):
        self.page = page
        self.live = live
        # axe-core is a script: on a page with JavaScript off it cannot run, so the same HTML is served
        # at the same address to ``checker``, a page with JavaScript on, and checked there.
        self.checker = checker
        self.test_name = re.sub(r"[^A-Za-z0-9_-]+", "-", test_name).strip("-")
        self.problems: list[str] = []
        self.looked: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: script error {error}"))

    def _console(self, message) -> None:
        # A CSP violation or a failed script is logged as a console error; a 4xx/5xx answer a test asks for
        # on purpose ("Failed to load resource") is not a problem of the page.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.problems.append(f"{self.page.url}: console error {message.text}")

    # -- navigation -------------------------------------------------------------------------------
    def goto(self, path: str, host: str | None = None):
        return self.page.goto(self.live.url(path, host))

    @property
    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    # -- the checks every page gets ---------------------------------------------------------------
    def look(self, name: str) -> None:
        """axe-core at both widths (no serious or critical violation) and a full-page screenshot at each,
        saved as ``<test>--<name>-<width>.png``."""
        page = self.page
        original = page.viewport_size
        folder = artefacts()
        try:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 800})
                page.screenshot(path=str(folder / f"{self.test_name}--{name}-{width}.png"), full_page=True)
                self.assert_accessible(f"{name} at {width} px")
        finally:
            page.set_viewport_size(original)
        self.looked.append(name)

    def assert_accessible(self, where: str) -> None:
        page = self.page if self.checker is None else self._copy_to_checker()
        response = _axe.run(page, options=AXE_OPTIONS).response
        blocking = [v for v in response["violations"] if v.get("impact") in BLOCKING]
        assert not blocking, f"axe-core on {where} ({self.page.url}):\n" + "\n".join(
            f"- {v['impact']}: {v['id']} {v['help']} ({len(v['nodes'])} element(s), first: {v['nodes'][0]['target']})"
            for v in blocking
        )

    def _copy_to_checker(self) -> Page:
        html, url, checker = self.page.content(), self.page.url, self.checker
        checker.set_viewport_size(self.page.viewport_size)
        checker.route(url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))
        try:
            checker.goto(url)
        finally:
            checker.unroute(url)
        return checker

    # -- finding things as a person does ------------------------------------------------------------
    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    def link(self, name: str):
        return self.page.get_by_role("link", name=name, exact=True)

    def field(self, label: str):
        return self.page.get_by_label(label, exact=True)

    def text(self) -> str:
        return self.page.inner_text("body")

    def fetch(self, path: str):
        """GET ``path`` with this browser's cookies, as following a link to a file does (the body to check,
        where the browser would save or display it)."""
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in self.page.context.cookies(self.page.url))
        return self.page.context.request.get(
            self.live.direct(path), headers={"Host": self.live.host, "Cookie": cookies}
        )


# -- the province's contract (the sigma_contract fixture) ---------------------------------------------
QUOTA = 1000  # dossiers a billing period, so that a test crosses 80 % with a few hundred events
PROVINCE_EMAIL = "taichinh@sigma.gov.vn"  # sigma's billing account


# -- what a citizen does on many pages ---------------------------------------------------------------
def person() -> dict[str, str]:
    """A new citizen: an e-mail, a telephone and an identity number no one has used."""
    tag = secrets.token_hex(4)
    return {
        "full_name": "Lê Văn Dũng",
        "email": f"dung.{tag}@example.vn",
        "phone": f"09{secrets.randbelow(10**8):08d}",
        "national_id": f"0790{secrets.randbelow(10**8):08d}",
        "password": f"Hoa-sen-No-{tag}-Tim",
    }


def fill(tab: Tab, values: dict[str, str]) -> None:
    """Type into (or choose in) the form controls named by ``values``' keys."""
    for name, value in values.items():
        element = tab.page.locator(f'[name="{name}"]')
        if element.evaluate("e => e.tagName") == "SELECT":
            element.select_option(value)
        else:
            element.fill(value)


def register(tab: Tab, language: str, *, look: bool = False) -> dict[str, str]:
    """Create an account through the registration page (from the menu); the browser is then logged in."""
    citizen = person()
    tab.link(t(language, "Register")).first.click()
    if look:
        tab.look("register")
    fill(tab, {name: citizen[name] for name in ("full_name", "email", "phone", "national_id", "password")})
    fill(tab, {"password_again": citizen["password"]})
    tab.button(t(language, "Create the account")).click()
    assert tab.path == "/my/dossiers", tab.text()
    return citizen


BIRTH_FORM = {  # the birth registration form, beyond what the profile fills in
    "applicant.date_of_birth": "1990-01-02",
    "applicant.address": "12 Lê Lợi, phường Bến Nghé",
    "relationship": "cha",
    "child_full_name": "Nguyễn Minh An",
    "child_date_of_birth": "2026-11-20",
    "child_sex": "nam",
    "place_of_birth": "Bệnh viện Đa khoa tỉnh Sigma",
    "mother_full_name": "Trần Thị Bình",
}
SCAN_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SCAN_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def apply_for_birth_registration(tab: Tab, language: str, citizen: dict[str, str], *, look: bool = False) -> str:
    """From the home page, as a logged-in citizen: search without accents, the procedure, the wizard (commune
    A, the form, every document uploaded, the review) and submit; the dossier's code."""
    _ = lambda msgid, **params: t(language, msgid, **params)  # noqa: E731 - the page's own words
    page = tab.page
    tab.link(_("Home")).first.click()
    tab.field(_("Search procedures")).fill("dang ky khai sinh")
    tab.button(_("Search")).click()
    assert tab.path.startswith("/procedures?")
    if look:
        tab.look("search")
    tab.link("Đăng ký khai sinh" if language == "vi" else "Birth registration").click()
    assert tab.path == "/procedures/1.001193"
    if look:
        tab.look("procedure")
    # where to submit (only the units that receive it are offered) …
    tab.link(_("Apply online")).first.click()
    if look:
        tab.look("apply-unit")
    page.get_by_label(re.compile("^commune_a of Tỉnh Sigma")).check()
    tab.button(_("Save and continue")).click()
    # … the form, with what the profile knows already filled in …
    assert page.locator('[name="applicant.full_name"]').input_value() == citizen["full_name"]
    assert page.locator('[name="applicant.citizen_id"]').input_value() == citizen["national_id"]
    if look:
        tab.look("apply-form")
    fill(tab, BIRTH_FORM)
    tab.button(_("Save and continue")).click()
    # … each document uploaded (with JavaScript through the progress bar, without it as a plain form) …
    assert tab.path.endswith("/apply/documents")
    if look:
        tab.look("apply-documents")
    sections = page.locator("section.card")
    for index in range(sections.count()):
        section = page.locator(f"#document-{index}")
        body, kind, name = (
            (SCAN_PNG, "image/png", f"giay-to-{index}.png")
            if index == 1
            else (SCAN_PDF, "application/pdf", f"giay-to-{index}.pdf")
        )
        section.locator('input[type="file"]').set_input_files({"name": name, "mimeType": kind, "buffer": body})
        section.get_by_role("button", name=_("Upload"), exact=True).click()
        page.locator(f"#document-{index}").get_by_text(name).wait_for()
    tab.link(_("Continue to review")).click()
    # … reviewed and submitted.
    assert citizen["full_name"] in tab.text() and BIRTH_FORM["child_full_name"] in tab.text()
    if look:
        tab.look("apply-review")
    tab.button(_("Submit the dossier")).click()
    code = page.locator(".notice .status").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9.-]+", code), code
    return code


# -- what happens on the office's side, through the real API ------------------------------------------
class Office:
    """An officer of the live province acting through the JSON API over HTTP (the officer's console does not
    cover it all yet): the receipt, the supplement request and the result the citizen then sees on the
    portal. Playwright sends these from its driver, which does not share chromium's host map: they go to
    127.0.0.1 with the province's Host header."""

    def __init__(self, request_context, live, token: str):
        self.http = request_context
        self.live = live
        self.headers = {"Authorization": f"Bearer {token}", "Host": live.host}

    def dossier(self, code: str) -> dict:
        response = self.http.get(self.live.direct(f"/api/v1/dossiers/{code}"), headers=self.headers)
        assert response.ok, response.text()
        return response.json()

    def move(self, code: str, to_status: int, comment: str | None = None) -> dict:
        version = self.dossier(code)["version"]
        body = {"to_status": to_status} | ({"comment": comment} if comment else {})
        response = self.http.post(
            self.live.direct(f"/api/v1/dossiers/{code}/transitions"),
            data=body,
            headers={**self.headers, "If-Match": f'"{version}"'},
        )
        assert response.ok, response.text()
        return response.json()

    def attach_result(self, code: str, name: str, body: bytes) -> dict:
        response = self.http.post(
            self.live.direct(f"/api/v1/dossiers/{code}/documents"),
            multipart={"kind": "result", "file": {"name": name, "mimeType": "application/pdf", "buffer": body}},
            headers=self.headers,
        )
        assert response.status == 201, response.text()
        return response.json()


def qr_payload(pdf: bytes, folder: Path) -> str:
    """What the QR code printed on ``pdf`` says, read as a phone would: the page's images taken out with
    poppler's pdfimages and decoded by zbar's zbarimg."""
    source = folder / "form.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdfimages", "-png", str(source), str(folder / "image")], check=True)
    images = sorted(folder.glob("image-*.png"))
    assert images, "the PDF carries no image"
    found = subprocess.run(["zbarimg", "--quiet", "--raw", *map(str, images)], capture_output=True, text=True)
    codes = found.stdout.splitlines()
    assert len(codes) == 1, f"expected one QR code on the form, zbarimg read {codes!r} ({found.stderr})"
    return codes[0]
