"""Dossier statistics (issue 15): the hand-built March 2026 of statistics_support, and the numbers the API gives
for it compared with values worked out by hand below."""

import datetime as dt

import pytest
from motcua_onestop.statistics import periods
from motcua_platform.errors import InvalidInput
from motcua_platform.timezones import VIETNAM
from sqlalchemy import text

MARCH = "/api/v1/statistics/dossiers?period=month&value=2026-03"


EVERYWHERE = {
    "carried_over": 1,  # A
    "received": 12,  # B C D E F G H J K N P Q
    "received_counter": 10,
    "received_online": 1,  # C
    "received_postal": 1,  # D
    "resolved": 7,  # A B C D E F N
    "resolved_early": 2,  # B N
    "resolved_on_time": 2,  # A F
    "resolved_late": 3,  # C (dates), D (two supplements), E (past the date it apologised for)
    "pending": 4,  # J K P Q
    "pending_within_due": 2,  # J, P (waiting for the supplement asked before its due date)
    "pending_past_due": 2,  # K, Q (its supplement asked after the due date)
    "withdrawn": 1,  # G
    "stopped": 1,  # H
    "refused": 1,  # I
    "supplement_rounds": 3,  # of those resolved: D twice, F once
    "on_time_rate": 57.14,  # 4 of 7
    "average_processing_time": None,  # by procedure only (test_indicators)
    "time_unit": None,
}
# the commune officer's units (commune A and its service centre): all but N
COMMUNE_A = EVERYWHERE | {
    "received": 11,
    "received_counter": 9,
    "resolved": 6,
    "resolved_early": 1,
    "on_time_rate": 50.0,
}


def test_a_month_counted_by_hand(march, host_client, seeded):
    admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    response = admin.get(MARCH)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["period"] == {"kind": "month", "label": "2026-03", "first_day": "2026-03-01", "last_day": "2026-03-31"}
    assert body["total"] == {"key": None, **EVERYWHERE} and body["rows"] == []
    total = body["total"]
    assert total["carried_over"] + total["received"] == (
        total["resolved"] + total["withdrawn"] + total["stopped"] + total["pending"]
    )  # each dossier ends the month in one place (docs/statistics.md)

    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer.get(MARCH).get_json()["total"] == {"key": None, **COMMUNE_A}


def test_grouped_by_unit_and_sliced(march, host_client, seeded):
    units = seeded["alpha"].units
    admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    grouped = admin.get(MARCH + "&group_by=unit").get_json()
    rows = {row["key"]: row for row in grouped["rows"]}
    assert set(rows) == {units["commune_a"], units["commune_b"]}
    assert rows[units["commune_a"]] == {"key": units["commune_a"], **COMMUNE_A}
    assert rows[units["commune_b"]]["received"] == 1 and rows[units["commune_b"]]["resolved_early"] == 1
    assert grouped["total"] == {"key": None, **EVERYWHERE}

    by_channel = {row["key"]: row["received"] for row in admin.get(MARCH + "&group_by=channel").get_json()["rows"]}
    assert by_channel == {"counter": 10, "online": 1, "postal": 1}  # online: C (I was refused, O waits for intake)
    online = admin.get(MARCH + "&channel=online").get_json()["total"]
    assert (online["received"], online["resolved_late"], online["refused"]) == (1, 1, 1)
    commune_b = admin.get(MARCH + f"&unit_id={units['commune_b']}").get_json()["total"]
    assert (commune_b["received"], commune_b["resolved"]) == (1, 1)
    assert admin.get(MARCH + "&procedure=no-such-code").get_json()["total"]["received"] == 0


