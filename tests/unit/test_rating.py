"""The rating engine, table-driven: quota as a free first tier, graduated / volume / package, integer VND."""

import datetime as dt
from decimal import Decimal as D

import pytest
from motcua_billing.rating import periods
from motcua_billing.rating.services import (
    PriceSpec,
    Tier,
    adjustment,
    invoice_totals,
    lease_share,
    rate,
    round_vnd,
    spec_problems,
    to_decimal,
    vat,
)

# 10,000 dossiers included, then 500 đ each up to 5,000 over, then 400 đ (a volume discount).
DOSSIERS = PriceSpec("graduated", D(10000), (Tier(D(5000), D(500)), Tier(None, D(400))))


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [
        (0, 0),
        (9999, 0),
        (10000, 0),  # the quota is a zero-priced first tier
        (10001, 500),
        (15000, 2_500_000),
        (15001, 2_500_400),
        (20000, 4_500_000),
    ],
)
def test_graduated_with_quota(quantity, amount):
    rated = rate(DOSSIERS, D(quantity))
    assert rated.amount == amount
    assert isinstance(rated.amount, int)


def test_volume_prices_every_overage_unit_at_the_reached_tier():
    spec = PriceSpec("volume", D(100), (Tier(D(1000), D(50)), Tier(None, D(30))))
    assert rate(spec, D(600)).amount == 500 * 50
    assert rate(spec, D(1100)).amount == 1000 * 50
    assert rate(spec, D(1101)).amount == 1001 * 30


def test_package_charges_started_packages():
    spec = PriceSpec("package", D(1000), package_size=D(500), package_price=D(150000))
    assert rate(spec, D(1000)).amount == 0
    assert rate(spec, D(1001)).amount == 150000
    assert rate(spec, D(1500)).amount == 150000
    assert rate(spec, D(1501)).amount == 300000


def test_zero_decimal_currency_is_never_multiplied_by_100():
    spec = PriceSpec("graduated", D(0), (Tier(None, D("1.5")),))
    assert rate(spec, D(3)).amount == 5  # 4.5 đ rounds half up to 5 đ, not 450
    assert rate(spec, D(1)).amount == 2


def test_rounding_happens_once_per_line_not_per_tier():
    spec = PriceSpec("graduated", D(0), (Tier(D(1), D("0.5")), Tier(None, D("0.5"))))
    # per tier: round(0.5) + round(0.5) = 2; once per line: round(1.0) = 1
    assert rate(spec, D(2)).amount == 1


def test_vat_is_computed_once_on_the_subtotal():
    amounts = [1, 1, 1]  # 10% per line would round each 0.1 to 0
    assert invoice_totals(amounts, D(10)) == (3, 0, 3)
    assert invoice_totals([99_000_000, 2_500_000], D(10)) == (101_500_000, 10_150_000, 111_650_000)
    assert vat(5, D(10)) == 1  # 0.5 half up


def test_lease_shares_add_up_to_the_annual_fee():
    assert lease_share(1_188_000_000, 0, 1) == 99_000_000
    assert sum(lease_share(1_000_000_001, m, 1) for m in range(12)) == 1_000_000_001
    assert sum(lease_share(1_000_000_001, m, 3) for m in range(0, 12, 3)) == 1_000_000_001
    assert lease_share(1_188_000_000, 0, 12) == 1_188_000_000


def test_adjustment_bills_the_difference_for_late_usage():
    billed = rate(DOSSIERS, D(15000))
    late = adjustment(DOSSIERS, D(15000), billed.amount, D(15010))
    assert late.amount == 10 * 400
    assert late.quantity == 10


def test_bad_specs_are_explained():
    assert spec_problems(PriceSpec("flat")) == ["Model must be one of graduated, volume, package."]
    assert "open-ended" in " ".join(map(str, spec_problems(PriceSpec("graduated", D(0), (Tier(D(10), D(1)),)))))
    assert spec_problems(PriceSpec("graduated", D(0), (Tier(D(10), D(1)), Tier(D(5), D(1)), Tier(None, D(1)))))
    assert spec_problems(PriceSpec("graduated", D(-1), (Tier(None, D(-1)),))) == [
        "The included quantity cannot be negative.",
        "Tier 1: the unit price cannot be negative.",
    ]
    assert spec_problems(PriceSpec("package", D(0), package_size=D(0), package_price=D(1)))
    with pytest.raises(ValueError):
        rate(DOSSIERS, D(-1))


def test_numbers_are_parsed_strictly():
    assert to_decimal("12.5") == D("12.5") and to_decimal(3) == 3 and to_decimal(0.1) == D("0.1")
    for bad in ("abc", "NaN", "Infinity", True, None, [1]):
        with pytest.raises(ValueError):
            to_decimal(bad)
    assert round_vnd(D("2.5")) == 3 and round_vnd(D("2.4999")) == 2


def test_periods_are_cut_in_vietnam_time():
    period = periods.Period(dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    # 2026-09-30 17:00 UTC is already 1 October in Hà Nội.
    assert period.contains(dt.datetime(2026, 9, 30, 17, 0, tzinfo=dt.UTC))
    assert not period.contains(dt.datetime(2026, 9, 30, 16, 59, 59, tzinfo=dt.UTC))
    assert not period.contains(dt.datetime(2026, 10, 31, 17, 0, tzinfo=dt.UTC))
    assert period.start_at == dt.datetime(2026, 9, 30, 17, 0, tzinfo=dt.UTC)
    assert periods.month_of(dt.datetime(2026, 10, 31, 17, 30, tzinfo=dt.UTC)) == dt.date(2026, 11, 1)


def test_billing_periods_follow_the_cadence_from_the_contract_start():
    start = dt.date(2026, 2, 1)
    assert periods.billing_period(start, 1, dt.date(2026, 2, 1)) == periods.Period(
        dt.date(2026, 2, 1), dt.date(2026, 3, 1)
    )
    assert periods.billing_period(start, 3, dt.date(2026, 3, 1)) is None
    assert periods.billing_period(start, 3, dt.date(2026, 4, 1)) == periods.Period(
        dt.date(2026, 2, 1), dt.date(2026, 5, 1)
    )
    assert periods.billing_period(start, 1, dt.date(2026, 1, 1)) is None
    assert periods.contract_year(start, dt.date(2027, 1, 1)) == periods.Period(dt.date(2026, 2, 1), dt.date(2027, 2, 1))
    with pytest.raises(ValueError):
        periods.parse_month("2026-13")
    for outside in ("0000-01", "1999-12", "2100-01", "9999-12"):
        with pytest.raises(ValueError, match="outside the billing years"):
            periods.parse_month(outside)
    assert periods.parse_month("2099-12") == dt.date(2099, 12, 1)
