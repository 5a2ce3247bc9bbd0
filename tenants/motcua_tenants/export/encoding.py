"""One row as the export writes it: values turned into JSON that keeps their type (``json_value``), the
same values as CSV fields (``csv_field``), and which columns are secrets and never leave the database.

The rules are the export's documented format (docs/operations/export.md, and the README written into every
export); ``FORMAT_VERSION`` changes with them."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import ipaddress
import re
import uuid
from typing import Any

import orjson

FORMAT_VERSION = 1

# Columns that hold credentials or hashes of them: a password or token hash, a one-time code's hash, an
# integration's secret. They are useless to the province (no other system can check them) and dangerous
# in a file that travels, so the export leaves them out, in every table, present and future, by name.
SECRET_COLUMN = re.compile(r"^(.*_)?(hash|secret)$|^.+_sha256$")


def is_secret(column: str) -> bool:
    return SECRET_COLUMN.match(column) is not None


def json_value(value: Any) -> Any:
    """``value`` as psycopg read it, as a JSON value: numbers stay numbers except NUMERIC (a string, so no
    digit is lost), times are ISO 8601 (timestamps in UTC, the session's zone), bytes are base64, JSON
    columns are their JSON, arrays are lists."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _iso_duration(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return str(value)
    if isinstance(value, ipaddress.IPv4Interface | ipaddress.IPv6Interface):
        return str(value)
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if hasattr(value, "lower") and hasattr(value, "upper") and hasattr(value, "bounds"):  # psycopg Range
        if getattr(value, "isempty", False):
            return {"empty": True}
        return {"lower": json_value(value.lower), "upper": json_value(value.upper), "bounds": value.bounds}
    raise TypeError(f"the export has no rule for a value of type {type(value).__name__}")


def _iso_duration(value: dt.timedelta) -> str:
    sign = "-" if value < dt.timedelta(0) else ""
    value = abs(value)
    seconds = value.seconds + value.microseconds / 1_000_000
    return f"{sign}P{value.days}DT{seconds:g}S"


def json_line(columns: list[str], row: Any) -> bytes:
    """One JSON Lines record: an object with the columns in table order, UTF-8, ending in a newline."""
    return orjson.dumps({name: json_value(value) for name, value in zip(columns, row, strict=True)}) + b"\n"


def csv_line(fields: list[str | None]) -> bytes:
    """One RFC 4180 record ending in CRLF: every field quoted (a quote doubled) except NULL, which is an
    empty unquoted field, so NULL and the empty string ("") stay apart."""
    return (
        ",".join("" if field is None else '"' + field.replace('"', '""') + '"' for field in fields) + "\r\n"
    ).encode("utf-8")


def csv_record(row: Any) -> bytes:
    return csv_line([csv_field(value) for value in row])


def csv_field(value: Any) -> str | None:
    """The CSV text of a value: None stays None, booleans are ``true``/``false``, numbers and times as in
    JSON, JSON columns, arrays and ranges are their JSON text."""
    encoded = json_value(value)
    if encoded is None or isinstance(encoded, str):
        return encoded
    if isinstance(encoded, bool):
        return "true" if encoded else "false"
    if isinstance(encoded, int | float):
        return str(encoded)
    return orjson.dumps(encoded).decode("utf-8")
