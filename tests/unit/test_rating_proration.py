"""Prorating a period a contract covers only in part (ADR 0060): a term cut short by a merge, or one that starts
inside its first period. The arithmetic, the periods it applies to, and the lines built from it."""

import datetime as dt
from decimal import Decimal

import pytest
from motcua_billing.catalog.models import BillableMetric, Charge, Contract, PriceVersion
from motcua_billing.invoices.lines import Aggregate, _lease_line, usage_line
from motcua_billing.rating.periods import Period, closing_period, covered
from motcua_billing.rating.services import lease_share, prorate, prorate_quantity

D = dt.date
LEASE = 1_188_000_000  # a year; 99,000,000 a month


# -- the arithmetic ------------------------------------------------------------------------------
def test_a_fee_is_prorated_by_the_days_covered_rounded_once_half_up():
    assert prorate(99_000_000, 14, 31) == 44_709_677  # 44,709,677.419…
    assert prorate(99_000_000, 31, 31) == 99_000_000  # a whole period is the fee itself
    assert prorate(99_000_000, 0, 31) == 0
    assert prorate(100, 1, 8) == 13  # 12.5 rounds half up
    assert prorate(LEASE, 73, 365) == 237_600_000  # 1 January – 14 March of a common year
    assert prorate(LEASE, 74, 366) == 240_196_721  # the same days of a leap year are 74 of 366: 240,196,721.31
    with pytest.raises(ValueError):
        prorate(100, 32, 31)
    with pytest.raises(ValueError):
        prorate(100, 1, 0)


def test_a_quota_is_prorated_to_the_stored_six_places():
    assert prorate_quantity(Decimal(1000), 14, 31) == Decimal("451.612903")
    assert prorate_quantity(Decimal(1000), 31, 31) == Decimal(1000)
    assert prorate_quantity(Decimal(1), 2, 3) == Decimal("0.666667")  # half up
    assert prorate_quantity(Decimal(12_000), 29, 29) == Decimal(12_000)


# -- which period, and which of its days -----------------------------------------------------------
def test_a_monthly_term_ending_mid_month_bills_that_month_for_its_days():
    period = closing_period(D(2026, 1, 1), D(2026, 10, 14), 1, D(2026, 10, 1))
    assert period == Period(D(2026, 10, 1), D(2026, 11, 1)) and period.days == 31
    part = covered(period, D(2026, 1, 1), D(2026, 10, 14))
    assert (part.start, part.end, part.days) == (D(2026, 10, 1), D(2026, 10, 15), 14)


def test_an_annual_term_cut_short_closes_its_last_period_in_the_month_it_ends():
    starts, ends = D(2026, 1, 1), D(2026, 3, 14)
    assert closing_period(starts, ends, 12, D(2026, 2, 1)) is None  # February closes nothing
    period = closing_period(starts, ends, 12, D(2026, 3, 1))
    assert period == Period(D(2026, 1, 1), D(2027, 1, 1)) and period.days == 365
    assert covered(period, starts, ends).days == 31 + 28 + 14
    # a term that runs its whole course closes its year in December, as before
    assert closing_period(starts, D(2026, 12, 31), 12, D(2026, 3, 1)) is None
    assert closing_period(starts, D(2026, 12, 31), 12, D(2026, 12, 1)) == period


def test_a_leap_year_counts_its_twenty_ninth_of_february():
    starts, ends = D(2028, 1, 1), D(2028, 3, 14)
    period = closing_period(starts, ends, 12, D(2028, 3, 1))
    assert period.days == 366 and covered(period, starts, ends).days == 31 + 29 + 14
    february = closing_period(D(2028, 1, 1), D(2028, 2, 15), 1, D(2028, 2, 1))
    assert february.days == 29 and covered(february, D(2028, 1, 1), D(2028, 2, 15)).days == 15


def test_a_quarterly_term_ending_mid_quarter():
    period = closing_period(D(2026, 1, 1), D(2026, 5, 20), 3, D(2026, 5, 1))
    assert period == Period(D(2026, 4, 1), D(2026, 7, 1)) and period.days == 91
    assert covered(period, D(2026, 1, 1), D(2026, 5, 20)).days == 30 + 20


