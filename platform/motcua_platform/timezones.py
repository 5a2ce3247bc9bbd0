"""The one time zone the platform cuts days and months in: Vietnam's (UTC+7, no daylight saving). Deadlines,
billing periods, invoice years and dates shown to people all use it.

Machines read instants in UTC: every datetime the API writes is ISO 8601 with ``+00:00`` (``utc_iso``,
used by the project's marshmallow ``Schema`` and by the JSON provider), whether it was just computed in
Vietnam's time zone or read back from PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utc_iso(moment: dt.datetime) -> str:
    """``moment`` as the API writes it: ISO 8601 in UTC, '2026-03-05T09:07:00.123456+00:00' (a naive value
    is taken as UTC, as the database's ``timestamptz`` columns give none)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC).isoformat()
    return moment.astimezone(dt.UTC).isoformat()
