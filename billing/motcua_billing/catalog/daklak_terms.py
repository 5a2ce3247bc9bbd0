"""The lease terms of the Đắk Lắk plan (Decision 3269/QĐ-UBND), the one reference price list: 1,188 million
VND a year, 240 million a year for usage above the contracted quota, a pilot tariff and then the official one.

The demo seeds it, the billing tests and the invoice-run benchmark build their contracts from it (the
tests with smaller dossier quotas, so a few hundred events cross them). Charges are written as the plan and
contract API takes them."""

from __future__ import annotations

LEASE_VND = 1_188_000_000
OVERAGE_BUDGET_VND = 240_000_000
PILOT_CHARGES = [
    {
        "metric_code": "dossiers_received",
        "included_quantity": 10_000,
        "model": "graduated",
        "tiers": [{"up_to": 5_000, "unit_price": "2000"}, {"up_to": None, "unit_price": "1500"}],
    },
    {
        "metric_code": "sms_sent",
        "included_quantity": 20_000,
        "model": "package",
        "package_size": 1_000,
        "package_price": 350_000,
    },
    {"metric_code": "storage_gb", "included_quantity": 500, "model": "graduated", "tiers": [{"unit_price": "20000"}]},
    {
        "metric_code": "officer_seats",
        "included_quantity": 300,
        "model": "volume",
        "tiers": [{"up_to": 100, "unit_price": "50000"}, {"up_to": None, "unit_price": "45000"}],
    },
]
OFFICIAL_CHARGES = [
    {**PILOT_CHARGES[0], "tiers": [{"up_to": 5_000, "unit_price": "2500"}, {"up_to": None, "unit_price": "1800"}]},
    *PILOT_CHARGES[1:],
]
