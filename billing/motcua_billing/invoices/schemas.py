from marshmallow import ValidationError, fields, validate
from motcua_platform.web.schema import Schema

from motcua_billing.rating.periods import FIRST_YEAR, LAST_YEAR, parse_month

STATUSES = ["draft", "finalized", "paid", "void"]


class Month(fields.String):
    """A billing month, ``YYYY-MM`` (Asia/Ho_Chi_Minh), loaded as the date of its first day through the one
    period parser (``periods.parse_month``), so every route refuses what the command line refuses."""

    def __init__(self, **kwargs):
        metadata = {
            "example": "2026-10",
            "pattern": r"^20\d{2}-(0[1-9]|1[0-2])$",  # the years FIRST_YEAR–LAST_YEAR, 2000–2099
            "description": f"A month, YYYY-MM, in the years {FIRST_YEAR}–{LAST_YEAR}.",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_month(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value:%Y-%m}"


class RunSchema(Schema):
    period = Month(required=True)


class RunReportSchema(Schema):
    period = fields.String()
    created = fields.List(fields.String())
    updated = fields.List(fields.String())
    unchanged = fields.List(fields.String())
    skipped = fields.Dict(keys=fields.String(), values=fields.String())
    invoice_ids = fields.List(fields.Integer())


class PreviewLineSchema(Schema):
    """A line the run would bill (an invoice's lines add their id and details: InvoiceLineSchema)."""

    position = fields.Integer()
    kind = fields.String(metadata={"enum": ["lease", "usage", "adjustment"]})
    metric_code = fields.String(allow_none=True)
    description = fields.String()
    service_start = fields.Date()
    service_end = fields.Date()
    quantity = fields.Decimal(as_string=True)
    included_quantity = fields.Decimal(as_string=True)
    billable_quantity = fields.Decimal(as_string=True)
    unit = fields.String()
    amount_vnd = fields.Integer()
    event_count = fields.Integer()


class PreviewInvoiceSchema(Schema):
    tenant = fields.String()
    contract = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    change = fields.String(
        metadata={
            "enum": ["new", "update", "unchanged"],
            "description": "new: the run would create the draft; update: it would recompute the tenant's draft "
            "(draft_id); unchanged: the draft already says this.",
        }
    )
    draft_id = fields.Integer(allow_none=True)
    lines = fields.List(fields.Nested(PreviewLineSchema))
    subtotal_vnd = fields.Integer()
    vat_rate = fields.Decimal(as_string=True)
    vat_vnd = fields.Integer()
    total_vnd = fields.Integer()


class PreviewTotalsSchema(Schema):
    subtotal_vnd = fields.Integer()
    vat_vnd = fields.Integer()
    total_vnd = fields.Integer()


class PreviewSchema(Schema):
    period = fields.String()
    month_to_date = fields.Boolean(
        metadata={"description": "The month has not ended: its usage so far. The run bills it from billable_from."}
    )
    billable_from = fields.DateTime(metadata={"description": "When the month has ended (Asia/Ho_Chi_Minh)."})
    invoices = fields.List(fields.Nested(PreviewInvoiceSchema))
    skipped = fields.Dict(keys=fields.String(), values=fields.String())
    totals = fields.Nested(PreviewTotalsSchema)


class ReconciledSchema(Schema):
    invoice = fields.Integer()
    number = fields.String(allow_none=True)
    remote = fields.String(metadata={"description": "The collector's (Stripe's) invoice id."})


class MismatchSchema(Schema):
    invoice = fields.Integer(metadata={"description": "Our invoice, when the difference is about one."})
    number = fields.String(allow_none=True)
    remote = fields.String(allow_none=True)
    event = fields.String(metadata={"description": "A collector event not yet applied to any invoice here."})
    problem = fields.String()


class ReconciliationSchema(Schema):
    checked = fields.Integer(metadata={"description": "Invoices compared with the collector."})
    matched = fields.List(fields.Nested(ReconciledSchema))
    mismatches = fields.List(fields.Nested(MismatchSchema))


class InvoiceLineSchema(PreviewLineSchema):
    """A line as billed: what the run's preview shows of it, with its id and the rating's details."""

    id = fields.Integer()
    details = fields.Dict()


class InvoiceSchema(Schema):
    id = fields.Integer()
    tenant = fields.String(attribute="tenant_slug")
    number = fields.String(attribute="display_number", allow_none=True)
    status = fields.String(metadata={"enum": STATUSES})
    period_start = fields.Date()
    period_end = fields.Date()
    currency = fields.String()
    subtotal_vnd = fields.Integer()
    vat_rate = fields.Decimal(as_string=True)
    vat_vnd = fields.Integer()
    total_vnd = fields.Integer()
    amount_paid_vnd = fields.Integer()
    amount_due_vnd = fields.Integer()
    finalized_at = fields.DateTime(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    voided_at = fields.DateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)
    stripe_invoice_id = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(InvoiceLineSchema))