def test_other_periods_see_other_dossiers(march, host_client, seeded):
    admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    february = admin.get("/api/v1/statistics/dossiers?period=month&value=2026-02").get_json()["total"]
    # A and L received; L finished; A pending within its due date (Wed 4 March) when February ended
    assert (february["received"], february["resolved"], february["pending"], february["pending_within_due"]) == (
        2,
        1,
        1,
        1,
    )
    day = admin.get("/api/v1/statistics/dossiers?period=day&value=2026-03-02").get_json()["total"]
    assert (day["received"], day["resolved"], day["carried_over"]) == (3, 0, 1)  # B D N; C came on the 3rd
    custom = admin.get("/api/v1/statistics/dossiers?period=custom&from=2026-03-16&until=2026-03-18").get_json()
    assert custom["total"]["resolved"] == 2 and custom["total"]["received"] == 3  # E F; K P Q
    week = admin.get("/api/v1/statistics/dossiers?period=week&value=2026-W11").get_json()  # 9-15 March
    assert week["period"]["first_day"] == "2026-03-09" and week["total"]["received"] == 2  # E F


def test_the_caller_sees_only_their_units_and_bad_input_is_a_clear_422(march, host_client, seeded):
    units = seeded["alpha"].units
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer.get(MARCH + f"&unit_id={units['commune_b']}").status_code == 403
    assert officer.get(MARCH + f"&unit_id={units['centre_a']}").get_json()["total"]["received"] == 0
    assert host_client(seeded["alpha"].host).get(MARCH).status_code == 401
    finance = host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    assert finance.get(MARCH).status_code == 403
    beta = host_client(seeded["beta"].host, seeded["beta"].tokens["admin"])
    assert beta.get(MARCH).get_json()["total"]["received"] == 0  # alpha's dossiers are alpha's

    admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    for query, field in (
        ("period=month&value=2026-13", "value"),
        ("period=month&value=March", "value"),
        ("period=fortnight&value=2026-03", "period"),
        ("period=custom&from=2026-03-10&until=2026-03-01", "until"),
        ("period=custom&from=2026-03-10", "until"),
        ("period=month&value=2026-03&group_by=colour", "group_by"),
    ):
        response = admin.get(f"/api/v1/statistics/dossiers?{query}")
        assert response.status_code == 422, (query, response.get_json())
        assert field in str(response.get_json()), (query, response.get_json())


def test_periods_name_their_days_and_the_one_before():
    quarter = periods.period("quarter", "2026-Q1")
    assert (quarter.first_day, quarter.last_day) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert quarter.previous().label == "2025-Q4"
    week = periods.period("week", "2026-W01")  # ISO: the week with the year's first Thursday
    assert week.first_day == dt.date(2025, 12, 29) and week.previous().label == "2025-W52"
    assert periods.period("year", "2024").end_day == dt.date(2025, 1, 1)
    assert periods.period("month", "2026-12").previous().label == "2026-11"
    assert periods.period("day", "2026-03-01").previous().label == "2026-02-28"
    custom = periods.custom(dt.date(2026, 3, 10), dt.date(2026, 3, 12))
    assert (custom.previous().first_day, custom.previous().last_day) == (dt.date(2026, 3, 7), dt.date(2026, 3, 9))
    assert periods.period("month", "2026-03").start == dt.datetime(2026, 3, 1, tzinfo=VIETNAM)
    with pytest.raises(InvalidInput):
        periods.period("week", "2026-W54")
    with pytest.raises(InvalidInput):
        periods.custom(dt.date(2020, 1, 1), dt.date(2026, 1, 1))


def test_the_facts_migration_fills_what_the_services_write(march, runtime):
    """The tenant migration b3f5a8d21c97 gives dossiers written before it the facts the services now keep:
    on the month's dossiers, its backfill from the history and the extensions writes the same values."""
    import importlib

    migration = importlib.import_module(
        "motcua_tenants.migrations.tenant.versions.20261206_2330_b3f5a8d21c97_dossier_report_facts"
    )
    columns = "id, report_due_at, supplement_rounds, closed_at, closed_status"
    ids = [dossier.id for dossier in march.values()]
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        kept = session.execute(text(f"SELECT {columns} FROM dossiers WHERE id = ANY(:ids) ORDER BY id"), {"ids": ids})
        kept = kept.all()
        assert {row.closed_status for row in kept} == {None, 3, 7, 8} and max(
            row.supplement_rounds for row in kept
        ) == 2
        facts = "report_due_at = NULL, supplement_rounds = 0, closed_at = NULL, closed_status = NULL"
        session.execute(text(f"UPDATE dossiers SET {facts}"))
        session.execute(text(migration.BACKFILL))
        again = session.execute(text(f"SELECT {columns} FROM dossiers WHERE id = ANY(:ids) ORDER BY id"), {"ids": ids})
        assert again.all() == kept
        session.rollback()


