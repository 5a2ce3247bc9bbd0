"""The national sync page of the vendor console in a real browser: an operator opens the backlog of every
province, then a province whose receiver is down, reads the failing change and its error, and sends it again
once the receiver is back ("retry now"). Every page is checked with axe-core and photographed at 375 and
1280 px (browser_support.Tab.look)."""

from __future__ import annotations

import pytest
from browser_support import fill, t
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, TEST_PASSWORD
from motcua_onestop.dossiers.intake import services as intake
from motcua_onestop.national_sync import delivery
from motcua_onestop.national_sync import settings as sync_settings
from motcua_onestop.national_sync.models import NationalSyncOutbox, NationalSyncSettings, SyncStatus
from motcua_platform.audit.services import Actor
from motcua_platform.plugins.engine import active
from national_support import SECRET, Receiver, start_receiver
from sqlalchemy import delete, select

FORM = {
    "husband_full_name": "Trần Văn Chồng",
    "husband_citizen_id": "079090001111",
    "husband_date_of_birth": "1990-01-01",
    "wife_full_name": "Lê Thị Vợ",
    "wife_citizen_id": "079092002222",
    "wife_date_of_birth": "1992-02-02",
    "residence": "Xã A",
}
TEST = Actor("system", None, "browser test")


@pytest.fixture
def failing_change(live):
    """A counter dossier of sigma whose first change the receiver (down) did not take; the receiver, and
    sigma's sync switched off again and its rows delivered or dropped afterwards."""
    receiver = Receiver(down=True)
    server = start_receiver(receiver)
    db, sigma = live.runtime.db, live.tenant
    with db.tenant_session(db.binding(sigma.slug)) as session:
        sync_settings.change(
            session, TEST, enabled=True, endpoint_url=receiver.url, secret=SECRET, local_receivers=True
        )
        data = intake.Intake("1.000894", sigma.units["commune_a"], "counter", "Trần Văn Chồng", FORM)
        code = intake.intake(session, TEST, {sigma.units["root"]}, active(), sigma.context, data).code
        session.commit()
    # only this dossier's row is failing: sigma's earlier dossiers are marked delivered, so the worker's
    # three tries in a row are all this one's (and the page shows just it)
    with db.tenant_session(db.binding(sigma.slug)) as session:
        for row in session.scalars(select(NationalSyncOutbox).where(NationalSyncOutbox.status == SyncStatus.PENDING)):
            if row.payload["MaHoSo"] != code:
                row.status, row.delivered_at = SyncStatus.DELIVERED, row.created_at
        session.commit()
    assert delivery.deliver_tenant(db, sigma.slug).retried == 1
    yield receiver, code
    server.shutdown()
    server.server_close()
    with db.tenant_session(db.binding(sigma.slug)) as session:
        session.execute(delete(NationalSyncSettings))
        session.commit()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_an_operator_sees_a_failing_change_and_sends_it_again(open_browser, live, seeded, failing_change, language):
    receiver, code = failing_change

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    tab = open_browser(language)
    tab.goto("/operator/national-sync", host=TEST_BASE_DOMAIN)
    fill(tab, {"email": "ops@vendor.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    assert tab.path == "/operator/national-sync"
    assert _("National portal sync") in tab.text()
    tab.look("backlog")

    tab.link("Tỉnh Sigma").click()
    assert tab.path == "/operator/national-sync/sigma"
    assert code in tab.text() and "HTTP 503" in tab.text() and SECRET not in tab.page.content()
    tab.look("province")

    receiver.down = False
    tab.button(_("Retry %(code)s now", code=code)).click()
    assert tab.path == "/operator/national-sync/sigma"
    assert _("The change will be sent again at the next run (within a minute).") in tab.text()
    assert delivery.deliver_tenant(live.runtime.db, live.tenant.slug).delivered == 1
    assert [got.code for got in receiver.kept.values()] == [code]
    tab.page.reload()
    assert _("Nothing is failing.") in tab.text()
    tab.look("retried")
