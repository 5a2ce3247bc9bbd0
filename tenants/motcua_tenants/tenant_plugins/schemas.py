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
    enabled = fields.Boolean()
    settings = fields.Dict()


class TenantPluginUpdateSchema(Schema):
    enabled = fields.Boolean(required=True)
    settings = fields.Dict(load_default=dict)
