"""The vendor console in a real browser, on the platform host: an operator logs in, creates a province,
watches its provisioning finish on the progress page while the job runs (the page's script redraws it: no
reload, no navigation), then suspends the province after confirming. Every page is checked with axe-core
and photographed at 375 and 1280 px (browser_support.Tab.look)."""

from __future__ import annotations

import secrets
import threading

import pytest
from browser_support import fill, t
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, TEST_PASSWORD
from motcua_platform.directory.models import Tenant
from sqlalchemy import delete, text

SLUG = "omega"


@pytest.fixture
def omega(live):
    """The province the test creates is removed afterwards (schema, role, row): the rest of the run never
    sees it."""
    yield SLUG
    db = live.runtime.db
    binding = db.binding(SLUG)
    with db.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{binding.schema}" CASCADE'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))
        conn.execute(delete(Tenant).where(Tenant.slug == SLUG))
    live.app.extensions["motcua"].resolver.invalidate()


def run_worker_in_background(live) -> threading.Thread:
    """The job worker, as `motcua worker` would run it, in a thread of its own (Playwright's sync API keeps
    an event loop in this one); it works off what is queued, then stops."""
    worker = threading.Thread(
        target=live.runtime.jobs.run_worker, kwargs={"wait": False, "context": {"runtime": live.runtime}}
    )
    worker.start()
    return worker