def test_a_periods_dossiers_are_found_by_indexes(runtime, seeded):
    """Each part of the statement has an index (with sequential scans off, the plan names them all): an
    expression written differently from its index's would not use it. A period over reads the dossiers open
    at its end through the span; one not over, those open now through their own small index."""
    from motcua_onestop.statistics import services as statistics

    period = periods.period("month", "2026-03")
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plans = {}
        for over in (True, False):
            sql, _params = statistics.statement(statistics.Slice(), None, over=over)
            values = {"start": period.start, "end": period.end, "as_of": period.end}
            plans[over] = "\n".join(row[0] for row in session.execute(text("EXPLAIN " + sql), values))
        session.rollback()
    for index in ("ix_dossiers_received_at", "ix_dossiers_ended_at", "ix_dossiers_refused_at"):
        assert index in plans[True] and index in plans[False], plans
    assert "ix_dossiers_open_span" in plans[True] and "ix_dossiers_open " in plans[False], plans


def test_a_period_not_over_counts_the_dossiers_open_now_as_the_span_does(runtime, march, seeded):
    """A period not over yet reads its pending dossiers from the index of those open now; the same period read
    as if it were over (through the span, at its end) gives the same numbers, group by group: the two sources
    are one definition. March's open dossiers (J K P Q) are still open today, inside this period."""
    from motcua_onestop.statistics import services as statistics

    today = dt.datetime.now(VIETNAM).date()
    period = periods.period("custom", "2026-02-01", until=(today + dt.timedelta(days=30)).isoformat())
    values = {"start": period.start, "end": period.end, "as_of": dt.datetime.now(dt.UTC)}
    read = {}
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        for over in (True, False):
            sql, params = statistics.statement(statistics.Slice(), "unit", over=over)
            read[over] = [dict(row) for row in session.execute(text(sql), values | params).mappings()]
        session.rollback()
    assert read[True] == read[False]
    assert sum(row["pending"] for row in read[False]) >= 4 and sum(row["received"] for row in read[False]) >= 12


def test_early_or_on_time_by_the_local_day(runtime, seeded):
    """Early, on time and late compare Vietnam dates: a result at 06:30 on the due day (23:30 UTC the day
    before) is on time, not early; one at 00:30 the day after (17:30 UTC on the due day) is late."""
    from dossier_support import SYSTEM, intake_in
    from motcua_onestop.dossiers import services as dossiers
    from motcua_onestop.statistics import services as statistics

    tenant = seeded["alpha"].context
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        made = []
        for hour, days_after in ((6, 0), (0, 1)):
            dossier = intake_in(session, seeded, "counter", now=dt.datetime(2026, 5, 4, 9, tzinfo=VIETNAM))
            due_day = dossier.due_at.astimezone(VIETNAM).date() + dt.timedelta(days=days_after)
            finished = dt.datetime.combine(due_day, dt.time(hour, 30), VIETNAM)
            dossiers.transition(session, SYSTEM, dossier, 4, dossier.version, tenant=tenant, now=dossier.received_at)
            dossiers.transition(session, SYSTEM, dossier, 9, dossier.version, tenant=tenant, now=finished)
            made.append(dossier)
        assert made[0].finished_at.astimezone(dt.UTC).date() < made[0].due_at.astimezone(dt.UTC).date()
        counts = statistics.dossier_counts(session, periods.period("month", "2026-05"), statistics.Slice())[0]
        assert (counts["resolved_early"], counts["resolved_on_time"], counts["resolved_late"]) == (0, 1, 1)
        session.rollback()
