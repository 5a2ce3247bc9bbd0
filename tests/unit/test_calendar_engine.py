"""The deadline engine, without a database: every time unit, cut-off, after-hours intake, the Civil Code
end-of-period rule, pauses and the early / on-time / late classification."""

import datetime as dt

import pytest
from motcua_onestop.calendar.engine import OfficeHours, WorkingCalendar, classify
from motcua_platform.dates import add_months
from motcua_platform.plugins.definitions import TimeLimit, TimeUnit
from motcua_platform.timezones import VIETNAM

D = dt.date
HOURS, DAYS, WORKING_DAYS, MONTHS = TimeUnit.HOURS, TimeUnit.DAYS, TimeUnit.WORKING_DAYS, TimeUnit.MONTHS

# 2026: 30/4 (Thu) and 1/5 (Fri) are holidays; Saturday 22/8 is a make-up working day.
CAL = WorkingCalendar(days={D(2026, 4, 30): "holiday", D(2026, 5, 1): "holiday", D(2026, 8, 22): "working_day"})


def vn(month, day, hour=10, minute=0, year=2026):
    return dt.datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def due(received, value, unit, cutoff=None, calendar=CAL):
    return calendar.due_at(received, TimeLimit(value, unit, cutoff))


def test_working_days_count_from_the_day_after_intake_and_end_at_closing_time():
    assert due(vn(3, 2), 3, WORKING_DAYS) == vn(3, 5, 17)  # Mon → Thu
    assert due(vn(3, 5), 3, WORKING_DAYS) == vn(3, 10, 17)  # Thu → Fri, Mon, Tue
    assert due(vn(4, 28), 2, WORKING_DAYS) == vn(5, 4, 17)  # Tue → Wed 29/4, (30/4, 1/5, weekend) Mon 4/5
    assert due(vn(8, 21), 1, WORKING_DAYS) == vn(8, 22, 17)  # Fri → the make-up Saturday


def test_intake_after_closing_or_on_a_day_off_rolls_to_the_next_working_morning():
    assert CAL.intake(vn(3, 2, 17, 30)) == vn(3, 3, 7)
    assert CAL.intake(vn(3, 2, 17, 0)) == vn(3, 3, 7)  # closing time itself is closed
    assert CAL.intake(vn(3, 2, 6, 15)) == vn(3, 2, 7)  # before opening: at opening
    assert CAL.intake(vn(3, 7, 9)) == vn(3, 9, 7)  # Saturday → Monday
    assert CAL.intake(vn(4, 29, 18)) == vn(5, 4, 7)  # Wed evening, over the holidays and the weekend
    assert due(vn(3, 2, 17, 30), 1, WORKING_DAYS) == vn(3, 4, 17)
    assert due(vn(3, 6, 18), 1, WORKING_DAYS) == vn(3, 10, 17)  # Fri evening → intake Mon → due Tue
    # An instant in UTC is read in Vietnam time: 10:30Z on Monday is 17:30 in Hà Nội.
    assert CAL.intake(dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)) == vn(3, 3, 7)


def test_hours_count_only_inside_office_hours_of_working_days():
    assert due(vn(3, 2, 10), 8, HOURS) == vn(3, 3, 10)  # 1.5 h + 3.5 h Monday, 3 h Tuesday morning
    assert due(vn(3, 2, 12), 2, HOURS) == vn(3, 2, 15, 30)  # received at lunch: counts from 13:30
    assert due(vn(3, 6, 16), 4, HOURS) == vn(3, 9, 10)  # 1 h Friday, 3 h Monday
    assert due(vn(3, 2, 7), 4, HOURS) == vn(3, 2, 11)
    assert CAL.add_working_time(vn(3, 2, 7), dt.timedelta(hours=4.5)) == vn(3, 2, 11, 30)  # ends at lunch
    assert due(vn(3, 2, 11), 1, HOURS) == vn(3, 2, 14)  # half an hour before lunch, half after
    assert due(vn(4, 29, 16), 2, HOURS) == vn(5, 4, 8)  # over two holidays and a weekend


def test_days_follow_the_civil_code_first_day_not_counted_last_day_moved_to_a_working_day():
    assert due(vn(3, 2), 10, DAYS) == vn(3, 12, 17)  # Mon 2/3 + 10 = Thu 12/3
    assert due(vn(3, 4), 10, DAYS) == vn(3, 16, 17)  # Sat 14/3 → next working day Mon 16/3
    assert due(vn(4, 20), 10, DAYS) == vn(5, 4, 17)  # Thu 30/4 holiday, Fri 1/5 holiday, weekend → Mon 4/5
    assert due(vn(3, 2, 18), 1, DAYS) == vn(3, 4, 17)  # after hours: intake Tue 3/3, due Wed 4/3


def test_months_keep_the_day_number_clamped_then_the_non_working_day_rule():
    assert due(vn(3, 2), 1, MONTHS) == vn(4, 2, 17)
    assert due(vn(3, 31), 1, MONTHS) == vn(5, 4, 17)  # 30/4 (clamped from 31) holiday → Mon 4/5
    assert due(vn(1, 30), 1, MONTHS) == vn(3, 2, 17)  # 28/2 (clamped) is a Saturday → Mon 2/3
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)


def test_same_day_cut_off():
    assert due(vn(3, 2, 14, 59), 1, WORKING_DAYS, cutoff=15) == vn(3, 2, 17)
    assert due(vn(3, 2, 15, 0), 1, WORKING_DAYS, cutoff=15) == vn(3, 3, 17)  # "after 15:00, next working day"
    assert due(vn(3, 2, 16), 0, WORKING_DAYS, cutoff=15) == vn(3, 3, 17)  # limit 0: the next working day
    assert due(vn(3, 7, 11), 1, WORKING_DAYS, cutoff=15) == vn(3, 9, 17)  # Saturday: intake Mon 07:00, same day
    assert due(vn(3, 2, 17, 30), 1, WORKING_DAYS, cutoff=15) == vn(3, 3, 17)  # after closing: next morning


