"""Property-based tests of the rating engine (hypothesis)."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st
from motcua_billing.rating.services import PriceSpec, Tier, adjustment, invoice_totals, rate, spec_problems

quantities = st.decimals(min_value=0, max_value=10_000_000, places=3, allow_nan=False, allow_infinity=False)
prices = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)
included = st.integers(min_value=0, max_value=50_000).map(D)


@st.composite
def tier_lists(draw, order=None):
    """Ascending bounds; prices any, non-increasing ('discount') or non-decreasing ('premium')."""
    bounds = sorted(set(draw(st.lists(st.integers(1, 1_000_000), min_size=0, max_size=4))))
    tier_prices = draw(st.lists(prices, min_size=len(bounds) + 1, max_size=len(bounds) + 1))
    if order == "discount":
        tier_prices.sort(reverse=True)
    elif order == "premium":
        tier_prices.sort()
    return (*(Tier(D(b), p) for b, p in zip(bounds, tier_prices, strict=False)), Tier(None, tier_prices[-1]))


@st.composite
def specs(draw, order=None, models=("graduated", "volume", "package")):
    model = draw(st.sampled_from(models))
    quota = draw(included)
    if model == "package":
        size = draw(st.integers(1, 10_000).map(D))
        return PriceSpec("package", quota, package_size=size, package_price=draw(prices))
    return PriceSpec(model, quota, draw(tier_lists(order)))


@settings(max_examples=300)
@given(specs(), quantities)
def test_totals_are_whole_dong_and_never_negative(spec, quantity):
    assert not spec_problems(spec)
    rated = rate(spec, quantity)
    assert isinstance(rated.amount, int) and rated.amount >= 0
    assert abs(rated.amount - rated.exact) <= D("0.5")  # rounded once, never ×100


@settings(max_examples=300)
@given(specs(), quantities)
def test_usage_within_the_quota_is_free(spec, quantity):
    assert rate(spec, min(quantity, spec.included)).amount == 0


@settings(max_examples=300)
@given(specs(models=("graduated", "package")), quantities, quantities)
def test_graduated_and_package_are_monotonic_in_usage(spec, a, b):
    low, high = sorted((a, b))
    assert rate(spec, low).amount <= rate(spec, high).amount


@settings(max_examples=300)
@given(specs(order="premium", models=("volume",)), quantities, quantities)
def test_volume_is_monotonic_when_prices_never_fall(spec, a, b):
    low, high = sorted((a, b))
    assert rate(spec, low).amount <= rate(spec, high).amount


@settings(max_examples=300)
@given(specs(order="discount", models=("graduated", "package")), quantities, quantities, st.fractions(0, 1))
def test_a_split_period_never_costs_less_than_the_whole(spec, a, b, share):
    """Two halves, each with its share of the quota, cost at least what the whole period costs (graduated
    overage with volume discounts, and packages)."""
    q1 = (spec.included * share.numerator / share.denominator).quantize(D("0.001"))
    q2 = spec.included - q1
    first = PriceSpec(spec.model, q1, spec.tiers, spec.package_size, spec.package_price)
    second = PriceSpec(spec.model, q2, spec.tiers, spec.package_size, spec.package_price)
    whole = rate(spec, a + b)
    assert rate(first, a).exact + rate(second, b).exact >= whole.exact


@settings(max_examples=300)
@given(specs(), quantities, quantities)
def test_late_usage_adjustments_add_up_to_the_whole(spec, billed, late):
    """Billing a period, then its late usage as an adjustment, costs exactly what billing it all at once does."""
    first = rate(spec, billed)
    extra = adjustment(spec, billed, first.amount, billed + late)
    whole = rate(spec, billed + late)
    if whole.amount >= first.amount:
        assert first.amount + extra.amount == whole.amount
    assert extra.amount >= 0


@given(st.lists(st.integers(0, 10**12), max_size=50), st.decimals(0, 100, places=2))
def test_invoice_totals_add_up(amounts, vat_rate):
    subtotal, tax, total = invoice_totals(amounts, vat_rate)
    assert subtotal == sum(amounts) and total == subtotal + tax and tax >= 0
    assert abs(D(tax) - D(subtotal) * vat_rate / 100) <= D("0.5")
