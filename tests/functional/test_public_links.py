"""Every link the platform sends or prints is built on the tenant's public URL (its context): the same
from a request on any of its hosts and from the worker; and intake takes the tenant as one context."""

import dataclasses
import datetime as dt
import json

import pytest
from dossier_support import APPLICANT, FORM, MARRIAGE, SYSTEM, intake_body, intake_in
from motcua_billing.usage.models import UsageOutbox
from motcua_onestop.dossiers.extensions import tasks
from motcua_onestop.dossiers.forms import services as forms
from motcua_onestop.dossiers.intake import services as intake
from motcua_onestop.notifications.models import NotificationOutbox
from motcua_platform.errors import NotFound
from motcua_platform.plugins.engine import active
from motcua_platform.timezones import VIETNAM
from sqlalchemy import select
from test_dossier_forms import pdf_text

PRIMARY = "dichvucong.alpha.gov.vn"  # the first custom domain: the one links use
ALIAS = "motcua.alpha.example.vn"  # another domain alpha is served on


def add_domains(platform, *domains):
    for domain in domains:
        response = platform.post("/api/v1/tenants/alpha/domains", json={"domain": domain})
        assert response.status_code == 201, response.get_json()


def track(runtime, host, code):
    return f"{runtime.config.public_url(host)}/track/{code}"


def outbox(runtime, dossier_id, event=None):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        query = select(NotificationOutbox).where(NotificationOutbox.dossier_id == dossier_id)
        if event is not None:
            query = query.where(NotificationOutbox.event == event)
        return session.scalars(query.order_by(NotificationOutbox.id)).all()


class JobContext:  # what procrastinate hands a task: the worker's runtime
    def __init__(self, runtime):
        self.additional_context = {"runtime": runtime}


def late_dossier(runtime, seeded) -> tuple[int, str]:
    """A dossier received on 2 March 2026 (due 9 March) with an e-mail and a phone: late ever since."""
    received = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)
    contact = "tran.chong@example.vn, 0901234567"
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = intake_in(session, seeded, name="Trần Văn Chồng", contact=contact, now=received)
        session.commit()
        return dossier.id, dossier.code


@pytest.mark.parametrize("domains", [(), (PRIMARY, ALIAS)], ids=["slug host", "primary custom domain"])
def test_a_late_notice_queued_by_the_worker_links_to_the_public_url(runtime, seeded, platform, domains):
    add_domains(platform, *domains)
    dossier_id, code = late_dossier(runtime, seeded)
    tasks.notify_late_dossiers.func(JobContext(runtime), timestamp=0)  # the periodic job, as the worker runs it
    rows = outbox(runtime, dossier_id, "late")
    assert [r.channel for r in rows] == ["email", "sms"]
    expected = track(runtime, domains[0] if domains else seeded["alpha"].host, code)
    for row in rows:
        assert expected in row.body, row.body
        assert "motcua.localhost" not in row.body


def test_a_form_and_a_message_carry_the_public_url_whatever_host_the_request_used(
    runtime, seeded, platform, host_client, monkeypatch
):
    add_domains(platform, PRIMARY, ALIAS)
    officer = host_client(ALIAS, seeded["alpha"].tokens["officer"])  # the request comes in on the alias
    response = officer.post("/api/v1/dossiers", json=intake_body(seeded, applicant={**APPLICANT}))
    assert response.status_code == 201, response.get_json()
    dossier = response.get_json()
    expected = track(runtime, PRIMARY, dossier["code"])
    [sms] = outbox(runtime, dossier["id"], "intake")  # queued by the web request
    assert expected in sms.body, sms.body

    encoded = []

    def recording(*args, **kwargs):  # the real payload, kept as it goes into the QR code
        encoded.append(payload := real(*args, **kwargs))
        return payload

    real = forms.qr_payload
    monkeypatch.setattr(forms, "qr_payload", recording)
    pdf = officer.get(f"/api/v1/dossiers/{dossier['code']}/forms/01.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert json.loads(encoded[-1])["tra_cuu"] == expected
    if (text := pdf_text(pdf.data)) is not None:  # the same address printed under the QR code
        assert expected in text.replace(" ", "")


def test_intake_takes_the_tenant_context(runtime, seeded):
    alpha = seeded["alpha"].context
    units = seeded["alpha"].units
    data = intake.Intake(MARRIAGE, units["commune_a"], "counter", "Trần Văn Chồng", FORM, None, "0901234567")
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        # the procedure groups come from the context: without civil status, marriage is not offered
        closed = dataclasses.replace(alpha, plugins={k: v for k, v in alpha.plugins.items() if k != "civil_status"})
        with pytest.raises(NotFound, match=MARRIAGE):
            intake.intake(session, SYSTEM, {units["root"]}, active(), closed, data)

        elsewhere = dataclasses.replace(alpha, public_url="https://dichvucong.example.vn")
        dossier = intake.intake(session, SYSTEM, {units["root"]}, active(), elsewhere, data)
        assert dossier.status == 2 and dossier.received_at is not None
        sms = session.scalars(select(NotificationOutbox).where(NotificationOutbox.dossier_id == dossier.id)).one()
        assert f"https://dichvucong.example.vn/track/{dossier.code}" in sms.body
        received = f"dossier:{dossier.id}:received"
        assert session.scalars(select(UsageOutbox.event_id).where(UsageOutbox.event_id == received)).all() == [received]
        session.rollback()