def test_office_hours_are_configurable():
    short = WorkingCalendar(hours=OfficeHours(dt.time(8), dt.time(12), dt.time(13), dt.time(16, 30)))
    assert short.hours.day_length() == dt.timedelta(hours=7, minutes=30)
    assert due(vn(3, 2, 16, 45), 1, WORKING_DAYS, calendar=short) == vn(3, 4, 16, 30)
    assert due(vn(3, 2, 11), 2, HOURS, calendar=short) == vn(3, 2, 14)
    assert WorkingCalendar().hours.day_length() == dt.timedelta(hours=8)


def test_tet_2026_spans_the_civil_servant_holiday():
    # Tết Bính Ngọ: civil servants are off Sat 14/2 – Sun 22/2/2026 (the package lists 16–20/2 only).
    tet = {D(2026, 2, 14) + dt.timedelta(days=i): "day_off" for i in range(9)}
    calendar = WorkingCalendar(days=tet)
    # Received Thu 12/2: working days after it are Fri 13/2 (1), then 14–22/2 off, Mon 23/2 (2),
    # Tue 24/2 (3), Wed 25/2 (4), Thu 26/2 (5) → due Thu 26/2/2026 at 17:00.
    assert due(vn(2, 12), 5, WORKING_DAYS, calendar=calendar) == vn(2, 26, 17)
    # 10 calendar days from Thu 12/2 end on Sun 22/2, a day off → the next working day, Mon 23/2.
    assert due(vn(2, 12), 10, DAYS, calendar=calendar) == vn(2, 23, 17)


def test_extend_by_pauses_measured_in_office_time():
    due_at = vn(3, 6, 17)  # Friday closing
    two_days = (vn(3, 2, 7), vn(3, 3, 17))
    assert CAL.extend(due_at, [two_days]) == vn(3, 10, 17)  # two working days: Tue 10/3 closing
    assert CAL.extend(due_at, [(vn(3, 7, 0), vn(3, 9, 0))]) == due_at  # a weekend pause costs nothing
    assert CAL.extend(due_at, [two_days, (vn(3, 3, 7), vn(3, 3, 12))]) == vn(3, 10, 17)  # overlap counts once
    assert CAL.extend(vn(3, 9, 10), [(vn(3, 2, 8), vn(3, 2, 10))]) == vn(3, 9, 14)  # 2 h over lunch
    assert CAL.extend(due_at, []) == due_at
    with pytest.raises(ValueError, match="ends before"):
        CAL.extend(due_at, [(vn(3, 3), vn(3, 2))])


def test_classification_compares_dates_in_vietnam_time():
    due_at = vn(3, 5, 17)
    assert classify(vn(3, 4, 16), due_at) == "early"
    assert classify(vn(3, 5, 23, 30), due_at) == "on_time"
    assert classify(vn(3, 6, 8), due_at) == "late"
    assert classify(dt.datetime(2026, 3, 5, 18, tzinfo=dt.UTC), due_at) == "late"  # 01:00 on 6/3 in Vietnam


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        due(dt.datetime(2026, 3, 2, 10), 1, WORKING_DAYS)
    with pytest.raises(ValueError, match="positive"):
        due(vn(3, 2), 0, WORKING_DAYS)


def test_unseeded_years_between_two_moments():
    calendar = WorkingCalendar(days=CAL.days, seeded_years=frozenset({2026, 2027}))
    assert calendar.unseeded_years(vn(12, 20), vn(3, 1, year=2029)) == [2028, 2029]
    assert calendar.unseeded_years(vn(3, 2), vn(3, 9)) == []
    assert CAL.unseeded_years(vn(3, 2), vn(3, 9, year=2090)) == []  # unknown: no warning


# -- measured time (QĐ 766 indicator 2.2) ------------------------------------------------------------------
def test_elapsed_time_in_each_unit_less_the_pauses():
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)  # March 2026 has no holiday
    tuesday_ten = dt.datetime(2026, 3, 3, 10, 0, tzinfo=VIETNAM)
    none = dt.timedelta()
    # Monday 09:00-11:30 and 13:30-17:00 (6 h) and Tuesday 07:00-10:00 (3 h) of office time
    assert CAL.elapsed(monday, tuesday_ten, TimeUnit.HOURS, none) == 9.0
    assert CAL.elapsed(monday, tuesday_ten, TimeUnit.WORKING_DAYS, none) == 9 / 8
    assert CAL.elapsed(monday, tuesday_ten, TimeUnit.WORKING_DAYS, dt.timedelta(hours=1)) == 1.0
    thursday = dt.datetime(2026, 3, 5, 9, 0, tzinfo=VIETNAM)
    assert CAL.elapsed(monday, thursday, TimeUnit.DAYS, none) == 3.0  # calendar days
    assert CAL.elapsed(monday, thursday, TimeUnit.DAYS, dt.timedelta(hours=8)) == 2.0  # a working day's pause
    a_month_on = monday + dt.timedelta(days=365.25 / 12)
    assert CAL.elapsed(monday, a_month_on, TimeUnit.MONTHS, none) == pytest.approx(1.0)
    # received on Saturday: the clock starts at Monday's opening; and never below zero
    saturday = dt.datetime(2026, 2, 28, 10, 0, tzinfo=VIETNAM)
    assert CAL.elapsed(saturday, monday, TimeUnit.HOURS, none) == 2.0
    assert CAL.elapsed(monday, tuesday_ten, TimeUnit.HOURS, dt.timedelta(hours=20)) == 0.0
