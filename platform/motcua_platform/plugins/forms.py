"""Application forms: validate with the plugin's marshmallow schema (Vietnamese messages, every error at
once), and describe the form as JSON Schema for the portal to render."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, ValidationError, fields, validate

from motcua_platform.errors import InvalidInput

# Vietnamese defaults for marshmallow's built-in messages.
MESSAGES_VI = {
    "required": "Trường này là bắt buộc.",
    "null": "Trường này không được để trống.",
    "invalid": "Giá trị không hợp lệ.",
    "unknown": "Trường không được phép.",
}


class FormSchema(Schema):
    """Base for plugin forms: Vietnamese messages for missing, empty and unknown fields."""

    error_messages = {"unknown": MESSAGES_VI["unknown"], "type": "Dữ liệu phải là một đối tượng JSON."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field_obj in self.fields.values():
            field_obj.error_messages.setdefault("required", MESSAGES_VI["required"])
            field_obj.error_messages["required"] = MESSAGES_VI["required"]
            field_obj.error_messages["null"] = MESSAGES_VI["null"]
            if isinstance(field_obj, fields.Date | fields.DateTime):
                field_obj.error_messages["invalid"] = "Ngày không hợp lệ (định dạng YYYY-MM-DD)."
            elif isinstance(field_obj, fields.Integer | fields.Float | fields.Decimal):
                field_obj.error_messages["invalid"] = "Phải là một số."
            elif isinstance(field_obj, fields.String):
                field_obj.error_messages["invalid"] = "Phải là chuỗi ký tự."
            elif isinstance(field_obj, fields.Boolean):
                field_obj.error_messages["invalid"] = "Phải là đúng hoặc sai."


CITIZEN_ID = validate.Regexp(r"^\d{12}$", error="Số định danh cá nhân (CCCD) phải gồm đúng 12 chữ số.")


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Không được để trống.")


@functools.cache
def form_schema(schema_cls: type[Schema]) -> Schema:
    """One instance per form class: building a schema copies every field, and load/dump keep no state on
    the instance, so each submission need not pay for it again."""
    return schema_cls()


def validate_form(schema_cls: type[Schema], data: Any) -> dict[str, Any]:
    """Return cleaned data, or raise InvalidInput with every field error (messages in Vietnamese)."""
    if not isinstance(data, Mapping):
        raise InvalidInput("Tờ khai không hợp lệ.", {"_form": ["Dữ liệu phải là một đối tượng JSON."]})
    try:
        return form_schema(schema_cls).load(data)
    except ValidationError as exc:
        raise InvalidInput("Tờ khai có thông tin chưa hợp lệ.", exc.normalized_messages()) from None


def form_json_schema(schema_cls: type[Schema]) -> dict[str, Any]:
    """The form as one self-contained JSON Schema (nested parts inlined, so a portal needs nothing else)."""
    spec = APISpec("form", "1", "3.1.0", plugins=[MarshmallowPlugin()])
    spec.components.schema("Form", schema=schema_cls)
    components = spec.to_dict()["components"]["schemas"]

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                # the field's own keywords (its title beside the $ref) describe this use of the part
                siblings = {key: inline(value) for key, value in node.items() if key != "$ref"}
                return {**inline(components[ref.rsplit("/", 1)[1]]), **siblings}
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return inline(components["Form"])
