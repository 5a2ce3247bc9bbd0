"""Untrusted text at the edge of the API, checked once before anything reads it (no Flask here).

PostgreSQL cannot store a NUL character in text, and an unpaired UTF-16 surrogate (which JSON's
``"\\ud800"`` escape produces) cannot be encoded to UTF-8 at all: either, reaching the database driver,
would be an exception, so a 500. Rather than teach every field and query about them, the request's
path, query string, headers and form fields (``app.reject_unsafe_text``) and every JSON body (``load_json``,
used by the argument parser and by Flask's own ``get_json``) are refused with a 400 ``invalid_text``.

JSON nested deeper than ``MAX_JSON_DEPTH`` is refused too: no body of this API nests that deep, and a
deep one would exhaust the parser's (or marshmallow's) recursion limit, a RecursionError before the
caller is even authenticated. Numbers JSON does not have (``NaN``, ``Infinity``), numbers past a float's
range (``1e400``) and integers longer than Python's conversion limit are malformed JSON, like any other
syntax error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from motcua_platform.errors import ServiceError
from motcua_platform.i18n import _

MAX_JSON_DEPTH = 32
UNSAFE_TEXT = _("Text may not contain NUL characters or unpaired surrogates.")


class InvalidText(ServiceError):
    status = 400
    code = "invalid_text"


class TooDeep(ServiceError):
    status = 400
    code = "bad_request"


def is_unsafe(text: str) -> bool:
    """True for text PostgreSQL would refuse: a NUL, or a lone surrogate (which has no UTF-8 form)."""
    if "\x00" in text:
        return True
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_texts(items: Iterable[tuple[str, str]], where: str) -> None:
    """Refuse the request if any name or value in ``items`` is unsafe text; errors name the offenders."""
    bad = sorted({where if is_unsafe(name) else name for name, value in items if is_unsafe(name) or is_unsafe(value)})
    if bad:
        raise InvalidText(
            _("Characters that are not allowed in the %(where)s.", where=where), {name: [UNSAFE_TEXT] for name in bad}
        )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    """A JSON number as a float; one past float's range (``1e400``) would be infinity, which no column,
    JSONB value or JSON answer can hold."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is out of range")
    return value


def load_json(data: str | bytes) -> Any:
    """``json.loads`` for request bodies. A syntax error (including NaN, Infinity and over-long integers)
    is a ``json.JSONDecodeError``, as callers (webargs, Flask) expect; unsafe text or nesting deeper than
    ``MAX_JSON_DEPTH`` is an ``InvalidText`` or ``TooDeep`` service error."""
    if isinstance(data, bytes | bytearray):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise json.JSONDecodeError(f"not UTF-8: {exc.reason}", "", exc.start) from None
    try:
        value = json.loads(data, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:  # an integer past Python's digit limit, NaN, Infinity
        raise json.JSONDecodeError(str(exc), data, 0) from None
    _check_json(value)
    return value


def _too_deep() -> TooDeep:
    message = _("The JSON body is nested more than %(depth)s levels deep.", depth=MAX_JSON_DEPTH)
    return TooDeep(message, {"_body": [_("Too deeply nested.")]})


def _check_json(value: Any) -> None:
    """Walk ``value`` without recursion: its depth, and every string and key in it."""
    pending: list[tuple[Any, str, int]] = [(value, "", 0)]
    bad: list[str] = []
    while pending:
        item, path, depth = pending.pop()
        if isinstance(item, str):
            if is_unsafe(item):
                bad.append(path or "_body")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_JSON_DEPTH:
            raise _too_deep()
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in pairs:
            child_path = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and is_unsafe(key):
                bad.append(path or "_body")
            pending.append((child, child_path, depth + 1))
    if bad:
        # a path made of the bad text itself would carry it into the answer: name the safe prefix only
        names = sorted({name if not is_unsafe(name) else "_body" for name in bad})
        raise InvalidText(_("Characters that are not allowed in the JSON body."), {n: [UNSAFE_TEXT] for n in names})
