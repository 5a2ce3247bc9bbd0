"""Checks, at load, that a plugin's callables accept the arguments they will be given.

A fee calculator or a form validator with the wrong parameters would otherwise load fine and fail with a
``TypeError`` (a 500) on the first application that reaches it; ``inspect.signature(...).bind(...)``
finds the mismatch when the process starts, without calling anything.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from marshmallow import Schema, fields
from marshmallow.decorators import VALIDATES, VALIDATES_SCHEMA

# How the code calls each kind of callable; the text is shown in the error.
FEE_CALCULATOR_CALL = "calculator(data, procedure, settings)"  # catalogue.services.check_form
FIELD_VALIDATOR_CALL = "validator(value)"  # marshmallow's Field._validate
# marshmallow 4's Schema._invoke_field_validators / _run_validator
VALIDATES_CALL = "method(value, data_key=…)"
VALIDATES_SCHEMA_CALL = "method(data, partial=…, many=…, unknown=…)"
VALIDATES_SCHEMA_ORIGINAL_CALL = "method(data, original_data, partial=…, many=…, unknown=…)"


def call_problem(what: str, func: Any, call: str, *args: Any, **kwargs: Any) -> str | None:
    """Why ``func(*args, **kwargs)`` cannot work, described with ``call``; ``None`` when it can (or when
    the callable has no signature to inspect, as some built-ins)."""
    if not callable(func):
        return f"{what} {func!r} is not callable"
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        return f"{what} {_name(func)} cannot be called as {call}: {exc}"
    return None


def form_problems(schema_cls: type[Schema]) -> list[str]:
    """Every field validator and validation method of a form (nested forms included) that marshmallow
    could not call with the arguments it passes."""
    problems: list[str] = []
    for form, prefix in _forms(schema_cls, ""):
        for name, field in form._declared_fields.items():
            for validator in _field_validators(field):
                what = f"field '{prefix}{name}': validator"
                problems.append(call_problem(what, validator, FIELD_VALIDATOR_CALL, None))
        try:
            instance = form()
        except Exception as exc:  # a form that cannot even be built fails every application
            problems.append(f"form {form.__name__} cannot be built: {exc}")
            continue
        for attr, _, _options in instance._hooks[VALIDATES]:
            what = "@validates method"
            problems.append(call_problem(what, getattr(instance, attr), VALIDATES_CALL, None, data_key=""))
        for attr, _, options in instance._hooks[VALIDATES_SCHEMA]:
            what = "@validates_schema method"
            method = getattr(instance, attr)
            hook_kwargs = {"partial": None, "many": False, "unknown": None}
            if options.get("pass_original"):
                problems.append(call_problem(what, method, VALIDATES_SCHEMA_ORIGINAL_CALL, {}, {}, **hook_kwargs))
            else:
                problems.append(call_problem(what, method, VALIDATES_SCHEMA_CALL, {}, **hook_kwargs))
    return [p for p in problems if p]


def _forms(schema_cls: type[Schema], prefix: str, seen: set | None = None) -> Iterator[tuple[type[Schema], str]]:
    seen = set() if seen is None else seen
    if schema_cls in seen:
        return
    seen.add(schema_cls)
    yield schema_cls, prefix
    for name, field in schema_cls._declared_fields.items():
        nested = _nested_schema(field)
        if nested is not None:
            yield from _forms(nested, f"{prefix}{name}.", seen)


def _nested_schema(field: fields.Field) -> type[Schema] | None:
    while isinstance(field, fields.List):
        field = field.inner
    if not isinstance(field, fields.Nested):
        return None
    nested = field.nested
    if isinstance(nested, Schema):
        return type(nested)
    if isinstance(nested, type) and issubclass(nested, Schema):
        return nested
    return None  # a schema named by string or built by a callable: resolved only when used


def _field_validators(field: fields.Field) -> Iterator[Callable]:
    yield from field.validators
    if isinstance(field, fields.List):
        yield from _field_validators(field.inner)


def _name(func: Any) -> str:
    return getattr(func, "__qualname__", None) or type(func).__name__
