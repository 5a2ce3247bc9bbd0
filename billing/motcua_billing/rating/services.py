"""The rating engine: pure functions, no I/O, no database, no clock.

Money is integer VND. VND is a zero-decimal currency: an amount is a number of đồng and is never
multiplied by 100. Quantities and unit prices are ``Decimal``; a line's exact amount is rounded once
(half up) to whole đồng, and VAT is computed once on the invoice subtotal.

The included quota is a zero-priced first tier; overage tiers count units *beyond* the quota:

* ``graduated`` — each overage unit is priced at the tier it falls in;
* ``volume`` — every overage unit is priced at the tier the whole overage falls in;
* ``package`` — overage is sold in started packages of ``package_size`` units at ``package_price``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from motcua_platform.i18n import _

ZERO = Decimal(0)
MODELS = ("graduated", "volume", "package")


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None  # cumulative overage units; None = no upper bound (the last tier)
    unit_price: Decimal


@dataclass(frozen=True)
class PriceSpec:
    model: str
    included: Decimal = ZERO
    tiers: tuple[Tier, ...] = ()
    package_size: Decimal | None = None
    package_price: Decimal | None = None


@dataclass(frozen=True)
class TierUse:
    first_unit: Decimal  # absolute position, after the quota
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal  # exact, not rounded


@dataclass(frozen=True)
class Rated:
    quantity: Decimal
    included: Decimal
    overage: Decimal
    amount: int  # whole đồng, rounded once
    exact: Decimal
    breakdown: tuple[TierUse, ...] = field(default=())

    def as_dict(self) -> dict:
        return {
            "quantity": str(self.quantity),
            "included": str(self.included),
            "overage": str(self.overage),
            "exact_amount": str(self.exact),
            "tiers": [
                {
                    "from": str(t.first_unit),
                    "quantity": str(t.quantity),
                    "unit_price": str(t.unit_price),
                    "amount": str(t.amount),
                }
                for t in self.breakdown
            ],
        }


def round_vnd(value: Decimal) -> int:
    """Whole đồng, half up. The only place amounts are rounded."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_decimal(value) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


# -- validation ----------------------------------------------------------------------------------
def spec_problems(spec: PriceSpec) -> list[str]:
    problems: list[str] = []
    if spec.model not in MODELS:
        return [f"Model must be one of {', '.join(MODELS)}."]
    if spec.included < 0:
        problems.append(_("The included quantity cannot be negative."))
    if spec.model == "package":
        if spec.package_size is None or spec.package_size <= 0:
            problems.append(_("A package charge needs a package size above 0."))
        if spec.package_price is None or spec.package_price < 0:
            problems.append(_("A package charge needs a package price of 0 or more."))
        return problems
    if not spec.tiers:
        problems.append(_("At least one overage tier is needed (the last one without up_to)."))
        return problems
    previous = ZERO
    for index, tier in enumerate(spec.tiers):
        last = index == len(spec.tiers) - 1
        if tier.unit_price < 0:
            problems.append(_("Tier %(number)s: the unit price cannot be negative.", number=index + 1))
        if tier.up_to is None and not last:
            problems.append(_("Tier %(number)s: only the last tier may be open-ended.", number=index + 1))
        if tier.up_to is not None:
            if last:
                problems.append(_("The last tier must be open-ended (up_to null)."))
            elif tier.up_to <= previous:
                problems.append(_("Tier %(number)s: up_to must be greater than the previous tier's.", number=index + 1))
            else:
                previous = tier.up_to
    return problems


# -- rating --------------------------------------------------------------------------------------
def rate(spec: PriceSpec, quantity: Decimal) -> Rated:
    """Price ``quantity`` (the period's aggregated usage) under ``spec``."""
    if quantity < 0:
        raise ValueError("quantity cannot be negative")
    overage = max(quantity - spec.included, ZERO)
    breakdown: list[TierUse] = []
    if overage > 0:
        if spec.model == "package":
            assert spec.package_size and spec.package_price is not None
            packages = (overage / spec.package_size).to_integral_value(rounding=ROUND_CEILING)
            breakdown.append(TierUse(spec.included, packages, spec.package_price, packages * spec.package_price))
        elif spec.model == "volume":
            tier = next(t for t in spec.tiers if t.up_to is None or overage <= t.up_to)
            breakdown.append(TierUse(spec.included, overage, tier.unit_price, overage * tier.unit_price))
        else:
            lower = ZERO
            for tier in spec.tiers:
                upper = overage if tier.up_to is None else min(overage, tier.up_to)
                if upper > lower:
                    units = upper - lower
                    breakdown.append(TierUse(spec.included + lower, units, tier.unit_price, units * tier.unit_price))
                if tier.up_to is None or overage <= tier.up_to:
                    break
                lower = tier.up_to
    exact = sum((t.amount for t in breakdown), ZERO)
    return Rated(quantity, min(quantity, spec.included), overage, round_vnd(exact), exact, tuple(breakdown))


