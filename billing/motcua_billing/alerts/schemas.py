from marshmallow import fields, validate
from motcua_platform.web.schema import Schema

from motcua_billing.invoices.schemas import Month

KINDS = ["quota", "budget"]


PERIOD = {
    "description": "YYYY-MM: the quota alerts of the billing period that begins that month, and the "
    "overage-budget alerts of the contract year that contains it."
}


class TenantAlertListArgsSchema(Schema):
    period = Month(metadata=PERIOD)
    kind = fields.String(validate=validate.OneOf(KINDS))


class AlertListArgsSchema(TenantAlertListArgsSchema):
    tenant = fields.String(validate=validate.Length(max=30))


class _AlertBaseSchema(Schema):
    id = fields.Integer()
    tenant = fields.String(attribute="tenant_slug")
    kind = fields.String(metadata={"enum": KINDS, "description": "quota: a metric's quota; budget: the overage budget"})
    subject = fields.String(metadata={"description": "The metric code, or overage_budget."})
    period = fields.String(
        attribute="period_key",
        metadata={"description": "The billing period (2026-10) or the contract year (2026-01/2027-01)."},
    )
    threshold = fields.Integer(metadata={"enum": [50, 80, 100]})
    used_percent = fields.Function(lambda alert: alert.details.get("percent"), metadata={"type": "string"})
    message = fields.Function(lambda alert: alert.details.get("text"), metadata={"type": "string"})
    sent_at = fields.DateTime()


class TenantAlertSchema(_AlertBaseSchema):
    """An alert as the province sees it: which of its own finance addresses it was mailed to, never the
    vendor's."""

    notified = fields.List(
        fields.String(),
        metadata={
            "description": "The province's finance e-mails (its billing account's, as they are now) the alert "
            "was mailed to; empty when it was not mailed."
        },
    )


class AlertSchema(_AlertBaseSchema):
    """An alert as the vendor sees it: also whom it was mailed to (empty when no SMTP server is set)."""

    recipients = fields.List(fields.String())
