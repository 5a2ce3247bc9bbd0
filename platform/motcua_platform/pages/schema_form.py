"""An HTML form generated from a plugin form's JSON Schema (``motcua_platform.plugins.forms.
form_json_schema``, the same description ``GET /api/v1/procedures/<code>/form`` gives): text, date and
number inputs, a select for an enum, a checkbox for a boolean, a textarea (one value a line) for a list,
a fieldset for a nested object. Inputs are named by their dotted path (``applicant.full_name``); what is
posted is read back into the JSON the plugin's validator takes, keeping what does not convert (the
validator then says what is wrong, and the citizen sees what they typed). Shared by the portal's wizard
and the console's counter intake; the fields' macros are in ``pages/schema_form.html``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale

# What a profile fills in, by the name of a field directly in the form or in its applicant/owner part.
PROFILE_FIELDS = {
    "full_name": "full_name",
    "applicant_name": "full_name",
    "citizen_id": "national_id",
    "national_id": "national_id",
    "phone": "phone",
    "email": "email",
}
APPLICANT_PARTS = ("", "applicant", "owner")


@dataclass
class FormField:
    name: str  # the dotted path, also the input's name
    label: str
    kind: str  # text, date, integer, number, select, checkbox, lines, pairs, group
    required: bool = False
    hint: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    children: list[FormField] = field(default_factory=list)
    max_length: int | None = None


def _humanise(key: str) -> str:
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _label(key: str, node: Mapping[str, Any]) -> tuple[str, str | None]:
    english = str(get_locale() or "vi") == "en"
    title = (english and node.get("x-title-en")) or node.get("title")
    description = node.get("description")
    if title:
        return str(title), (str(description) if description else None)
    if description:
        return str(description), None
    return _humanise(key), None


def _options(node: Mapping[str, Any]) -> list[tuple[str, str]]:
    english = str(get_locale() or "vi") == "en"
    titles = (english and node.get("x-enum-titles-en")) or node.get("x-enum-titles") or {}
    return [(str(value), str(titles.get(str(value), value))) for value in node.get("enum") or ()]


def fields_of(schema: Mapping[str, Any], prefix: str = "") -> list[FormField]:
    required = set(schema.get("required") or ())
    result = []
    for key, node in (schema.get("properties") or {}).items():
        name = f"{prefix}{key}"
        label, hint = _label(key, node)
        kind_of = node.get("type")
        item = FormField(name, label, "text", key in required, hint, max_length=node.get("maxLength"))
        if kind_of == "object" and node.get("properties"):
            item.kind = "group"
            item.children = fields_of(node, prefix=f"{name}.")
        elif kind_of == "object":
            item.kind = "pairs"
        elif kind_of == "boolean":
            item.kind = "checkbox"
        elif node.get("enum"):
            item.kind = "select"
            item.options = _options(node)
        elif kind_of == "array":
            item.kind = "lines"
        elif kind_of == "integer":
            item.kind = "integer"
        elif kind_of == "number":
            item.kind = "number"
        elif node.get("format") == "date":
            item.kind = "date"
        result.append(item)
    return result


NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")


def _number(text: str, integer: bool) -> Any:
    compact = text.replace(" ", "").replace("\u00a0", "")
    if integer and re.fullmatch(r"-?\d+", compact.replace(".", "")) and len(compact) < 19:
        return int(compact.replace(".", ""))  # 1.000.000 is a million in Vietnamese
    if not integer and NUMBER.match(compact):
        return float(compact.replace(",", "."))
    return text  # the validator says "Phải là một số." and the citizen sees what they typed


def read(fields: list[FormField], posted: Mapping[str, str]) -> dict[str, Any]:
    """The JSON the plugin's validator takes, from posted values (``posted.get(name)``). Empty inputs
    are left out (a required one then gets the validator's "required" message)."""
    data: dict[str, Any] = {}
    for item in fields:
        key = item.name.rsplit(".", 1)[-1]
        if item.kind == "group":
            part = read(item.children, posted)
            if part or item.required:
                data[key] = part
            continue
        if item.kind == "checkbox":
            data[key] = posted.get(item.name) is not None
            continue
        raw = (posted.get(item.name) or "").strip()
        if not raw:
            continue
        if item.kind == "lines":
            data[key] = [line.strip() for line in raw.splitlines() if line.strip()]
        elif item.kind == "pairs":
            pairs = [line.split(":", 1) for line in raw.splitlines() if line.strip()]
            data[key] = {k.strip(): (v[0].strip() if v else "") for k, *v in pairs}
        elif item.kind in ("integer", "number"):
            data[key] = _number(raw, item.kind == "integer")
        else:
            data[key] = raw[:10_000]
    return data


def value_at(data: Mapping[str, Any] | None, name: str) -> Any:
    node: Any = data or {}
    for part in name.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def shown(item: FormField, data: Mapping[str, Any] | None) -> str:
    """The value an input shows for what the draft holds."""
    value = value_at(data, item.name)
    if value is None:
        return ""
    if item.kind == "lines" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if item.kind == "pairs" and isinstance(value, Mapping):
        return "\n".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def prefilled(fields: list[FormField], profile: Mapping[str, Any]) -> dict[str, Any]:
    """A new form with what the profile knows filled in (name, CCCD, phone, e-mail), where the form has
    such fields directly or in its applicant (or owner) part."""
    data: dict[str, Any] = {}
    for item in fields:
        if item.kind == "group" and item.name in APPLICANT_PARTS:
            part = prefilled(item.children, profile)
            if part:
                data[item.name] = part
        elif item.kind == "text":
            key = item.name.rsplit(".", 1)[-1]
            value = profile.get(PROFILE_FIELDS.get(key, ""))
            if value:
                data[key] = value
    return data


def flat_errors(errors: Mapping[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """The validator's nested messages by dotted input name; messages about the whole form under "_"."""
    flat: dict[str, list[str]] = {}
    for key, messages in errors.items():
        key = str(key)
        if key in ("_schema", "_form", "_"):
            name = prefix.rstrip(".") or "_"
        elif key.isdigit():  # an item of a list: the list's own input
            name = prefix.rstrip(".")
        else:
            name = f"{prefix}{key}"
        if isinstance(messages, Mapping):
            for inner, found in flat_errors(messages, f"{name}.").items():
                flat.setdefault(inner, []).extend(found)
        else:
            listed = messages if isinstance(messages, list) else [messages]
            flat.setdefault(name, []).extend(str(m) for m in listed)
    return flat


def names(fields: list[FormField]) -> set[str]:
    found = set()
    for item in fields:
        found.add(item.name)
        found |= names(item.children)
    return found
