"""The working calendar API: public reading and due dates, admin changes, bad input, authorization, and
the calendar every new tenant gets at provisioning."""

import datetime as dt

from motcua_onestop.calendar import services as calendar_services
from motcua_onestop.calendar.services import default_years

TET_2026 = [(dt.date(2026, 2, 14) + dt.timedelta(days=i)).isoformat() for i in range(9)]  # 14–22/02/2026


def test_provisioned_tenants_have_office_hours_and_holidays(host_client, seeded):
    client = host_client(seeded["alpha"].host)  # anonymous: the calendar is public
    for year in default_years():
        body = client.get(f"/api/v1/calendar?year={year}").get_json()
        assert body["year"] == year
        assert body["office_hours"] == {
            "morning_start": "07:00",
            "morning_end": "11:30",
            "afternoon_start": "13:30",
            "afternoon_end": "17:00",
        }
        days = {d["date"]: d for d in body["days"]}
        new_year = days[f"{year}-01-01"]
        assert new_year["kind"] == "holiday" and new_year["source"] == "holidays"
        assert f"{year}-09-02" in days  # National Day
        if year == 2026:  # the government's swap: Saturday 22/08 worked for Monday 31/08
            assert days["2026-08-22"]["kind"] == "working_day" and days["2026-08-31"]["kind"] == "day_off"
    assert client.get("/api/v1/calendar").get_json()["year"] == default_years()[1]  # current year by default
    assert host_client(seeded["beta"].host).get("/api/v1/calendar?year=2026").get_json()["days"]


def test_tet_2026_days_off_move_a_five_working_day_deadline(alpha, host_client, seeded):
    listed = {d["date"] for d in alpha.get("/api/v1/calendar?year=2026").get_json()["days"]}
    # The holidays package knows the weekdays 16–20/02 but not the civil servants' full break 14–22/02:
    # add the official days off it lacks; a date already listed is a duplicate (409).
    for date in TET_2026:
        response = alpha.post("/api/v1/calendar/days", json={"date": date, "kind": "day_off", "name": "Nghỉ Tết"})
        if date in listed:
            assert response.status_code == 409, date
            assert response.get_json()["errors"]["date"]
        else:
            assert response.status_code == 201, response.get_json()
            assert response.get_json()["source"] == "admin"
    days = {d["date"]: d["kind"] for d in alpha.get("/api/v1/calendar?year=2026").get_json()["days"]}
    assert set(TET_2026) <= set(days)
    # 5 working days, received Thu 12/02/2026 10:00. Working days after the intake day: Fri 13/02 (1),
    # then 14–22/02 are off, Mon 23/02 (2), Tue 24/02 (3), Wed 25/02 (4), Thu 26/02 (5) → due 26/02 17:00.
    public = host_client(seeded["alpha"].host)
    due = public.get("/api/v1/calendar/due?received_at=2026-02-12T10:00:00&value=5&unit=working_days")
    assert due.status_code == 200, due.get_json()
    assert due.get_json() == {
        "received_at": "2026-02-12T03:00:00+00:00",
        "intake_at": "2026-02-12T03:00:00+00:00",
        "due_at": "2026-02-26T10:00:00+00:00",
        "due_date": "2026-02-26",
        "warnings": [],
    }
    # The official break begins and ends on weekends, so once the package's 16–20/02 are loaded the
    # admin days change no working-day count: beta, without them, gives the same date. The admin days
    # make the calendar right whatever the package version knows.
    beta_due = host_client(seeded["beta"].host).get(
        "/api/v1/calendar/due?received_at=2026-02-12T10:00:00&value=5&unit=working_days"
    )
    assert beta_due.get_json()["due_date"] == "2026-02-26"
    # Received Fri 13/02 at 18:00, after closing: the intake rolls over Tết to Mon 23/02 07:00, and
    # one working day later is Tue 24/02.
    late = public.get("/api/v1/calendar/due?received_at=2026-02-13T18:00:00%2B07:00&value=1&unit=working_days")
    assert late.get_json()["intake_at"] == "2026-02-23T00:00:00+00:00"
    assert late.get_json()["due_at"] == "2026-02-24T10:00:00+00:00"