def aggregate(aggregation: str, quantities: Iterable[Decimal]) -> Decimal:
    """Reference aggregation (the database does the same in SQL): count, sum or max."""
    values = list(quantities)
    if aggregation == "count":
        return Decimal(len(values))
    if aggregation == "sum":
        return sum(values, ZERO)
    if aggregation == "max":
        return max(values, default=ZERO)
    raise ValueError(f"unknown aggregation {aggregation!r}")


def adjustment(spec: PriceSpec, billed_quantity: Decimal, billed_amount: int, new_quantity: Decimal) -> Rated:
    """Late usage for a period already invoiced: what the period should have cost in total, less what was
    billed. Never negative (usage only ever grows; a correction would be a credit note)."""
    whole = rate(spec, new_quantity)
    extra = max(whole.exact - Decimal(billed_amount), ZERO)
    return Rated(
        quantity=max(new_quantity - billed_quantity, ZERO),
        included=ZERO,
        overage=max(whole.overage - max(billed_quantity - spec.included, ZERO), ZERO),
        amount=max(whole.amount - billed_amount, 0),
        exact=extra,
        breakdown=whole.breakdown,
    )


def vat(subtotal: int, rate_percent: Decimal) -> int:
    """VAT on the invoice subtotal, rounded once (never summed from per-line VAT)."""
    return round_vnd(Decimal(subtotal) * rate_percent / Decimal(100))


def invoice_totals(amounts: Sequence[int], rate_percent: Decimal) -> tuple[int, int, int]:
    subtotal = sum(amounts)
    tax = vat(subtotal, rate_percent)
    return subtotal, tax, subtotal + tax


def lease_share(annual_fee: int, months_into_year: int, months: int) -> int:
    """The lease for ``months`` months starting ``months_into_year`` months into a contract year. Shares
    are cut on cumulative boundaries so that a year's shares always add up to the annual fee exactly."""
    start = annual_fee * months_into_year // 12
    end = annual_fee * min(months_into_year + months, 12) // 12
    return end - start


def prorate(amount: int, covered_days: int, period_days: int) -> int:
    """A period's fee for the ``covered_days`` of its ``period_days`` a contract covered (one that starts or
    ends inside the period): ``amount × covered / days``, rounded once, half up. A whole period is
    ``amount`` itself."""
    if not 0 <= covered_days <= period_days or period_days <= 0:
        raise ValueError(f"{covered_days} days covered of a {period_days}-day period")
    if covered_days == period_days:
        return amount
    return round_vnd(Decimal(amount) * covered_days / period_days)


QUOTA_PLACES = Decimal("0.000001")  # as a quantity is stored (Numeric(20, 6))


def prorate_quantity(quantity: Decimal, covered_days: int, period_days: int) -> Decimal:
    """A per-period quota for the ``covered_days`` of its ``period_days``: exact to the stored six places,
    half up (1,000 included SMS over 14 of 31 days: 451.612903)."""
    if not 0 <= covered_days <= period_days or period_days <= 0:
        raise ValueError(f"{covered_days} days covered of a {period_days}-day period")
    if covered_days == period_days:
        return quantity
    return (quantity * covered_days / period_days).quantize(QUOTA_PLACES, rounding=ROUND_HALF_UP)


def project(quantity: Decimal, aggregation: str, elapsed: dt.timedelta, length: dt.timedelta) -> Decimal:
    """Linear projection of a period's usage to its end (max metrics are projected flat)."""
    if aggregation == "max" or elapsed >= length or elapsed.total_seconds() <= 0:
        return quantity
    return quantity * Decimal(length.total_seconds()) / Decimal(elapsed.total_seconds())
