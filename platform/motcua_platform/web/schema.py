"""The project's marshmallow base ``Schema``: strict about unknown fields, integers bounded to BIGINT."""

from __future__ import annotations

from marshmallow import Schema as _Schema
from marshmallow import fields, validate

# Every key and counter is a PostgreSQL BIGINT: a larger integer would be a database error, so a 500.
BIGINT = 2**63
BIGINT_RANGE = validate.Range(min=-BIGINT, max=BIGINT - 1)


class Schema(_Schema):
    """Project base schema: unknown fields are an error, so a typo never passes silently; and every
    Integer field (also inside lists and dicts) is bounded to BIGINT, in validation and in the OpenAPI
    document, unless it already declares tighter bounds."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        pending = [field_obj]
        while pending:
            field = pending.pop()
            # (fields are copied shallowly per schema instance: replace the list, never append to a shared one)
            if isinstance(field, fields.Integer) and BIGINT_RANGE not in field.validators:
                field.validators = [*field.validators, BIGINT_RANGE]
            elif isinstance(field, fields.List):
                pending.append(field.inner)
            elif isinstance(field, fields.Tuple):
                pending.extend(field.tuple_fields)
            elif isinstance(field, fields.Dict):
                pending.extend(f for f in (field.key_field, field.value_field) if f is not None)
