"""A side-by-side diff of one catalogue entry against its plugin's definition, field by field: what the
plugin says now and what the province has, each value as lines of text, lines paired as ``difflib`` matches
them. Pure (no database, no Flask): the drift service feeds it, the API and the console show it."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SAME, CHANGED, PLUGIN_ONLY, PROVINCE_ONLY = "same", "changed", "plugin_only", "province_only"


@dataclass(frozen=True)
class Line:
    kind: str  # SAME, CHANGED, PLUGIN_ONLY (the province has no such line) or PROVINCE_ONLY
    plugin: str | None
    province: str | None


@dataclass(frozen=True)
class FieldDiff:
    name: str
    changed: bool  # the province's value differs from the plugin's current one
    overridden: bool  # the province overrides this field on purpose
    plugin_changed: bool  # the plugin changed it since the province took the definition
    lines: list[Line]


def as_lines(value: Any) -> list[str]:
    """A field's value as lines a person compares: one list item a line (an object as its parts, "name"
    first: ``name: Lệ phí · amount: 8000``), a text as it is, nothing for no value."""
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, list):
        return [_item(item) for item in value]
    if isinstance(value, dict):
        return [_item(value)]
    return str(value).splitlines() or [""]


def _item(item: Any) -> str:
    if not isinstance(item, dict):
        return item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
    keys = sorted(item, key=lambda key: (key != "name", key))
    parts = []
    for key in keys:
        value = item[key]
        if value is None or value == [] or value == "":
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key}: {shown}")
    return " · ".join(parts)


def side_by_side(plugin: Sequence[str], province: Sequence[str]) -> list[Line]:
    lines: list[Line] = []
    matcher = difflib.SequenceMatcher(a=plugin, b=province, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(Line(SAME, plugin[a1 + i], province[b1 + i]) for i in range(a2 - a1))
            continue
        left, right = plugin[a1:a2], province[b1:b2]
        for i in range(max(len(left), len(right))):
            if i < len(left) and i < len(right):
                lines.append(Line(CHANGED, left[i], right[i]))
            elif i < len(left):
                lines.append(Line(PLUGIN_ONLY, left[i], None))
            else:
                lines.append(Line(PROVINCE_ONLY, None, right[i]))
    return lines


def entry_diff(
    fields: Sequence[str],
    plugin_now: Mapping[str, Any],
    province: Mapping[str, Any],
    taken: Mapping[str, Any],
    overridden: Sequence[str],
) -> list[FieldDiff]:
    """Every field of the entry: the plugin's current value (``plugin_now``) beside the province's
    (``province``); ``taken`` is the definition the province took, to tell a plugin change from an override."""
    return [
        FieldDiff(
            name,
            changed=plugin_now.get(name) != province.get(name),
            overridden=name in overridden,
            plugin_changed=plugin_now.get(name) != taken.get(name),
            lines=side_by_side(as_lines(plugin_now.get(name)), as_lines(province.get(name))),
        )
        for name in fields
    ]
