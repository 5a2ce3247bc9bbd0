import dataclasses
from importlib.metadata import EntryPoint

import pytest
from marshmallow import Schema, fields, validates, validates_schema
from motcua_platform.plugins import Plugin, PluginError
from motcua_platform.plugins.engine import BUILT_IN, discovered, load_plugins
from motcua_plugins.civil_status.plugin import CivilStatusPlugin
from motcua_plugins.land.plugin import LandPlugin


def ep(name: str, target: str) -> EntryPoint:
    return EntryPoint(name=name, value=f"{__name__}:{target}", group="motcua.plugins")


class Base(Plugin):
    name = "base_group"
    title_vi, title_en = "Nhóm gốc", "Base group"
    procedures = (dataclasses.replace(CivilStatusPlugin.procedures[0], code="9.000001", key="base_one"),)


class NeedsMissing(Plugin):
    name = "needs_missing"
    title_vi, title_en = "Phụ thuộc", "Dependent"
    required_plugins = ("absent_group",)


class NeedsBase(Plugin):
    name = "needs_base"
    title_vi, title_en = "Phụ thuộc", "Dependent"
    required_plugins = ("base_group",)


class BadProcedure(Plugin):
    name = "bad_procedure"
    title_vi, title_en = "Lỗi", "Broken"
    procedures = (dataclasses.replace(CivilStatusPlugin.procedures[0], code="not-a-code", workflow=(), form=dict),)


class SameCodeAsCivilStatus(Plugin):
    name = "same_code"
    title_vi, title_en = "Trùng mã", "Same code"
    procedures = (dataclasses.replace(CivilStatusPlugin.procedures[0], key="other"),)


def two_argument_calculator(data, procedure):  # the shape the guide used to document
    return []


def validator_wanting_two(value, context):
    pass


class FormWithBadHooks(Schema):
    tags = fields.List(fields.String(validate=validator_wanting_two))
    name = fields.String()

    @validates("name")
    def check_name(self, value):  # marshmallow 4 also passes data_key=
        pass

    @validates_schema
    def check_all(self, data):  # marshmallow passes partial=, many=, unknown=
        pass


class BadCallables(Plugin):
    name = "bad_callables"
    title_vi, title_en = "Sai chữ ký", "Bad signatures"
    procedures = (
        dataclasses.replace(
            CivilStatusPlugin.procedures[0],
            code="9.000002",
            key="bad_callables",
            form=FormWithBadHooks,
            fee_calculator=two_argument_calculator,
        ),
    )


class NotAPlugin:
    name = "not_a_plugin"


class WrongName(Base):
    name = "declared_differently"


def test_built_ins_load_by_default_in_dependency_order():
    registry = load_plugins()
    assert registry.names == BUILT_IN
    assert sum(len(p.procedures) for p in registry) == 15


def test_allow_list_decides_what_loads():
    assert load_plugins(["land"]).names == ("land",)


def test_the_separately_installed_example_plugin_is_discovered_and_loads():
    assert "fishing" in discovered()
    registry = load_plugins([*BUILT_IN, "fishing"])
    plugin = registry.get("fishing")
    assert plugin.procedures[0].code == "1.004359"
    assert type(plugin).__module__ == "motcua_plugin_fishing.plugin"


@pytest.mark.parametrize(
    ("allow", "available", "message"),
    [
        (["ghost"], {}, "plugin 'ghost' is in the allow-list but not installed"),
        (
            ["base_group"],
            {"base_group": [ep("base_group", "Base"), ep("base_group", "NeedsBase")]},
            "plugin 'base_group' is provided twice",
        ),
        (
            ["needs_missing"],
            {"needs_missing": [ep("needs_missing", "NeedsMissing")]},
            "plugin 'needs_missing' requires absent_group, which is not loaded",
        ),
        (
            ["bad_procedure"],
            {"bad_procedure": [ep("bad_procedure", "BadProcedure")]},
            "plugin 'bad_procedure' is invalid",
        ),
        (["not_a_plugin"], {"not_a_plugin": [ep("not_a_plugin", "NotAPlugin")]}, "is not a Plugin subclass"),
        (
            ["base_group"],
            {"base_group": [ep("base_group", "WrongName")]},
            "its class declares name 'declared_differently'",
        ),
        (["base_group"], {"base_group": [ep("base_group", "Nowhere")]}, "plugin 'base_group' failed to import"),
    ],
)
def test_bad_plugins_stop_the_start_with_an_error_naming_them(allow, available, message):
    with pytest.raises(PluginError, match=message):
        load_plugins(allow, available)


def test_invalid_definition_lists_each_problem():
    with pytest.raises(PluginError) as info:
        load_plugins(["bad_procedure"], {"bad_procedure": [ep("bad_procedure", "BadProcedure")]})
    text = str(info.value)
    assert "is not a national procedure code" in text
    assert "form must be a marshmallow Schema" in text
    assert "workflow template" in text


def test_callables_that_cannot_be_called_as_the_code_calls_them_stop_the_start():
    with pytest.raises(PluginError) as info:
        load_plugins(["bad_callables"], {"bad_callables": [ep("bad_callables", "BadCallables")]})
    problems = str(info.value).removeprefix("plugin 'bad_callables' is invalid: ").split("; ")
    assert problems == [
        "procedure bad_callables: field 'tags': validator validator_wanting_two cannot be called as "
        "validator(value): missing a required argument: 'context'",
        "procedure bad_callables: @validates method FormWithBadHooks.check_name cannot be called as "
        "method(value, data_key=…): "
        "got an unexpected keyword argument 'data_key'",
        "procedure bad_callables: @validates_schema method FormWithBadHooks.check_all cannot be called as "
        "method(data, partial=…, many=…, unknown=…): "
        "got an unexpected keyword argument 'partial'",
        "procedure bad_callables: fee calculator two_argument_calculator cannot be called as "
        "calculator(data, procedure, settings): too many positional arguments",
    ]


def test_two_plugins_cannot_declare_the_same_procedure_code():
    available = {**discovered(), "same_code": [ep("same_code", "SameCodeAsCivilStatus")]}
    with pytest.raises(PluginError, match=r"procedure code 1\.001193 is already declared by plugin 'civil_status'"):
        load_plugins(["civil_status", "same_code"], available)


def test_required_plugins_load_first():
    available = {"needs_base": [ep("needs_base", "NeedsBase")], "base_group": [ep("base_group", "Base")]}
    assert load_plugins(["needs_base", "base_group"], available).names == ("base_group", "needs_base")


def test_every_built_in_procedure_is_complete():
    for plugin in load_plugins():
        for procedure in plugin.procedures:
            assert procedure.problems() == []
            assert issubclass(procedure.form, Schema)
            assert procedure.documents and procedure.workflow and procedure.legal_basis


def test_plugin_settings_are_checked():
    land = LandPlugin()
    assert land.validate_settings({"nonsense": 1}) == {"nonsense": ["Unknown setting for plugin land."]}
    household = load_plugins(["household_business"]).get("household_business")
    problem = household.validate_settings({"online_discount_percent": "half"})["online_discount_percent"][0]
    assert problem.startswith("Must be of type")
    assert household.validate_settings({"online_discount_percent": 30}) == {}
