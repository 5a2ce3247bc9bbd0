"""The kernel's calendar helpers that the deadline engine and billing share."""

import datetime as dt

from motcua_platform.dates import add_months
from motcua_platform.timezones import VIETNAM


def test_add_months_moves_a_month_start_to_a_month_start_as_billing_counts_months():
    # Billing writes a month as its first day; it used a month-index formula of its own before.
    for year in (2000, 2026, 2099):
        for month in range(1, 13):
            start = dt.date(year, month, 1)
            for months in range(-25, 26):
                index = year * 12 + month - 1 + months
                assert add_months(start, months) == dt.date(index // 12, index % 12 + 1, 1)


def test_add_months_keeps_the_day_number_clamped_to_the_month():
    assert add_months(dt.date(2026, 3, 31), -1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 10, 15), -12) == dt.date(2025, 10, 15)


def test_vietnam_is_utc_plus_seven_all_year():
    for month in (1, 7):
        assert dt.datetime(2026, month, 1, tzinfo=VIETNAM).utcoffset() == dt.timedelta(hours=7)
    assert VIETNAM.key == "Asia/Ho_Chi_Minh"
