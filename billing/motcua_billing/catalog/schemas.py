from marshmallow import fields, validate
from motcua_platform.web.schema import Schema

CADENCES = ["monthly", "quarterly", "annual"]
MONEY = validate.Range(min=0, max=10**15)


class MetricSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, metadata={"example": "sms_sent"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"example": "Tin nhắn SMS"})
    unit = fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={"example": "tin nhắn"})
    aggregation = fields.String(required=True, validate=validate.OneOf(["count", "sum", "max"]))
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))


class TierSchema(Schema):
    up_to = fields.Raw(
        allow_none=True,
        load_default=None,
        metadata={"description": "Cumulative overage units (beyond the quota) this tier reaches; null = no limit."},
    )
    unit_price = fields.Raw(required=True, metadata={"description": "VND per unit, a decimal string or number."})


class ChargeSchema(Schema):
    metric_code = fields.String(required=True)
    included_quantity = fields.Raw(load_default="0", metadata={"description": "Quota per billing period."})
    model = fields.String(load_default="graduated", validate=validate.OneOf(["graduated", "volume", "package"]))
    tiers = fields.List(fields.Nested(TierSchema), load_default=list)
    package_size = fields.Raw(allow_none=True, load_default=None)
    package_price = fields.Raw(allow_none=True, load_default=None)


class ChargeOutSchema(Schema):
    metric_code = fields.String()
    included_quantity = fields.Decimal(as_string=True)
    model = fields.String()
    tiers = fields.List(fields.Dict())
    package_size = fields.Decimal(as_string=True, allow_none=True)
    package_price = fields.Decimal(as_string=True, allow_none=True)


class PlanSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, metadata={"example": "daklak_2017"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    cadence = fields.String(load_default="monthly", validate=validate.OneOf(CADENCES))
    annual_fee_vnd = fields.Integer(required=True, validate=MONEY, metadata={"example": 1188000000})
    overage_budget_vnd = fields.Integer(load_default=0, validate=MONEY, metadata={"example": 240000000})
    charges = fields.List(fields.Nested(ChargeSchema), load_default=list)
    created_at = fields.DateTime(dump_only=True)


class AccountSchema(Schema):
    legal_name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    tax_code = fields.String(allow_none=True, load_default=None)
    address = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))
    emails = fields.List(fields.String(validate=validate.Length(max=254)), load_default=list)
    stripe_customer_id = fields.String(dump_only=True, allow_none=True)


class PriceVersionInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={"example": "pilot"})
    effective_from = fields.Date(required=True)
    annual_fee_vnd = fields.Integer(required=True, validate=MONEY)
    charges = fields.List(fields.Nested(ChargeSchema), load_default=list)


class PriceVersionSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    effective_from = fields.Date()
    annual_fee_vnd = fields.Integer()
    charges = fields.List(fields.Nested(ChargeOutSchema))


class ContractInSchema(Schema):
    tenant = fields.String(required=True, metadata={"example": "daklak"})
    code = fields.String(required=True, metadata={"example": "HD-2017-DLK"})
    plan = fields.String(load_default=None, allow_none=True, metadata={"description": "Plan code to copy."})
    starts_on = fields.Date(required=True, metadata={"example": "2017-01-01"})
    ends_on = fields.Date(required=True, metadata={"description": "Last day (inclusive)", "example": "2020-12-31"})
    cadence = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CADENCES))
    overage_budget_vnd = fields.Integer(load_default=None, allow_none=True, validate=MONEY)
    price_versions = fields.List(fields.Nested(PriceVersionInSchema), load_default=list)


class ContractSchema(Schema):
    id = fields.Integer()
    tenant = fields.Method("_tenant")
    code = fields.String()
    plan_id = fields.Integer(allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    cadence = fields.String()
    overage_budget_vnd = fields.Integer()
    status = fields.String()
    price_versions = fields.List(fields.Nested(PriceVersionSchema))
    created_at = fields.DateTime()

    def _tenant(self, contract) -> str:
        return getattr(contract, "tenant_slug", None)


class ContractListArgsSchema(Schema):
    tenant = fields.String(validate=validate.Length(max=30))
