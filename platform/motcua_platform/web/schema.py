"""The project's marshmallow base ``Schema``: strict about unknown fields, integers bounded to BIGINT, instants
written in UTC."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import Schema as _Schema
from marshmallow import fields, missing, validate

from motcua_platform.timezones import utc_iso

# Every key and counter is a PostgreSQL BIGINT: a larger integer would be a database error, so a 500.
BIGINT = 2**63
BIGINT_RANGE = validate.Range(min=-BIGINT, max=BIGINT - 1)


class Schema(_Schema):
    """Project base schema: unknown fields are an error, so a typo never passes silently; and every
    Integer field (also inside lists and dicts) is bounded to BIGINT, in validation and in the OpenAPI
    document, unless it already declares tighter bounds; and every DateTime field (``AwareDateTime`` too)
    writes its instant as ISO 8601 in UTC, ``+00:00`` (``timezones.utc_iso``), the one convention of the
    API whatever time zone the value was computed in. What a client sends may carry any offset."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        pending = [field_obj]
        while pending:
            field = pending.pop()
            # (fields are copied shallowly per schema instance: replace the list, never append to a shared one)
            if isinstance(field, fields.Integer) and BIGINT_RANGE not in field.validators:
                field.validators = [*field.validators, BIGINT_RANGE]
            elif _is_instant(field) and field.format in (None, "iso", "iso8601"):
                field.SERIALIZATION_FUNCS = UTC_SERIALIZATION  # on this field only; loading is unchanged
            elif isinstance(field, fields.List):
                pending.append(field.inner)
            elif isinstance(field, fields.Tuple):
                pending.extend(field.tuple_fields)
            elif isinstance(field, fields.Dict):
                pending.extend(f for f in (field.key_field, field.value_field) if f is not None)

    def _serialize(self, obj: Any, *, many: bool = False):
        """marshmallow's, with the same output, minus most of its cost for plain values: a String, Integer or
        Boolean field whose value is None or already a str, int or bool writes it as it is, and an instant
        field (written by ``utc_iso``) whose value is None or a datetime writes it with ``utc_iso``, as the
        field would, without the field's layers; any other value, and every other field, goes through the
        field. A list of 20 summaries cost a third of an answer served from a cache (ADR 0034)."""
        if many and obj is not None:
            return [self._serialize(item) for item in obj]
        plan = self.__dict__.get("_dump_plan") or self._make_dump_plan()
        get = self.get_attribute
        # marshmallow's get_value, decided once per object rather than per field: an object that cannot
        # be indexed is read by attribute; one that can, by key, then by attribute where the key fails
        plain = get.__func__ is _Schema.get_attribute
        indexed = plain and hasattr(obj, "__getitem__")
        result = {}
        for name, key, field, attribute, passthrough in plan:
            if passthrough is not None:
                if not plain:
                    value = get(obj, attribute, missing)
                elif not indexed:
                    value = getattr(obj, attribute, missing)
                else:
                    try:
                        value = obj[attribute]
                    except (KeyError, IndexError, TypeError, AttributeError):
                        value = getattr(obj, attribute, missing)
                if value is None:
                    result[key] = None
                    continue
                if type(value) is passthrough:
                    result[key] = utc_iso(value) if passthrough is dt.datetime else value
                    continue
            value = field.serialize(name, obj, accessor=get)
            if value is not missing:
                result[key] = value
        return result

    def _make_dump_plan(self) -> list[tuple]:
        plan = []
        for name, field in self.dump_fields.items():
            attribute = field.attribute if field.attribute is not None else name
            passthrough = PASSTHROUGH.get(type(field))
            if (
                _is_instant(field)
                and field.SERIALIZATION_FUNCS is UTC_SERIALIZATION
                and field.format in (None, "iso", "iso8601")
            ):
                passthrough = dt.datetime  # written by utc_iso, as the field would (on_bind_field)
            if "." in attribute or getattr(field, "as_string", False) or field.dump_default is not missing:
                passthrough = None
            plan.append((name, field.data_key if field.data_key is not None else name, field, attribute, passthrough))
        self.__dict__["_dump_plan"] = plan
        return plan


# Fields (these classes exactly, not subclasses) that write a value of this type unchanged.
PASSTHROUGH = {fields.String: str, fields.Integer: int, fields.Boolean: bool}


# DateTime's ISO writers replaced by ``utc_iso`` (the other formats, never used by the API, stay)
UTC_SERIALIZATION = {**fields.DateTime.SERIALIZATION_FUNCS, "iso": utc_iso, "iso8601": utc_iso}


def _is_instant(field: fields.Field) -> bool:
    """A DateTime field holding an instant (a NaiveDateTime does not)."""
    return isinstance(field, fields.DateTime) and not isinstance(field, fields.NaiveDateTime)