def test_a_term_starting_mid_month_counts_its_periods_from_the_first_of_that_month():
    starts = D(2026, 3, 10)
    period = closing_period(starts, D(2027, 3, 9), 1, D(2026, 3, 1))
    assert period == Period(D(2026, 3, 1), D(2026, 4, 1))
    assert covered(period, starts, D(2027, 3, 9)).days == 22  # 10–31 March
    assert closing_period(starts, D(2027, 3, 9), 1, D(2026, 2, 1)) is None  # before the term
    # and its last month, 1–9 March 2027
    last = closing_period(starts, D(2027, 3, 9), 1, D(2027, 3, 1))
    assert covered(last, starts, D(2027, 3, 9)).days == 9


# -- the lines -------------------------------------------------------------------------------------
def _contract(starts_on, ends_on, cadence="monthly", included=1000):
    version = PriceVersion(id=1, name="Thí điểm", effective_from=starts_on.replace(day=1), annual_fee_vnd=LEASE)
    version.charges = [
        Charge(
            metric_code="dossiers_received",
            included_quantity=Decimal(included),
            model="graduated",
            tiers=[{"up_to": "500", "unit_price": "600"}, {"up_to": None, "unit_price": "450"}],
        )
    ]
    contract = Contract(id=1, tenant_id=7, code="HD-1", starts_on=starts_on, ends_on=ends_on, cadence=cadence)
    contract.price_versions = [version]
    return contract


DOSSIERS = BillableMetric(code="dossiers_received", name="Hồ sơ tiếp nhận", unit="hồ sơ", aggregation="count")


def test_the_last_lines_of_a_term_ended_mid_month_bill_its_days_and_their_quota():
    contract = _contract(D(2026, 1, 1), D(2026, 10, 14))
    october = Period(D(2026, 10, 1), D(2026, 11, 1))
    lease = _lease_line(contract, october)
    assert lease.amount == 44_709_677 == prorate(lease_share(LEASE, 9, 1), 14, 31)
    assert lease.quantity == Decimal("0.451613")  # of a month
    assert "từ 01/10/2026 đến 14/10/2026 (14/31 ngày)" in lease.description
    assert lease.details["covered_days"] == 14 and lease.details["period_days"] == 31
    assert lease.details["period_share_vnd"] == 99_000_000
    usage = usage_line(contract, october, DOSSIERS, Aggregate(count=1200))
    assert usage.included == Decimal("451.612903") and usage.billable == Decimal("748.387097")
    assert usage.amount == 411_774  # 500 × 600 + 248.387097 × 450 = 411,774.19
    assert usage.details["covered_until"] == "2026-10-14"


def test_a_whole_period_is_billed_as_before():
    contract = _contract(D(2026, 1, 1), D(2026, 12, 31))
    october = Period(D(2026, 10, 1), D(2026, 11, 1))
    lease = _lease_line(contract, october)
    assert lease.amount == 99_000_000 and lease.quantity == Decimal(1)
    assert "covered_days" not in lease.details and "ngày" not in lease.description
    usage = usage_line(contract, october, DOSSIERS, Aggregate(count=1200))
    assert usage.included == Decimal(1000) and usage.amount == 200 * 600


def test_an_annual_contract_merged_in_march_pays_its_days_of_the_year():
    contract = _contract(D(2026, 1, 1), D(2026, 3, 14), cadence="annual", included=12_000)
    year = Period(D(2026, 1, 1), D(2027, 1, 1))
    assert _lease_line(contract, year).amount == 237_600_000  # 1,188,000,000 × 73 / 365
    usage = usage_line(contract, year, DOSSIERS, Aggregate(count=3000))
    assert usage.included == Decimal("2400.000000")  # 12,000 × 73 / 365
    assert usage.amount == 500 * 600 + 100 * 450


def test_a_contract_starting_mid_month_pays_from_its_first_day():
    contract = _contract(D(2026, 3, 10), D(2027, 3, 9))
    march = Period(D(2026, 3, 1), D(2026, 4, 1))
    assert _lease_line(contract, march).amount == prorate(99_000_000, 22, 31) == 70_258_065
