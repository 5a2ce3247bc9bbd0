"""A real browser on a real server: Debian's chromium driven by Playwright, against the app served over
HTTP by a threaded WSGI server in this process, on the test run's PostgreSQL.

The site under test is a province of its own, ``sigma``, provisioned and seeded for real once per test
worker and branded through its API; the browser's pages commit their writes, so every test here is marked
``committed`` and nothing else in the run looks at ``sigma``. Chromium resolves every ``*.motcua.test``
host to 127.0.0.1 (``--host-resolver-rules``), so the portal answers on its own host name exactly as in
production, on the server's port.

Chromium is found at ``MOTCUA_CHROMIUM`` or /usr/bin/chromium. Without it these tests are skipped with the
command that installs it, except under CI (``CI`` set), where a missing browser fails the run:
``infra/bin/test`` installs it when it can.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, TEST_PASSWORD
from motcua_app.testing.seed import SeededTenant, seed_tenant
from motcua_platform.db.database import Database
from motcua_platform.runtime import Runtime
from werkzeug.serving import make_server

HERE = Path(__file__).parent
BROWSER_ARGS = [
    "--no-sandbox",
    f"--host-resolver-rules=MAP *.{TEST_BASE_DOMAIN} 127.0.0.1, MAP {TEST_BASE_DOMAIN} 127.0.0.1",
]
# Sigma's brand: what a province sets through PATCH /api/v1/branding, shown on every page.
BRAND = {
    "display_name": "Cổng dịch vụ công tỉnh Sigma",
    "primary_color": "#0b5d3b",
    "secondary_color": "#b7410e",
    "hotline": "1900 1234",
    "address": "Trung tâm Phục vụ hành chính công, 1 Quảng trường, tỉnh Sigma",
    "email": "motcua@sigma.example.vn",
    "footer": "Cơ quan chủ quản: Ủy ban nhân dân tỉnh Sigma.",
}


def pytest_collection_modifyitems(config, items):
    """Browser tests commit and run last. Their province stays in the database for the rest of the
    session (the billing tests list every tenant), and Playwright's sync API keeps an event loop running
    in the main thread until the session ends (the job worker tests start their own with asyncio.run).
    With xdist, load scheduling hands out items in this order, so nothing else runs after them either."""
    browser = [item for item in items if HERE in Path(item.path).parents]
    for item in browser:
        item.add_marker(pytest.mark.committed)
    items[:] = [item for item in items if HERE not in Path(item.path).parents] + browser


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_call = report.failed  # read by open_browser, to photograph what the test last saw
    return report


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("MOTCUA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if Path(path).is_file():
        return path
    message = "no chromium: `apt-get install -y chromium` (or set MOTCUA_CHROMIUM to a Chromium binary)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@dataclass
class LiveSite:
    """The server and the province behind it."""

    runtime: Runtime
    app: object
    port: int
    tenant: SeededTenant

    @property
    def host(self) -> str:
        return self.tenant.host

    def url(self, path: str = "/", host: str | None = None) -> str:
        """The address a person opens (chromium maps the host name to this server)."""
        return f"http://{host or self.tenant.host}:{self.port}{path}"

    def direct(self, path: str) -> str:
        """The server's own address, for requests sent from outside chromium (with a Host header)."""
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="session")
def live(runtime, test_config) -> Iterator[LiveSite]:
    """The app on a real HTTP server for the session, with province ``sigma`` provisioned and branded.
    Its own runtime (pools, caches) on the same database: links the app prints (the QR code on a receipt,
    the e-mails) carry this server's port, as ``motcua run`` prints its own."""
    from motcua_app import create_app

    server = make_server("127.0.0.1", 0, None, threaded=True)
    port = server.server_port
    # Every browser of the run comes from 127.0.0.1, so the per-address budget of password attempts (20 a
    # minute, for one person) would be spent by the whole suite's logins and registrations together within a
    # minute; the budget's own tests are functional (test_login_protection, test_password_reset). The
    # per-account lockout stays as configured.
    config = test_config.with_overrides(bind=f"127.0.0.1:{port}", account_attempts_per_minute=10_000)
    # Its own pools; the run's job queue (procrastinate binds each task to one app per process, so a
    # second queue would take the tasks from the first).
    live_runtime = Runtime(
        config=config, db=Database(config.database_url, pool_size=config.db_pool_size), jobs=runtime.jobs
    )
    app = create_app(runtime=live_runtime)
    server.app = app
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        tenant = seed_tenant(live_runtime, app, "sigma", "Tỉnh Sigma", "S01", password=TEST_PASSWORD)
        branded = app.test_client().patch(
            "/api/v1/branding",
            headers={"Host": tenant.host, "Authorization": f"Bearer {tenant.admin_token}"},
            json=BRAND,
        )
        assert branded.status_code == 200, branded.get_json()
        app.extensions["motcua"].resolver.invalidate()
        yield LiveSite(live_runtime, app, port, tenant)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        live_runtime.db.dispose()