class InvoiceListArgsSchema(Schema):
    tenant = fields.String(validate=validate.Length(max=30))
    status = fields.String(validate=validate.OneOf(STATUSES))
    period = Month()


class TenantInvoiceListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))


class ExportArgsSchema(Schema):
    tenant = fields.String(validate=validate.Length(max=30))
    status = fields.String(validate=validate.OneOf(STATUSES))
    period = Month()


class VoidSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class PaymentInSchema(Schema):
    amount_vnd = fields.Integer(required=True, strict=True, metadata={"example": 111650000})
    reference = fields.String(
        required=True, validate=validate.Length(min=1, max=200), metadata={"example": "VCB-FT26305123456"}
    )
    method = fields.String(load_default="bank_transfer", validate=validate.OneOf(["bank_transfer", "cash"]))
    paid_at = fields.AwareDateTime(load_default=None, allow_none=True)


class PaymentSchema(Schema):
    id = fields.Integer()
    invoice_id = fields.Integer()
    amount_vnd = fields.Integer()
    method = fields.String()
    reference = fields.String()
    paid_at = fields.DateTime()
    recorded_by = fields.String()
    invoice_number = fields.String(
        allow_none=True, metadata={"description": "The invoice's number (in lists of payments)."}
    )


class MetricUsageSchema(Schema):
    metric = fields.String()
    name = fields.String()
    unit = fields.String()
    aggregation = fields.String()
    quantity = fields.Decimal(as_string=True)
    included = fields.Decimal(as_string=True)
    quota_left = fields.Decimal(as_string=True)
    used_percent = fields.Decimal(as_string=True, allow_none=True)
    overage_quantity = fields.Decimal(as_string=True)
    overage_vnd = fields.Integer()
    projected_quantity = fields.Decimal(as_string=True)
    projected_overage_vnd = fields.Integer()
    events = fields.Integer()


class UsageBudgetSchema(Schema):
    year_start = fields.Date()
    year_end = fields.Date()
    overage_budget_vnd = fields.Integer()
    overage_to_date_vnd = fields.Integer()
    projected_overage_vnd = fields.Integer()
    used_percent = fields.Decimal(as_string=True, allow_none=True)


class UsageSummarySchema(Schema):
    tenant = fields.String()
    contract = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    as_of = fields.DateTime()
    metrics = fields.List(fields.Nested(MetricUsageSchema))
    overage_vnd = fields.Integer()
    projected_overage_vnd = fields.Integer()
    budget = fields.Nested(UsageBudgetSchema)


class BudgetYearSchema(Schema):
    year_start = fields.Date()
    year_end = fields.Date()
    lease_vnd = fields.Integer()
    overage_budget_vnd = fields.Integer()
    actual_overage_vnd = fields.Integer()
    remaining_budget_vnd = fields.Integer()
    budget_used_percent = fields.Decimal(as_string=True)
    invoiced_vnd = fields.Integer()
    invoiced_before_vat_vnd = fields.Integer()
    paid_vnd = fields.Integer()
    outstanding_vnd = fields.Integer()


class BudgetTotalsSchema(Schema):
    lease_vnd = fields.Integer()
    overage_budget_vnd = fields.Integer()
    actual_overage_vnd = fields.Integer()
    remaining_budget_vnd = fields.Integer()
    invoiced_vnd = fields.Integer()
    invoiced_before_vat_vnd = fields.Integer()
    paid_vnd = fields.Integer()
    outstanding_vnd = fields.Integer()


class BudgetSchema(Schema):
    tenant = fields.String()
    contract = fields.String()
    years = fields.List(fields.Nested(BudgetYearSchema))
    totals = fields.Nested(BudgetTotalsSchema)


class InvoiceSignatureSchema(Schema):
    """The vendor's signature on an invoice's PDF."""

    invoice_id = fields.Integer()
    sha256 = fields.String(metadata={"description": "SHA-256 of the signed PDF, as /pdf serves it."})
    signer_name = fields.String(allow_none=True, metadata={"description": "The seal certificate's common name."})
    signer_fingerprint = fields.String(metadata={"description": "SHA-256 of the seal's certificate."})
    signed_by = fields.String()
    signed_at = fields.DateTime()
