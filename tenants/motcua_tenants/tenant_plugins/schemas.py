from marshmallow import fields
from motcua_platform.web.schema import Schema


class PluginSchema(Schema):
    name = fields.String()
    title_vi = fields.String()
    title_en = fields.String()
    version = fields.String()
    required_plugins = fields.List(fields.String())
    procedures = fields.Method("_procedures")
    default_settings = fields.Dict()

    def _procedures(self, plugin) -> list[dict]:
        return [{"code": p.code, "name_vi": p.name_vi} for p in plugin.procedures]


class TenantPluginSchema(Schema):
    name = fields.Function(lambda state: state.plugin.name)
    title_vi = fields.Function(lambda state: state.plugin.title_vi)
    allowed = fields.Boolean(metadata={"description": "On the tenant's allow-list: its contract allows it."})
    enabled = fields.Boolean()
    settings = fields.Dict()


class ProvincePluginSchema(Schema):
    """A plugin as its province sees it: whether the contract allows it and whether the province has it."""

    name = fields.Function(lambda state: state.plugin.name)
    title_vi = fields.Function(lambda state: state.plugin.title_vi)
    title_en = fields.Function(lambda state: state.plugin.title_en)
    version = fields.Function(lambda state: state.plugin.version)
    required_plugins = fields.Function(lambda state: list(state.plugin.required_plugins))
    procedures = fields.Function(lambda state: len(state.plugin.procedures))
    allowed = fields.Boolean(metadata={"description": "The province's contract allows it: it may enable it."})
    enabled = fields.Boolean()


class TenantPluginUpdateSchema(Schema):
    enabled = fields.Boolean(required=True)
    settings = fields.Dict(load_default=dict)


class TenantPluginAllowSchema(Schema):
    allowed = fields.Boolean(
        required=True, metadata={"description": "false takes it off the allow-list and disables it if enabled."}
    )