def test_an_operator_creates_a_province_watches_it_provision_and_suspends_it(open_browser, live, seeded, omega):
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    tab = open_browser(language)
    tab.goto("/operator/tenants", host=TEST_BASE_DOMAIN)
    assert tab.path == "/operator/login?next=/operator/tenants"
    tab.look("login")
    fill(tab, {"email": "ops@vendor.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()

    assert tab.path == "/operator/tenants"
    assert "sigma" in tab.text()
    tab.look("tenants")

    tab.link(_("Create a tenant")).click()
    assert tab.path == "/operator/tenants/new"
    tab.look("create")
    fill(
        tab,
        {
            "slug": SLUG,
            "name": "Tỉnh Omega",
            "display_name": "Cổng dịch vụ công tỉnh Omega",
            "unit_code": "000.00.00.O01",
            "domains": "dichvucong.omega.gov.vn",
        },
    )
    tab.button(_("Create and provision")).click()

    assert tab.path.startswith(f"/operator/tenants/{SLUG}/jobs/")
    status = tab.page.locator('[data-job="status"]')
    assert status.inner_text() == _("Waiting for a worker")
    # the script took over: the no-JavaScript "Refresh" link is hidden while the page keeps itself current
    tab.page.locator('[data-job="refresh"]').wait_for(state="hidden")
    tab.page.evaluate("window.stillTheSamePage = true")  # gone if the page reloaded or navigated
    navigations: list[str] = []
    tab.page.on("framenavigated", lambda frame: navigations.append(frame.url))

    worker = run_worker_in_background(live)
    status.filter(has_text=_("Finished")).wait_for(timeout=60_000)
    worker.join(timeout=60)

    assert tab.page.evaluate("window.stillTheSamePage") is True and navigations == []
    assert tab.page.locator('[data-job="bar"]').evaluate("bar => bar.value") == 100
    assert tab.page.locator('[data-job="tenant-status"]').inner_text() == _("Active")
    assert tab.page.locator('.job-steps [data-state="done"]').count() == tab.page.locator(".job-steps li").count()
    tab.look("provisioned")

    tab.link(_("Open the tenant")).click()
    assert tab.path == f"/operator/tenants/{SLUG}"
    assert "dichvucong.omega.gov.vn" in tab.text()
    tab.look("tenant")

    tab.link(_("Suspend")).click()
    assert tab.path == f"/operator/tenants/{SLUG}/suspend"
    tab.look("suspend")
    fill(tab, {"reason": "Hết hạn hợp đồng"})
    tab.button(_("Suspend")).click()
    assert tab.path == f"/operator/tenants/{SLUG}"
    assert _("Suspended") in tab.page.locator("dl.facts").inner_text()

    # the province's own address now answers that it is unavailable
    answer = tab.page.context.request.get(live.direct("/api/v1/portal"), headers={"Host": f"{SLUG}.{TEST_BASE_DOMAIN}"})
    assert answer.status == 503


def test_an_admin_manages_plugins_operators_and_reads_the_audit_trail(open_browser, live, seeded):
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    tab = open_browser(language, width=1280)
    tab.goto("/operator/login", host=TEST_BASE_DOMAIN)
    fill(tab, {"email": "admin@vendor.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    assert tab.path == "/operator/tenants"

    tab.goto(f"/operator/tenants/{live.tenant.slug}/plugins", host=TEST_BASE_DOMAIN)
    boxes = tab.page.locator('input[name="plugin"]')
    assert boxes.count() >= 1
    tab.look("plugins")
    tab.button(_("Save")).click()
    assert tab.path == f"/operator/tenants/{live.tenant.slug}/plugins"

    tab.link(_("Operators")).click()
    assert tab.path == "/operator/operators"
    tab.look("operators")
    tab.link(_("Create an operator account")).click()
    tab.look("operator-new")
    email = f"browser.{secrets.token_hex(3)}@vendor.test"
    fill(tab, {"email": email, "full_name": "Nhân viên Thử", "role": "finance"})
    tab.button(_("Create account")).click()
    password = tab.page.locator("[data-temporary-password]").inner_text()
    assert len(password) == 24
    tab.look("operator-created")

    tab.link(_("Audit")).click()
    fill(tab, {"action": "operator.create"})
    tab.button(_("Filter")).click()
    assert "action=operator.create" in tab.path
    assert "admin@vendor.test" in tab.page.locator("table").inner_text()
    tab.look("audit")


@pytest.fixture
def alpha_merged(live, seeded):
    """alpha recorded as merged into beta (the control step of a merge, ADR 0060), put back afterwards."""
    import datetime as dt

    from motcua_app.testing.seed import SEED_ACTOR
    from motcua_tenants.merges.control import record_merge
    from sqlalchemy import select

    db = live.runtime.db
    with db.control_session() as session:
        ids = dict(session.execute(select(Tenant.slug, Tenant.id)).all())
        record_merge(session, source_id=ids["alpha"], target_id=ids["beta"], on=dt.date(2026, 7, 1), actor=SEED_ACTOR)
        session.commit()
    live.app.extensions["motcua"].resolver.invalidate()
    yield
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE control.tenants SET status = 'active', merged_into_id = NULL, merged_on = NULL "
                "WHERE slug = 'alpha'"
            )
        )
    live.app.extensions["motcua"].resolver.invalidate()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_an_operator_sees_where_a_merged_province_went(open_browser, live, seeded, alpha_merged, language):
    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    tab = open_browser(language)
    tab.goto("/operator/tenants", host=TEST_BASE_DOMAIN)
    fill(tab, {"email": "ops@vendor.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    assert tab.path == "/operator/tenants"
    beta = seeded["beta"]
    with live.runtime.db.control_session() as session:
        target = session.scalar(select_tenant("beta"))
    listed = tab.text()
    # the date is written the language's way (1 Jul 2026, 01/07/2026): what comes before it is the sentence
    merged_into = _("merged into %(name)s on %(date)s", name=target.display_name, date="\0").split("\0")[0]
    assert merged_into in listed and "2026" in listed.split(merged_into, 1)[1][:20], listed
    tab.look(f"merged-list-{language}")

    tab.goto("/operator/tenants/alpha", host=TEST_BASE_DOMAIN)
    shown = tab.page.locator("#merged-into").inner_text()
    assert target.display_name in shown and "2026" in shown and "beta" in shown, shown
    tab.look(f"merged-tenant-{language}")
    tab.page.locator("#merged-into a").click()
    assert tab.path == "/operator/tenants/beta" and beta.slug == "beta"


def select_tenant(slug: str):
    from sqlalchemy import select

    return select(Tenant).where(Tenant.slug == slug)
