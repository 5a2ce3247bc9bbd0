"""The one time zone the platform cuts days and months in: Vietnam's (UTC+7, no daylight saving). Deadlines,
billing periods, invoice years and dates shown to people all use it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
