"""The kernel's calendar helpers that the deadline engine and billing share."""

import datetime as dt

from motcua_platform.timezones import VIETNAM


def test_vietnam_is_utc_plus_seven_all_year():
    for month in (1, 7):
        assert dt.datetime(2026, month, 1, tzinfo=VIETNAM).utcoffset() == dt.timedelta(hours=7)
    assert VIETNAM.key == "Asia/Ho_Chi_Minh"