def test_due_dates_for_each_unit_and_the_cut_off(host_client, seeded):
    client = host_client(seeded["alpha"].host)

    def due(query):
        response = client.get(f"/api/v1/calendar/due?{query}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()["due_at"]

    assert due("received_at=2026-03-02T10:00:00&value=8&unit=hours") == "2026-03-03T03:00:00+00:00"
    assert due("received_at=2026-03-04T10:00:00&value=10&unit=days") == "2026-03-16T10:00:00+00:00"
    assert due("received_at=2026-03-31T10:00:00&value=1&unit=months") == "2026-05-04T10:00:00+00:00"
    assert due("received_at=2026-03-02T14:00:00&value=1&unit=working_days&cutoff=15") == "2026-03-02T10:00:00+00:00"
    assert due("received_at=2026-03-02T15:30:00&value=1&unit=working_days&cutoff=15") == "2026-03-03T10:00:00+00:00"
    # Instants are answered in UTC (the API's one convention); the days are cut in Vietnam time: 10:30Z is
    # 17:30 in Vietnam, after closing, so one working day later is Wed 04/03 17:00 (10:00Z).
    assert due("received_at=2026-03-02T10:30:00Z&value=1&unit=working_days") == "2026-03-04T10:00:00+00:00"


def test_due_refuses_bad_input_in_the_error_format(host_client, seeded):
    client = host_client(seeded["alpha"].host)
    cases = {
        "received_at=yesterday&value=1&unit=days": "received_at",
        "received_at=2026-03-02T10:00:00&value=1&unit=weeks": "unit",
        "received_at=2026-03-02T10:00:00&value=-1&unit=days": "value",
        "received_at=2026-03-02T10:00:00&value=0&unit=days": "value",
        "received_at=2026-03-02T10:00:00&value=1&unit=days&cutoff=24": "cutoff",
        "value=1&unit=days": "received_at",
        "received_at=9999-12-30T10:00:00&value=10&unit=days": "received_at",
    }
    for query, field in cases.items():
        response = client.get(f"/api/v1/calendar/due?{query}")
        assert response.status_code == 422, query
        body = response.get_json()
        assert body["code"] == "validation_error" and field in body["errors"], (query, body)


def test_admin_adds_removes_and_reseeds_days(alpha):
    added = alpha.post(
        "/api/v1/calendar/days", json={"date": "2026-11-24", "kind": "holiday", "name": "Ngày Văn hóa Việt Nam"}
    )
    assert added.status_code == 409  # the package already lists it
    assert alpha.delete("/api/v1/calendar/days/2026-11-24").status_code == 204
    assert alpha.delete("/api/v1/calendar/days/2026-11-24").status_code == 404
    added = alpha.post(
        "/api/v1/calendar/days", json={"date": "2026-11-24", "kind": "holiday", "name": "Ngày Văn hóa Việt Nam"}
    )
    assert added.status_code == 201
    makeup = alpha.post("/api/v1/calendar/days", json={"date": "2026-12-26", "kind": "working_day", "name": "Làm bù"})
    assert makeup.status_code == 201
    due = alpha.get("/api/v1/calendar/due?received_at=2026-12-25T10:00:00&value=1&unit=working_days").get_json()
    assert due["due_date"] == "2026-12-26"  # the make-up Saturday counts
    seeded_again = alpha.post("/api/v1/calendar/seed?year=2026")
    assert seeded_again.status_code == 200, seeded_again.get_json()
    result = seeded_again.get_json()
    assert result["year"] == 2026 and result["added"] == 0 and result["kept_admin"] == 1
    days = {d["date"]: d for d in alpha.get("/api/v1/calendar?year=2026").get_json()["days"]}
    assert days["2026-11-24"]["source"] == "admin" and days["2026-11-24"]["name"] == "Ngày Văn hóa Việt Nam"
    assert alpha.delete("/api/v1/calendar/days/2026-01-01").status_code == 204
    assert alpha.post("/api/v1/calendar/seed?year=2026").get_json()["added"] == 1
    fresh = alpha.post("/api/v1/calendar/seed?year=2035").get_json()
    assert fresh["added"] >= 10
    assert "2035-01-01" in {d["date"] for d in alpha.get("/api/v1/calendar?year=2035").get_json()["days"]}
    actions = [e["action"] for e in alpha.get("/api/v1/tenant-audit").get_json()]
    assert {"calendar.day_add", "calendar.day_remove", "calendar.seed"} <= set(actions)


def test_bad_days_are_refused_in_the_error_format(alpha):
    cases = [
        ({"date": "2026-02-30", "kind": "day_off", "name": "X"}, 422, "date"),
        ({"date": "2026-03-02", "kind": "vacation", "name": "X"}, 422, "kind"),
        ({"date": "2026-03-02", "kind": "day_off"}, 422, "name"),
        ({"date": "2026-03-02", "kind": "working_day", "name": "Làm bù"}, 422, "kind"),  # a Monday already is
        ({"date": "1850-03-02", "kind": "day_off", "name": "X"}, 422, "date"),
        ({"date": "2026-01-01", "kind": "day_off", "name": "X"}, 409, "date"),
        ({"date": "2026-03-03", "kind": "day_off", "name": "X", "extra": 1}, 422, "extra"),
    ]
    for body, status, field in cases:
        response = alpha.post("/api/v1/calendar/days", json=body)
        assert response.status_code == status, (body, response.get_json())
        assert field in response.get_json()["errors"], (body, response.get_json())
    bad_path = alpha.delete("/api/v1/calendar/days/not-a-date")
    assert bad_path.status_code == 422 and "date" in bad_path.get_json()["errors"]
    assert alpha.get("/api/v1/calendar?year=abc").status_code == 422
    assert alpha.get("/api/v1/calendar?year=1800").status_code == 422
    assert alpha.post("/api/v1/calendar/seed").status_code == 422
    assert alpha.post("/api/v1/calendar/seed?year=3000").status_code == 422


def test_only_the_provinces_tenant_admin_changes_the_calendar(host_client, seeded):
    tenant = seeded["alpha"]
    day = {"date": "2026-03-10", "kind": "day_off", "name": "Nghỉ"}
    for key in ("officer", "commune_admin"):
        client = host_client(tenant.host, tenant.tokens[key])
        assert client.post("/api/v1/calendar/days", json=day).status_code == 403, key
        assert client.delete("/api/v1/calendar/days/2026-01-01").status_code == 403, key
        assert client.post("/api/v1/calendar/seed?year=2026").status_code == 403, key
        assert client.get("/api/v1/calendar?year=2026").status_code == 200, key
    anonymous = host_client(tenant.host)
    assert anonymous.post("/api/v1/calendar/days", json=day).status_code == 401
    assert anonymous.delete("/api/v1/calendar/days/2026-01-01").status_code == 401
    assert anonymous.post("/api/v1/calendar/seed?year=2026").status_code == 401
    days = {d["date"] for d in anonymous.get("/api/v1/calendar?year=2026").get_json()["days"]}
    assert "2026-03-10" not in days and "2026-01-01" in days


def test_the_calendar_is_read_with_its_office_hours_in_one_round_trip(runtime):
    """load_calendar reads the office hours with the days; a province without a settings row gets the
    default hours and still its days, and one without days (after ``since``) still its hours."""
    from motcua_onestop.calendar.engine import OfficeHours
    from motcua_onestop.calendar.models import CalendarSettings
    from motcua_onestop.calendar.services import load_calendar

    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        settings = session.get(CalendarSettings, 1)
        settings.morning_start, settings.afternoon_end = dt.time(7, 30), dt.time(16, 30)
        session.flush()
        calendar = load_calendar(session, since=dt.date(2026, 1, 1))
        assert calendar.hours == OfficeHours(dt.time(7, 30), dt.time(11, 30), dt.time(13, 30), dt.time(16, 30))
        assert calendar.days[dt.date(2026, 9, 2)] == "holiday" and min(calendar.days) >= dt.date(2026, 1, 1)
        assert load_calendar(session, since=dt.date(2999, 1, 1)).days == {}
        assert load_calendar(session, since=dt.date(2999, 1, 1)).hours.morning_start == dt.time(7, 30)
        whole = load_calendar(session)
        assert min(whole.days) < dt.date(2026, 1, 1) <= max(whole.days)
        session.delete(settings)
        session.flush()
        assert load_calendar(session, since=dt.date(2026, 1, 1)).hours == OfficeHours()
        assert load_calendar(session, since=dt.date(2026, 1, 1)).days == calendar.days
        session.rollback()


def test_the_2026_changes_move_due_dates(host_client, seeded):
    """holidays ≥ 0.106 (the floor in pyproject.toml) knows Vietnam's 2026 changes: Saturday 22/08 is a
    make-up working day for Monday 31/08, and 24/11 (Vietnamese Culture Day) is a new holiday. An older
    release seeds none of them and every due date below moves."""
    from motcua_onestop.calendar.services import package_days

    package = package_days(2026)
    assert package[dt.date(2026, 8, 22)][0] == "working_day"
    assert package[dt.date(2026, 8, 31)][0] == "day_off"
    assert package[dt.date(2026, 11, 24)][0] == "holiday"

    client = host_client(seeded["beta"].host)  # beta's calendar is the seeded one, without admin days

    def due_date(received_at, value=1, unit="working_days"):
        response = client.get(f"/api/v1/calendar/due?received_at={received_at}&value={value}&unit={unit}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()["due_date"]

    assert due_date("2026-08-21T10:00:00") == "2026-08-22"  # Friday → the make-up Saturday
    # Friday 28/08 → Monday 31/08 off, 1–2/09 National Day → Thursday 03/09.
    assert due_date("2026-08-28T10:00:00") == "2026-09-03"
    assert due_date("2026-11-23T10:00:00") == "2026-11-25"  # Monday → Tuesday 24/11 is a holiday
    # Received on the make-up Saturday, the clock starts that day (it is a working day).
    assert (
        client.get("/api/v1/calendar/due?received_at=2026-08-22T09:00:00&value=1&unit=working_days").get_json()[
            "intake_at"
        ]
        == "2026-08-22T02:00:00+00:00"
    )


def test_a_due_date_in_a_year_without_holidays_carries_a_warning(host_client, seeded):
    client = host_client(seeded["beta"].host)
    assert 2091 not in default_years()  # provisioning seeded only the years around today
    body = client.get("/api/v1/calendar/due?received_at=2091-03-05T10:00:00&value=5&unit=working_days").get_json()
    assert body["due_date"] == "2091-03-12"  # counted Monday–Friday: the answer is still given
    [warning] = body["warnings"]
    assert warning["code"] == "calendar_year_not_seeded" and warning["year"] == 2091
    assert "POST /api/v1/calendar/seed?year=2091" in warning["message"]
    # A deadline that runs from a seeded year into an unseeded one names only the unseeded year.
    last = default_years()[-1]
    crossing = client.get(f"/api/v1/calendar/due?received_at={last}-12-20T10:00:00&value=2&unit=months").get_json()
    assert [w["year"] for w in crossing["warnings"]] == [last + 1]
    # In December the year's remaining days have no holiday: the year still counts as seeded.
    december = client.get(f"/api/v1/calendar/due?received_at={last}-12-01T10:00:00&value=3&unit=days").get_json()
    assert december["warnings"] == []
    # The admin's view: the year asked for, and which of the years the province needs are missing.
    calendar = client.get("/api/v1/calendar?year=2091").get_json()
    assert calendar["seeded"] is False and calendar["days"] == []
    needed = calendar_services.years_to_keep_seeded()
    assert calendar["unseeded_years"] == [y for y in needed if y not in default_years()]


def test_the_daily_task_seeds_missing_years_once_and_records_it(alpha, runtime, seeded):
    from types import SimpleNamespace

    from motcua_onestop.calendar.tasks import seed_calendars

    periodic = {task.task.name: task.cron for task in runtime.jobs.app.periodic_registry.periodic_tasks.values()}
    assert periodic["calendar:seed_calendars"] == "40 1 * * *"
    # As the worker runs it (today's date): the years the province needs are all seeded afterwards.
    seed_calendars.func(SimpleNamespace(additional_context={"runtime": runtime}), 0)
    assert alpha.get("/api/v1/calendar").get_json()["unseeded_years"] == []

    # Far ahead (10/12/2090 → 2090–2093), for every active tenant, each year once.
    report = calendar_services.seed_all_tenants(runtime.db, on=dt.date(2090, 12, 10))
    assert report["alpha"] == report["beta"] == [2090, 2091, 2092, 2093]
    calendar = alpha.get("/api/v1/calendar?year=2091").get_json()
    assert calendar["seeded"] is True
    first = calendar["days"][0]
    assert (first["date"], first["kind"], first["source"]) == ("2091-01-01", "holiday", "holidays")
    events = alpha.get("/api/v1/tenant-audit?action=calendar.seed&page_size=100").get_json()
    scheduled = {e["target"]: e for e in events if e["actor"] == "system:calendar-seeder"}
    assert {f"calendar:{y}" for y in (2090, 2091, 2092, 2093)} <= set(scheduled)
    assert scheduled["calendar:2091"]["details"]["added"] > 0

    # An admin corrects a seeded year: the next run leaves it alone (seeded years are never re-seeded).
    assert alpha.delete("/api/v1/calendar/days/2091-01-01").status_code == 204
    assert calendar_services.seed_all_tenants(runtime.db, on=dt.date(2090, 12, 11)) == {}
    days = {d["date"] for d in alpha.get("/api/v1/calendar?year=2091").get_json()["days"]}
    assert "2091-01-01" not in days


def test_seeded_days_are_named_in_vietnamese_and_a_reseed_renames_old_english_names(alpha, runtime):
    days = {d["date"]: d for d in alpha.get("/api/v1/calendar?year=2026").get_json()["days"]}
    assert days["2026-01-01"]["name"] == "Tết Dương lịch"
    assert days["2026-02-17"]["name"] == "Tết Nguyên Đán"
    assert days["2026-09-02"]["name"] == "Quốc khánh"
    assert days["2026-08-31"]["kind"] == "day_off" and days["2026-08-31"]["name"].startswith("Ngày nghỉ")
    assert days["2026-08-22"]["kind"] == "working_day" and days["2026-08-22"]["name"] == "Ngày làm việc bù"
    english = ("New Year", "Lunar", "Day off", "National Day", "Make-up")
    assert not [d["name"] for d in days.values() if any(word in d["name"] for word in english)]

    from sqlalchemy import text  # a tenant seeded before names were Vietnamese

    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        session.execute(text("UPDATE calendar_days SET name = 'Lunar New Year' WHERE date = '2026-02-17'"))
        session.commit()
    reseeded = alpha.post("/api/v1/calendar/seed?year=2026").get_json()
    assert reseeded["updated"] == 1 and reseeded["added"] == 0
    days = {d["date"]: d for d in alpha.get("/api/v1/calendar?year=2026").get_json()["days"]}
    assert days["2026-02-17"]["name"] == "Tết Nguyên Đán"


def test_admin_changes_the_office_hours_and_due_dates_follow(alpha, host_client, seeded):
    hours = {"morning_start": "07:30", "morning_end": "11:30", "afternoon_start": "13:00", "afternoon_end": "16:30"}
    changed = alpha.put("/api/v1/calendar/office-hours", json=hours)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json() == hours
    public = host_client(seeded["alpha"].host)
    assert public.get("/api/v1/calendar?year=2026").get_json()["office_hours"] == hours
    # received on Monday 09/03/2026 at 16:00 with 2 working hours: 16:00–16:30, then 07:30–09:00 on Tuesday
    due = public.get("/api/v1/calendar/due?received_at=2026-03-09T16:00:00&value=2&unit=hours").get_json()
    assert due["due_at"] == "2026-03-10T02:00:00+00:00"  # 09:00 in Vietnam
    (event,) = alpha.get("/api/v1/tenant-audit?action=calendar.office_hours").get_json()
    assert event["details"]["before"] == ["07:00-11:30", "13:30-17:00"]
    assert event["details"]["after"] == ["07:30-11:30", "13:00-16:30"]


def test_bad_office_hours_are_refused_and_only_the_admin_changes_them(alpha, host_client, seeded):
    backwards = {"morning_start": "11:00", "morning_end": "08:00", "afternoon_start": "11:00", "afternoon_end": "10:00"}
    refused = alpha.put("/api/v1/calendar/office-hours", json=backwards)
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]) == {"morning_end", "afternoon_end"}
    malformed = alpha.put("/api/v1/calendar/office-hours", json={"morning_start": "7h", "morning_end": "11:30"})
    assert malformed.status_code == 422
    assert {"morning_start", "afternoon_start", "afternoon_end"} <= set(malformed.get_json()["errors"])
    hours = {"morning_start": "08:00", "morning_end": "11:00", "afternoon_start": "13:00", "afternoon_end": "17:00"}
    for key in ("officer", "commune_admin"):
        client = host_client(seeded["alpha"].host, seeded["alpha"].tokens[key])
        assert client.put("/api/v1/calendar/office-hours", json=hours).status_code == 403, key
    assert host_client(seeded["alpha"].host).put("/api/v1/calendar/office-hours", json=hours).status_code == 401
    assert (
        host_client(seeded["alpha"].host).get("/api/v1/calendar").get_json()["office_hours"]["morning_start"] == "07:00"
    )
