"""Shared set-up for the billing tests: the Đắk Lắk terms (``motcua_billing.catalog.daklak_terms``: lease
1,188 million VND a year, overage budget 240 million a year, a pilot tariff then the official one) as a plan
and a contract for tenant alpha."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, HostClient
from motcua_billing.catalog.daklak_terms import LEASE_VND, OFFICIAL_CHARGES, OVERAGE_BUDGET_VND, PILOT_CHARGES
from motcua_platform.messaging.mail import SmtpMailer
from motcua_platform.timezones import VIETNAM

LEASE = LEASE_VND
BUDGET = OVERAGE_BUDGET_VND
# The Đắk Lắk tariffs, but with a dossier quota a tenth of the real one (and its own tier prices), so a test
# crosses it with a few hundred events; every other charge as the plan has it.
CHARGES = [
    {
        **PILOT_CHARGES[0],
        "included_quantity": 1000,
        "tiers": [{"up_to": 500, "unit_price": "500"}, {"up_to": None, "unit_price": "400"}],
    },
    *PILOT_CHARGES[1:],
]
OFFICIAL = [
    {**CHARGES[0], "tiers": [{"up_to": 500, "unit_price": "600"}, {"up_to": None, "unit_price": "450"}]},
    *OFFICIAL_CHARGES[1:],
]


def vn(year, month, day=1, hour=9):
    return dt.datetime(year, month, day, hour, tzinfo=VIETNAM)


@pytest.fixture
def finance(app, seeded) -> HostClient:
    return HostClient(app, TEST_BASE_DOMAIN, seeded["platform"].tokens["finance"])


@pytest.fixture
def contract(finance):
    """Tenant alpha's 2026 contract: pilot tariff Jan–Jun, official tariff from July."""
    plan = finance.post(
        "/api/v1/billing/plans",
        json={
            "code": "daklak",
            "name": "Thuê dịch vụ một cửa điện tử",
            "annual_fee_vnd": LEASE,
            "overage_budget_vnd": BUDGET,
            "charges": CHARGES,
        },
    )
    assert plan.status_code == 201, plan.get_json()
    account = finance.put(
        "/api/v1/billing/accounts/alpha",
        json={
            "legal_name": "Văn phòng UBND tỉnh Alpha",
            "tax_code": "6000123456",
            "address": "Số 9 Lê Duẩn, Buôn Ma Thuột",
            "emails": ["taichinh@alpha.gov.vn"],
        },
    )
    assert account.status_code == 200, account.get_json()
    created = finance.post(
        "/api/v1/billing/contracts",
        json={
            "tenant": "alpha",
            "code": "HD-2026-ALPHA",
            "plan": "daklak",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "price_versions": [
                {"name": "Thí điểm", "effective_from": "2026-01-01", "annual_fee_vnd": LEASE, "charges": CHARGES},
                {
                    "name": "Giá chính thức",
                    "effective_from": "2026-07-01",
                    "annual_fee_vnd": LEASE,
                    "charges": OFFICIAL,
                },
            ],
        },
    )
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def ingest(client, events, *, rejected=0):
    totals = {"accepted": 0, "duplicates": 0, "rejected": 0, "results": []}
    for start in range(0, len(events), 5000):
        response = client.post("/api/v1/billing/usage-events", json={"events": events[start : start + 5000]})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        for key in ("accepted", "duplicates", "rejected"):
            totals[key] += body[key]
        totals["results"] += body["results"]
    assert totals["rejected"] == rejected, [r for r in totals["results"] if r["status"] == "rejected"][:3]
    return totals


def dossiers(n, month=(2026, 10), prefix="d", tenant="alpha", days=28):
    return [
        {
            "tenant": tenant,
            "metric": "dossiers_received",
            "event_id": f"dossier:{prefix}{i}:received",
            "occurred_at": vn(*month, day=1 + i % days).isoformat(),
        }
        for i in range(n)
    ]


# -- a real SMTP server on 127.0.0.1 (aiosmtpd), shared by billing alerts and applicant notifications --
class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, SmtpMailer("127.0.0.1", port, "billing@motcua.test")
    finally:
        controller.stop()
