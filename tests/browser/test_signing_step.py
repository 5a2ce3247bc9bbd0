"""The leader signs a dossier's result from the console in a real browser (ADR 0062): the "Ký số" button on the
current step that needs the leader's own signature, checked with axe-core and photographed at 375 and 1280 px
before and after signing; after it, the step says who signed and when. Keys and certificates come from the
tests' certificate authority (tests/signing_ca.py)."""

from __future__ import annotations

import pytest
from browser_support import Office, fill, t
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers.forms.rendering import html_to_pdf, render_html
from motcua_onestop.dossiers.forms.samples import sample_context
from motcua_platform.audit.services import Actor
from motcua_platform.rendering.pdf import find_font
from motcua_platform.signatures import registry
from signing_ca import SigningCA, signing_keys
from sqlalchemy import select

MARRIAGE = "1.000894"
ADMIN = Actor("staff", None, "test")


@pytest.fixture
def signing_province(live, monkeypatch):
    """Sigma's marriage procedure with the leader's signature at step 3 (for the test only: the other browser
    tests use the same procedure), the leader's certificate registered and the key in signing.toml."""
    ca = SigningCA("http://127.0.0.1:9/")
    keys = signing_keys(live.tenant.slug, officers={f"commune_admin@{live.tenant.slug}.test": ca.officer})
    monkeypatch.setattr(live.runtime, "config", live.runtime.config.with_overrides(signing_keys_dir=keys))
    db = live.runtime.db
    with db.tenant_session(db.binding(live.tenant.slug)) as session:
        procedure = session.scalars(select(Procedure).where(Procedure.code == MARRIAGE)).one()
        original = [dict(step) for step in procedure.workflow]
        changed = [dict(step) for step in original]
        changed[2] |= {"role": "tenant_admin", "signature": "personal"}
        procedure.workflow = changed
        registry.register_officer_certificate(
            session, ca.officer.pem, staff_id=live.tenant.staff["commune_admin"], actor=ADMIN, now=ca.now
        )
        session.commit()
    yield ca
    with db.tenant_session(db.binding(live.tenant.slug)) as session:
        session.scalars(select(Procedure).where(Procedure.code == MARRIAGE)).one().workflow = original
        session.commit()


def test_the_leader_signs_the_result_from_the_console(open_browser, live, signing_province):
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    tab = open_browser(language, javascript=False)
    http = tab.page.context.request
    citizen = {"Host": live.host, "Authorization": f"Bearer {live.tenant.citizen_token}"}
    body = {
        "procedure_code": MARRIAGE,
        "receiving_unit_id": live.tenant.units["commune_a"],
        "channel": "online",
        "applicant": {"full_name": "Trần Văn Chồng", "citizen_id": "079090001111", "contact": "0901234567"},
        "form": {
            "husband_full_name": "Trần Văn Chồng",
            "husband_citizen_id": "079090001111",
            "husband_date_of_birth": "1990-01-01",
            "wife_full_name": "Lê Thị Vợ",
            "wife_citizen_id": "079092002222",
            "wife_date_of_birth": "1992-02-02",
            "residence": "Xã A",
        },
    }
    submitted = http.post(live.direct("/api/v1/dossiers"), data=body, headers=citizen)
    assert submitted.status == 201, submitted.text()
    code = submitted.json()["code"]

    clerk = Office(http, live, live.tenant.tokens["officer"])
    leader = Office(http, live, live.tenant.tokens["commune_admin"])
    clerk.move(code, 2)
    clerk.move(code, 4)
    for office, actions in ((clerk, ("claim", "complete", "claim", "complete")), (leader, ("claim",))):
        for action in actions:
            version = office.dossier(code)["version"]
            answer = http.post(
                live.direct(f"/api/v1/dossiers/{code}/steps/current/{action}"),
                data={"comment": "Đã xử lý"} if action == "complete" else {},
                headers={**office.headers, "If-Match": f'"{version}"'},
            )
            assert answer.ok, answer.text()
    pdf = html_to_pdf(render_html("01", sample_context("01")), find_font(), title="Kết quả", creator="Motcua Cloud")
    clerk.attach_result(code, "giay-chung-nhan-ket-hon.pdf", pdf)

    tab.goto("/console/login")
    fill(tab, {"email": f"commune_admin@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    tab.goto(f"/console/dossiers/{code}#steps")
    assert _("Needs the personal digital signature of the officer") in tab.text()
    tab.look("sign-button")

    tab.button(_("Sign")).click(timeout=30_000)  # the server signs before it answers: slower on a busy machine
    assert tab.path.startswith(f"/console/dossiers/{code}")
    shown = tab.text()
    assert _("The result is signed at step %(number)s: %(name)s.", number=3, name="Lãnh đạo UBND xã ký") in shown
    assert _("Signed") in shown and signing_province.officer.name in shown
    assert tab.page.get_by_role("button", name=_("Sign"), exact=True).count() == 0
    tab.look("signed")
