from marshmallow import fields, validate
from motcua_platform.i18n import _
from motcua_platform.plugins.definitions import UNIT_KINDS, Level, OnlineMode, TimeUnit
from motcua_platform.web.schema import Schema

TIME_UNITS = validate.OneOf([u.value for u in TimeUnit])
ONLINE_MODES = validate.OneOf([m.value for m in OnlineMode])
LEVELS = validate.OneOf([lv.value for lv in Level])


class FeeSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    amount = fields.Integer(required=True, validate=validate.Range(min=0), metadata={"description": "VND"})
    per = fields.String(allow_none=True, load_default=None)
    exemptions = fields.List(fields.String(), load_default=list)


class DocumentSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    original = fields.Boolean(load_default=True)
    count = fields.Integer(load_default=1, validate=validate.Range(min=1))
    required = fields.Boolean(load_default=True)


class WorkflowStepSchema(Schema):
    name = fields.String()
    role = fields.String()
    unit_kind = fields.String()
    allotted_hours = fields.Integer()
    signature = fields.String(
        allow_none=True,
        metadata={"description": "personal or seal: the result must be signed so before the step completes."},
    )


class ProcedureSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[0-9]\.[0-9]{6}(\.[A-Z0-9]{1,10})?$", error=_("Not a national procedure code like 1.001193.")
        ),
    )
    version = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True)
    plugin = fields.String(dump_only=True, allow_none=True)
    name_vi = fields.String(required=True, validate=validate.Length(min=1, max=400))
    name_en = fields.String(allow_none=True, validate=validate.Length(max=400))
    field = fields.String(required=True, validate=validate.Length(min=1, max=200))
    level = fields.String(required=True, validate=LEVELS)
    competent_unit_kind = fields.String(required=True, validate=validate.OneOf(UNIT_KINDS))
    time_limit_value = fields.Integer(required=True, validate=validate.Range(min=0))
    time_limit_unit = fields.String(required=True, validate=TIME_UNITS)
    same_day_cutoff_hour = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=23))
    fees = fields.List(fields.Nested(FeeSchema), load_default=list)
    documents = fields.List(fields.Nested(DocumentSchema), load_default=list)
    online_mode = fields.String(required=True, validate=ONLINE_MODES)
    legacy_level = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=4))
    result_document = fields.String(allow_none=True)
    legal_basis = fields.List(fields.String(), load_default=list)
    applicants = fields.String(allow_none=True)
    workflow = fields.List(fields.Nested(WorkflowStepSchema), dump_only=True)
    overridden = fields.List(
        fields.String(),
        dump_only=True,
        metadata={"description": "Fields the province overrides from the plugin definition."},
    )
    published_at = fields.DateTime(dump_only=True, allow_none=True)


class ProcedureSummarySchema(Schema):
    """A search result; GET /api/v1/procedures/<code> has the details."""

    code = fields.String()
    version = fields.Integer()
    name_vi = fields.String()
    name_en = fields.String(allow_none=True)
    field = fields.String()
    level = fields.String()
    competent_unit_kind = fields.String()
    time_limit_value = fields.Integer()
    time_limit_unit = fields.String()
    same_day_cutoff_hour = fields.Integer(allow_none=True)
    online_mode = fields.String()
    plugin = fields.String(allow_none=True)


class ProcedureRevisionSchema(Schema):
    name_vi = fields.String(validate=validate.Length(min=1, max=400))
    name_en = fields.String(allow_none=True)
    field = fields.String(validate=validate.Length(min=1, max=200))
    level = fields.String(validate=LEVELS)
    competent_unit_kind = fields.String(validate=validate.OneOf(UNIT_KINDS))
    time_limit_value = fields.Integer(validate=validate.Range(min=0))
    time_limit_unit = fields.String(validate=TIME_UNITS)
    same_day_cutoff_hour = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=23))
    fees = fields.List(fields.Nested(FeeSchema))
    documents = fields.List(fields.Nested(DocumentSchema))
    online_mode = fields.String(validate=ONLINE_MODES)
    legacy_level = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=4))
    result_document = fields.String(allow_none=True)
    legal_basis = fields.List(fields.String())
    applicants = fields.String(allow_none=True)


class SearchArgsSchema(Schema):
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Words, accents optional: 'dang ky khai sinh' finds 'Đăng ký khai sinh'."},
    )
    field = fields.String(validate=validate.Length(max=200))
    level = fields.String(validate=LEVELS)
    unit_kind = fields.String(validate=validate.OneOf(UNIT_KINDS))
    online_mode = fields.String(validate=ONLINE_MODES)
    plugin = fields.String(validate=validate.Length(max=60))


class VersionArgsSchema(Schema):
    version = fields.Integer(validate=validate.Range(min=1))


class FormDescriptionSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    schema = fields.Dict(metadata={"description": "JSON Schema of the application form."})
    documents = fields.List(fields.Nested(DocumentSchema))
    fees = fields.List(fields.Nested(FeeSchema))


class FeeLineSchema(Schema):
    name = fields.String()
    amount = fields.Integer()
    note = fields.String(allow_none=True)


class FormCheckResultSchema(Schema):
    valid = fields.Boolean()
    data = fields.Dict()
    fees = fields.List(fields.Nested(FeeLineSchema))
    total_fee = fields.Integer()


class DriftSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    plugin = fields.String()
    removed = fields.Boolean(metadata={"description": "The plugin no longer defines this procedure."})
    overrides_drifted = fields.List(
        fields.String(),
        metadata={"description": "The plugin changed fields the province overrides: review the override."},
    )
    updates_available = fields.List(
        fields.String(),
        metadata={"description": "The plugin changed fields the province follows: apply with apply-plugin-update."},
    )


class DiffLineSchema(Schema):
    kind = fields.String(metadata={"description": "same, changed, plugin_only or province_only."})
    plugin = fields.String(allow_none=True, metadata={"description": "The line as the plugin defines it now."})
    province = fields.String(allow_none=True, metadata={"description": "The line as the province has it."})


class FieldDiffSchema(Schema):
    name = fields.String()
    changed = fields.Boolean(metadata={"description": "The province's value differs from the plugin's."})
    overridden = fields.Boolean(metadata={"description": "The province overrides this field."})
    plugin_changed = fields.Boolean(
        metadata={"description": "The plugin changed this field since the province took its definition."}
    )
    lines = fields.List(fields.Nested(DiffLineSchema))


class DriftDiffSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    status = fields.String()
    plugin = fields.String()
    removed = fields.Boolean(metadata={"description": "The plugin no longer defines this procedure."})
    # "fields" would shadow the schema's own attribute of that name
    field_diffs = fields.List(
        fields.Nested(FieldDiffSchema),
        attribute="fields",
        data_key="fields",
        metadata={"description": "Every field of the entry, side by side."},
    )


class ExportArgsSchema(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class ImportResultSchema(Schema):
    imported = fields.Integer()