@pytest.fixture(autouse=True)
def _no_messages_left(live):
    """What the pages queued (welcome e-mails, receipts, usage events) is dropped after each test: the
    notification and billing tests drain every province's queues and count what they find. The browser
    tests check pages, not messages (the functional tests do)."""
    yield
    from motcua_billing.usage.models import UsageOutbox
    from motcua_onestop.notifications.models import NotificationOutbox
    from sqlalchemy import delete

    with live.runtime.db.tenant_session(live.runtime.db.binding(live.tenant.slug)) as session:
        session.execute(delete(NotificationOutbox))
        session.execute(delete(UsageOutbox))
        session.commit()


@pytest.fixture(scope="module")
def chromium(chromium_path):
    """One browser per module, not per session: Playwright's sync API runs an asyncio loop in the test
    thread while it is open, and a job-worker test run after it in the same process (procrastinate's
    ``asyncio.run``) would fail with "cannot be called from a running event loop"."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_browser(chromium, live, request):
    """``open_browser(language="vi", javascript=True, width=375)`` gives a fresh browser profile (its own
    cookies) on a page of its own; the test fails if a page it showed logged a script error or broke the
    Content-Security-Policy."""
    from browser_support import Tab

    tabs: list[Tab] = []

    def make(language: str = "vi", *, javascript: bool = True, width: int = 375) -> Tab:
        context = chromium.new_context(
            locale={"vi": "vi-VN", "en": "en-GB"}[language],
            viewport={"width": width, "height": 800},
            java_script_enabled=javascript,
            accept_downloads=True,
        )
        context.set_default_timeout(8_000)
        checker = None
        if not javascript:
            checking = chromium.new_context(viewport={"width": width, "height": 800})
            checking.set_default_timeout(8_000)
            checker = checking.new_page()
        tab = Tab(context.new_page(), live, request.node.name, checker)
        tabs.append(tab)
        return tab

    yield make
    if getattr(request.node, "failed_call", False):
        from browser_support import artefacts

        for number, tab in enumerate(tabs):
            tab.page.screenshot(path=str(artefacts() / f"{tab.test_name}--FAILED-{number}.png"), full_page=True)
    problems = [problem for tab in tabs for problem in tab.problems]
    for tab in tabs:
        tab.page.context.close()
        if tab.checker is not None:
            tab.checker.context.close()
    assert not problems, "the browser reported:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def sigma_contract(live) -> None:
    """Sigma's contract, as the vendor's finance sets it up through the billing services: from the start of
    last month's year (an invoice run bills last month) to the end of this year, QUOTA dossiers a month."""
    import datetime as dt

    from browser_support import PROVINCE_EMAIL, QUOTA
    from motcua_billing.catalog import services as catalog
    from motcua_billing.catalog.daklak_terms import OFFICIAL_CHARGES
    from motcua_platform.audit.services import Actor
    from motcua_platform.db.base import utcnow

    vendor = Actor("operator", None, "finance@vendor.test")
    today = utcnow().date()
    starts = dt.date((today.replace(day=1) - dt.timedelta(days=1)).year, 1, 1)
    charges = [{**OFFICIAL_CHARGES[0], "included_quantity": QUOTA}, *OFFICIAL_CHARGES[1:]]
    with live.runtime.db.control_session() as session:
        catalog.set_account(session, vendor, live.tenant.slug, legal_name="UBND tỉnh Sigma", emails=[PROVINCE_EMAIL])
        catalog.create_contract(
            session,
            vendor,
            tenant=live.tenant.slug,
            code="HD-SIGMA",
            starts_on=starts,
            ends_on=dt.date(today.year, 12, 31),
            overage_budget_vnd=240_000_000,
            cadence="monthly",
            price_versions=[
                {"name": "Chính thức", "effective_from": starts, "annual_fee_vnd": 1_188_000_000, "charges": charges}
            ],
        )
        session.commit()
