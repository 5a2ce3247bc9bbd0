"""Metrics, plans, billing accounts and contracts. No Flask here; every write is audited in the same
transaction and the caller commits (or rolls back) the whole of it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from motcua_platform.audit.services import Actor, record
from motcua_platform.directory.models import Tenant
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.i18n import _
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_billing.catalog.models import (
    CADENCE_MONTHS,
    Aggregation,
    BillableMetric,
    BillingAccount,
    Cadence,
    Charge,
    Contract,
    Plan,
    PriceVersion,
)
from motcua_billing.rating import periods
from motcua_billing.rating.services import PriceSpec, Tier, spec_problems, to_decimal

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
CONTRACT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
MAX_MONEY = 10**15


# -- metrics -------------------------------------------------------------------------------------
def list_metrics(session: Session) -> list[BillableMetric]:
    return list(session.scalars(select(BillableMetric).order_by(BillableMetric.code)))


def metrics_by_code(session: Session) -> dict[str, BillableMetric]:
    return {m.code: m for m in list_metrics(session)}


def create_metric(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    unit: str,
    aggregation: str,
    description: str | None = None,
) -> BillableMetric:
    errors: dict[str, list[str]] = {}
    if not CODE_RE.match(code or ""):
        errors["code"] = [_("Code must be 2–64 lower-case letters, digits or underscores, starting with a letter.")]
    elif session.scalar(select(BillableMetric.id).where(BillableMetric.code == code)) is not None:
        errors["code"] = [_("Metric '%(code)s' already exists.", code=code)]
    if aggregation not in {a.value for a in Aggregation}:
        errors["aggregation"] = [_("Aggregation must be one of count, sum, max.")]
    if not (name or "").strip():
        errors["name"] = [_("Name is required.")]
    if not (unit or "").strip():
        errors["unit"] = [_("Unit is required.")]
    if errors:
        raise InvalidInput(_("The metric was not created."), errors)
    metric = BillableMetric(
        code=code, name=name.strip(), unit=unit.strip(), aggregation=aggregation, description=description
    )
    session.add(metric)
    session.flush()
    record(session, actor, "billing.metric_create", target=f"metric:{code}", aggregation=aggregation)
    return metric


# -- charges (shared by plans and price versions) ------------------------------------------------
def _charge_problems(session: Session, charges: Sequence[Mapping[str, Any]]) -> tuple[list[dict], dict]:
    """Normalised charges (JSON-safe) and field errors keyed by position."""
    known = metrics_by_code(session)
    normalised: list[dict] = []
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, raw in enumerate(charges):
        problems: list[str] = []
        code = raw.get("metric_code")
        if code not in known:
            problems.append(_("Unknown metric '%(code)s'.", code=code))
        elif code in seen:
            problems.append(_("Metric '%(code)s' is priced twice.", code=code))
        seen.add(code)
        try:
            spec = charge_spec_from_dict(raw)
        except (ValueError, TypeError, KeyError) as exc:
            problems.append(_("Invalid number: %(exc)s.", exc=exc))
            spec = None
        if spec is not None:
            problems.extend(spec_problems(spec))
        if problems:
            errors[str(index)] = problems
            continue
        normalised.append(
            {
                "metric_code": code,
                "included_quantity": str(spec.included),
                "model": spec.model,
                "tiers": [
                    {"up_to": None if t.up_to is None else str(t.up_to), "unit_price": str(t.unit_price)}
                    for t in spec.tiers
                ],
                "package_size": None if spec.package_size is None else str(spec.package_size),
                "package_price": None if spec.package_price is None else str(spec.package_price),
            }
        )
    return normalised, errors


def charge_spec_from_dict(raw: Mapping[str, Any]) -> PriceSpec:
    def optional(value):
        return None if value is None else to_decimal(value)

    model = raw.get("model", "graduated")
    tiers = tuple(Tier(optional(t.get("up_to")), to_decimal(t["unit_price"])) for t in (raw.get("tiers") or []))
    return PriceSpec(
        model=model,
        included=to_decimal(raw.get("included_quantity", 0)),
        tiers=tiers if model != "package" else (),
        package_size=optional(raw.get("package_size")),
        package_price=optional(raw.get("package_price")),
    )


def charge_spec(charge: Charge) -> PriceSpec:
    return charge_spec_from_dict(
        {
            "model": charge.model,
            "included_quantity": charge.included_quantity,
            "tiers": charge.tiers,
            "package_size": charge.package_size,
            "package_price": charge.package_price,
        }
    )


def _money_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return "An amount is a whole number of đồng."
    if value < 0 or value > MAX_MONEY:
        return "The amount must be between 0 and 10^15 đồng."
    return None


# -- plans ---------------------------------------------------------------------------------------
def list_plans(session: Session) -> list[Plan]:
    return list(session.scalars(select(Plan).order_by(Plan.code)))


def get_plan(session: Session, code: str) -> Plan:
    plan = session.scalar(select(Plan).where(Plan.code == code))
    if plan is None:
        raise NotFound(_("No plan '%(code)s'.", code=code))
    return plan


def create_plan(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    annual_fee_vnd: int,
    overage_budget_vnd: int = 0,
    cadence: str = Cadence.MONTHLY,
    charges: Sequence[Mapping[str, Any]] = (),
) -> Plan:
    errors: dict[str, Any] = {}
    if not CODE_RE.match(code or ""):
        errors["code"] = [_("Code must be 2–64 lower-case letters, digits or underscores, starting with a letter.")]
    elif session.scalar(select(Plan.id).where(Plan.code == code)) is not None:
        errors["code"] = [_("Plan '%(code)s' already exists.", code=code)]
    if cadence not in CADENCE_MONTHS:
        errors["cadence"] = [_("Cadence must be monthly, quarterly or annual.")]
    for attr, value in (("annual_fee_vnd", annual_fee_vnd), ("overage_budget_vnd", overage_budget_vnd)):
        if problem := _money_problem(value):
            errors[attr] = [problem]
    normalised, charge_errors = _charge_problems(session, charges)
    if charge_errors:
        errors["charges"] = charge_errors
    if errors:
        raise InvalidInput(_("The plan was not created."), errors)
    plan = Plan(
        code=code,
        name=name.strip(),
        cadence=cadence,
        annual_fee_vnd=annual_fee_vnd,
        overage_budget_vnd=overage_budget_vnd,
        charges=normalised,
    )
    session.add(plan)
    session.flush()
    record(session, actor, "billing.plan_create", target=f"plan:{code}", annual_fee_vnd=annual_fee_vnd)
    return plan


# -- billing accounts ----------------------------------------------------------------------------
def tenant_by_slug(session: Session, slug: str, *, lock: bool = False) -> Tenant:
    query = select(Tenant).where(Tenant.slug == slug)
    if lock:
        query = query.with_for_update()
    tenant = session.scalar(query)
    if tenant is None:
        raise NotFound(_("No tenant with slug '%(slug)s'.", slug=slug))
    return tenant


def get_account(session: Session, tenant_id: int) -> BillingAccount | None:
    return session.scalar(select(BillingAccount).where(BillingAccount.tenant_id == tenant_id))


def set_account(
    session: Session,
    actor: Actor,
    slug: str,
    *,
    legal_name: str,
    tax_code: str | None = None,
    address: str | None = None,
    emails: Sequence[str] = (),
) -> BillingAccount:
    tenant = tenant_by_slug(session, slug)
    errors = {}
    bad = [e for e in emails if "@" not in e or len(e) > 254]
    if bad:
        errors["emails"] = [f"'{e}' is not an e-mail address." for e in bad]
    if tax_code and not re.fullmatch(r"\d{10}(-\d{3})?", tax_code):
        errors["tax_code"] = [_("A Vietnamese tax code has 10 digits, optionally followed by -NNN.")]
    if not (legal_name or "").strip():
        errors["legal_name"] = [_("The legal name is required.")]
    if errors:
        raise InvalidInput(_("The billing account was not saved."), errors)
    account = get_account(session, tenant.id)
    if account is None:
        account = BillingAccount(tenant_id=tenant.id, legal_name=legal_name.strip())
        session.add(account)
    account.legal_name, account.tax_code, account.address = legal_name.strip(), tax_code, address
    account.emails = list(dict.fromkeys(e.strip().lower() for e in emails))
    session.flush()
    record(session, actor, "billing.account_set", target=f"tenant:{slug}", tenant_slug=slug, emails=account.emails)
    return account


# -- contracts -----------------------------------------------------------------------------------
def list_contracts(session: Session, tenant_id: int | None = None) -> list[Contract]:
    query = select(Contract).order_by(Contract.tenant_id, Contract.starts_on)
    if tenant_id is not None:
        query = query.where(Contract.tenant_id == tenant_id)
    return list(session.scalars(query))


def get_contract(session: Session, code: str, tenant_id: int | None = None) -> Contract:
    query = select(Contract).where(Contract.code == code)
    if tenant_id is not None:
        query = query.where(Contract.tenant_id == tenant_id)
    contract = session.scalar(query)
    if contract is None:
        raise NotFound(_("No contract '%(code)s'.", code=code))
    return contract


def contract_for_month(session: Session, tenant_id: int, month: dt.date) -> Contract | None:
    return session.scalar(
        select(Contract).where(
            Contract.tenant_id == tenant_id,
            Contract.status == "active",
            Contract.starts_on <= month,
            Contract.ends_on >= month,
        )
    )


def price_version_for(contract: Contract, day: dt.date) -> PriceVersion:
    versions = [v for v in contract.price_versions if v.effective_from <= day]
    if not versions:
        raise Conflict(_("Contract '%(code)s' has no price version in force on %(day)s.", code=contract.code, day=day))
    return versions[-1]


def _is_month_start(day: dt.date) -> bool:
    return day.day == 1


def _is_month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1


def _build_version(
    session: Session, contract: Contract, raw: Mapping[str, Any], errors: dict, key: str
) -> PriceVersion | None:
    problems: dict[str, Any] = {}
    effective_from = raw.get("effective_from")
    if not isinstance(effective_from, dt.date) or not _is_month_start(effective_from):
        problems["effective_from"] = ["A price version takes effect on the first day of a month."]
    elif not (contract.starts_on <= effective_from <= contract.ends_on):
        problems["effective_from"] = ["The price version must take effect within the contract term."]
    if problem := _money_problem(raw.get("annual_fee_vnd")):
        problems["annual_fee_vnd"] = [problem]
    if not (raw.get("name") or "").strip():
        problems["name"] = ["Name the price version, e.g. 'pilot' or 'official tariff'."]
    normalised, charge_errors = _charge_problems(session, raw.get("charges") or [])
    if charge_errors:
        problems["charges"] = charge_errors
    if problems:
        errors[key] = problems
        return None
    version = PriceVersion(
        name=raw["name"].strip(), effective_from=effective_from, annual_fee_vnd=raw["annual_fee_vnd"]
    )
    for charge in normalised:
        version.charges.append(
            Charge(
                metric_code=charge["metric_code"],
                included_quantity=Decimal(charge["included_quantity"]),
                model=charge["model"],
                tiers=charge["tiers"],
                package_size=None if charge["package_size"] is None else Decimal(charge["package_size"]),
                package_price=None if charge["package_price"] is None else Decimal(charge["package_price"]),
            )
        )
    return version


def create_contract(
    session: Session,
    actor: Actor,
    *,
    tenant: str,
    code: str,
    starts_on: dt.date,
    ends_on: dt.date,
    plan: str | None = None,
    cadence: str | None = None,
    overage_budget_vnd: int | None = None,
    price_versions: Sequence[Mapping[str, Any]] = (),
) -> Contract:
    """A contract for ``tenant``. With ``plan`` and no ``price_versions``, the plan's terms are copied into
    the first price version; explicit versions (e.g. pilot, then official tariff) replace that copy."""
    row = tenant_by_slug(session, tenant, lock=True)  # serialises contract changes per tenant
    errors: dict[str, Any] = {}
    template = get_plan(session, plan) if plan else None
    if not CONTRACT_CODE_RE.match(code or ""):
        errors["code"] = [_("Contract code: letters, digits and . _ / - (up to 64).")]
    elif session.scalar(select(Contract.id).where(Contract.code == code)) is not None:
        errors["code"] = [_("Contract '%(code)s' already exists.", code=code)]
    # the years every billing period lies in: 0001-01-01 is a typo, and 9999-12-31 has no day after it
    outside = [f for f, d in (("starts_on", starts_on), ("ends_on", ends_on)) if not periods.in_billing_years(d)]
    for field in outside:
        errors[field] = [
            _(
                "A contract term lies in the billing years %(first_year)s–%(last_year)s.",
                first_year=periods.FIRST_YEAR,
                last_year=periods.LAST_YEAR,
            )
        ]
    if not outside:
        if not _is_month_start(starts_on):
            errors["starts_on"] = [_("A contract starts on the first day of a month.")]
        if not _is_month_end(ends_on):
            errors["ends_on"] = [_("A contract ends on the last day of a month.")]
        elif ends_on <= starts_on:
            errors["ends_on"] = [_("The contract must end after it starts.")]
    cadence = cadence or (template.cadence if template else Cadence.MONTHLY)
    if cadence not in CADENCE_MONTHS:
        errors["cadence"] = [_("Cadence must be monthly, quarterly or annual.")]
    if overage_budget_vnd is None:
        overage_budget_vnd = template.overage_budget_vnd if template else 0
    if problem := _money_problem(overage_budget_vnd):
        errors["overage_budget_vnd"] = [problem]
    if not price_versions and template is None:
        errors["price_versions"] = [_("Give a plan to copy or at least one price version.")]
    if errors:
        raise InvalidInput(_("The contract was not created."), errors)
    overlapping = session.scalar(
        select(Contract).where(
            Contract.tenant_id == row.id,
            Contract.status == "active",
            Contract.starts_on <= ends_on,
            Contract.ends_on >= starts_on,
        )
    )
    if overlapping is not None:
        raise Conflict(
            _(
                "Tenant '%(tenant)s' already has contract '%(code)s' from %(starts_on)s to %(ends_on)s; "
                "contract terms cannot overlap.",
                tenant=tenant,
                code=overlapping.code,
                starts_on=overlapping.starts_on,
                ends_on=overlapping.ends_on,
            ),
            {"starts_on": [_("Overlaps an existing contract.")]},
        )
    contract = Contract(
        tenant_id=row.id,
        code=code,
        plan_id=template.id if template else None,
        starts_on=starts_on,
        ends_on=ends_on,
        cadence=cadence,
        overage_budget_vnd=overage_budget_vnd,
    )
    raw_versions = list(price_versions) or [
        {
            "name": template.name,
            "effective_from": starts_on,
            "annual_fee_vnd": template.annual_fee_vnd,
            "charges": template.charges,
        }
    ]
    version_errors: dict[str, Any] = {}
    for index, raw in enumerate(raw_versions):
        version = _build_version(session, contract, raw, version_errors, str(index))
        if version is not None:
            contract.price_versions.append(version)
    dates = [v.get("effective_from") for v in raw_versions]
    if not version_errors:
        if len(set(dates)) != len(dates):
            version_errors["_schema"] = [_("Two price versions take effect on the same day.")]
        elif min(dates) != starts_on:
            version_errors["_schema"] = [_("The first price version must take effect when the contract starts.")]
    if version_errors:
        raise InvalidInput(_("The contract was not created."), {"price_versions": version_errors})
    session.add(contract)
    session.flush()
    record(
        session,
        actor,
        "billing.contract_create",
        target=f"contract:{code}",
        tenant_slug=tenant,
        plan=plan,
        starts_on=str(starts_on),
        ends_on=str(ends_on),
        versions=[f"{v.name}@{v.effective_from}" for v in contract.price_versions],
    )
    return contract


def add_price_version(session: Session, actor: Actor, contract_code: str, raw: Mapping[str, Any]) -> PriceVersion:
    """A new tariff from a future month (e.g. the official tariff after the pilot). Periods already
    invoiced keep the tariff they were rated with."""
    from motcua_billing.invoices.models import Invoice, InvoiceStatus

    contract = get_contract(session, contract_code)
    tenant = session.get(Tenant, contract.tenant_id, with_for_update=True)
    errors: dict[str, Any] = {}
    version = _build_version(session, contract, raw, errors, "version")
    if version is None:
        raise InvalidInput(_("The price version was not added."), errors["version"])
    if any(v.effective_from == version.effective_from for v in contract.price_versions):
        raise Conflict(
            _(
                "Contract '%(contract_code)s' already has a price version from %(effective_from)s.",
                contract_code=contract_code,
                effective_from=version.effective_from,
            )
        )
    invoiced = session.scalar(
        select(Invoice.id).where(
            Invoice.contract_id == contract.id,
            Invoice.status != InvoiceStatus.DRAFT,
            Invoice.status != InvoiceStatus.VOID,
            Invoice.period_end > version.effective_from,
        )
    )
    if invoiced is not None:
        raise Conflict(_("Periods from that month on are already invoiced; a new tariff can only apply later."))
    contract.price_versions.append(version)
    session.flush()
    record(
        session,
        actor,
        "billing.price_version_add",
        target=f"contract:{contract_code}",
        tenant_slug=tenant.slug,
        name=version.name,
        effective_from=str(version.effective_from),
        annual_fee_vnd=version.annual_fee_vnd,
    )
    return version
