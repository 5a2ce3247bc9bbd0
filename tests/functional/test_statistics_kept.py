"""Finished months kept (issue 15, ADR 0041): a period of whole months added up from its kept months gives the
numbers the dossiers give, slice by slice and group by group; a write dated in a kept month (or before a
kept one) makes the database forget it, a write of today forgets nothing; the hourly job keeps what is
missing, once."""

import datetime as dt

import pytest
from dossier_support import SYSTEM, intake_in
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.statistics import kept, periods
from motcua_onestop.statistics import services as statistics
from motcua_onestop.statistics.models import KeptMonth
from motcua_platform.timezones import VIETNAM
from sqlalchemy import func, select, text

GROUPS = (None, "unit", "field", "procedure", "channel", "level")


def read_all(session, where=statistics.Slice()):
    """Every count of the quarter, March, February and the year, in every grouping."""
    return {
        (label, group_by): statistics.dossier_counts(session, period, where, group_by)
        for label, period in (
            ("Q1", periods.period("quarter", "2026-Q1")),
            ("March", periods.period("month", "2026-03")),
            ("February", periods.period("month", "2026-02")),
            ("2026", periods.period("year", "2026")),
            ("Feb-Apr", periods.custom(dt.date(2026, 2, 1), dt.date(2026, 4, 30))),
        )
        for group_by in GROUPS
    }


def kept_months(session):
    return set(session.scalars(select(KeptMonth.first_day)))


def test_whole_months_added_up_from_kept_months_give_what_the_dossiers_give(runtime, march, seeded):
    commune = seeded["alpha"].units["commune_a"]
    tenant = seeded["alpha"].context
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        # online, received in February, finished in March without the paper result's file: complete online
        # intake for February (not finished by its end), not for the quarter or the year
        late = intake_in(session, seeded, "online", now=dt.datetime(2026, 2, 19, 9, tzinfo=VIETNAM))
        for status, day in ((2, 20), (4, 20), (9, 35)):  # received 20 February, finished 7 March
            when = dt.datetime(2026, 2, 1, 9, tzinfo=VIETNAM) + dt.timedelta(days=day - 1)
            dossiers.transition(session, SYSTEM, late, status, late.version, tenant=tenant, now=when)
        from_dossiers = read_all(session)
        complete = {
            label: from_dossiers[(label, None)][0]["received_online_complete"] for label in ("February", "March", "Q1")
        }
        assert complete["February"] == 1 and complete["Q1"] == complete["February"] + complete["March"] - 1
        sliced = read_all(session, statistics.Slice(units=frozenset({commune}), channel="counter"))
        assert from_dossiers[("March", None)][0]["received"] == 12  # the hand-built month (test_statistics)

        to_keep = kept.months_to_keep(session)
        this_month = dt.datetime.now(VIETNAM).date().replace(day=1)
        assert to_keep[0] == (this_month - dt.timedelta(days=1)).replace(day=1)  # newest first: last month
        assert dt.date(2026, 3, 1) in to_keep and dt.date(2026, 2, 1) in to_keep and dt.date(2026, 1, 1) not in to_keep
        assert all(kept.keep_month(session, month) for month in to_keep)
        assert kept_months(session) == set(to_keep)
        rows = session.execute(text("SELECT count(*), sum(received), sum(pending) FROM statistics_month_counts"))
        count, received, pending = rows.one()
        assert count > 0 and received == from_dossiers[("2026", None)][0]["received"] - _this_month(session, "received")
        assert pending > 0  # March's open dossiers, open at the end of every month since

        assert read_all(session) == from_dossiers
        assert read_all(session, statistics.Slice(units=frozenset({commune}), channel="counter")) == sliced
        # February forgotten: January and February are read from the dossiers as one run, March kept
        session.execute(text("DELETE FROM statistics_kept_months WHERE first_day = '2026-02-01'"))
        assert read_all(session) == from_dossiers
        session.rollback()


def test_a_write_dated_in_a_kept_month_forgets_it_and_the_months_after(runtime, march, seeded):
    tenant = seeded["alpha"].context
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        for month in kept.months_to_keep(session):
            kept.keep_month(session, month)
        before = kept_months(session)
        april = statistics.dossier_counts(session, periods.period("month", "2026-04"), statistics.Slice())[0]

        # today's work forgets nothing: an intake now, and March's open dossier J finished now
        intake_in(session, seeded, "counter")
        j = march["J"]
        dossiers.transition(session, SYSTEM, j, 4, j.version, tenant=tenant)  # received on 30 March, processed now
        dossiers.transition(session, SYSTEM, j, 9, j.version, tenant=tenant)
        session.flush()
        assert kept_months(session) == before

        # an intake dated 10 April (an import, a clock set by hand): April and every month after are forgotten
        intake_in(session, seeded, "counter", now=dt.datetime(2026, 4, 10, 9, tzinfo=VIETNAM))
        session.flush()
        assert kept_months(session) == {month for month in before if month < dt.date(2026, 4, 1)}
        again = statistics.dossier_counts(session, periods.period("month", "2026-04"), statistics.Slice())[0]
        assert again["received"] == april["received"] + 1

        # kept again by the job, the month adds up to the same numbers
        assert kept.months_to_keep(session)[-1] == dt.date(2026, 4, 1)
        for month in kept.months_to_keep(session):
            assert kept.keep_month(session, month)
        assert statistics.dossier_counts(session, periods.period("month", "2026-04"), statistics.Slice())[0] == again

        # a dossier's end moved back into March forgets March too
        k = march["K"]
        session.execute(text("UPDATE dossiers SET closed_at = :at, closed_status = 7 WHERE id = :id"), {
            "at": dt.datetime(2026, 3, 30, 9, tzinfo=VIETNAM), "id": k.id})  # fmt: skip
        assert dt.date(2026, 3, 1) not in kept_months(session) and dt.date(2026, 2, 1) in kept_months(session)
        session.rollback()


def test_a_month_is_kept_once_and_only_when_it_is_over(runtime, march):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        assert kept.keep_month(session, dt.date(2026, 3, 1))
        assert not kept.keep_month(session, dt.date(2026, 3, 1))  # another run kept it first
        this_month = dt.datetime.now(VIETNAM).date().replace(day=1)
        with pytest.raises(ValueError):
            kept.keep_month(session, this_month)
        with pytest.raises(ValueError):
            kept.keep_month(session, dt.date(2026, 3, 2))
        assert (
            kept.months_to_keep(session, limit=2)
            == sorted(set(kept.months_to_keep(session, limit=100)), reverse=True)[:2]
        )
        session.rollback()


def test_the_hourly_job_keeps_every_province_s_finished_months(runtime, march, seeded):
    periodic = {task.task.name: task.cron for task in runtime.jobs.app.periodic_registry.periodic_tasks.values()}
    assert periodic["statistics:keep_statistics_months"] == "2 * * * *"
    done = kept.run_keeping(runtime.db)
    assert done["alpha"] >= 2  # February and March at least (the latest twelve months with dossiers)
    assert kept.run_keeping(runtime.db).get("alpha") == 0  # nothing left to keep
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        assert {dt.date(2026, 2, 1), dt.date(2026, 3, 1)} <= kept_months(session)
        counted = session.scalar(select(func.count()).select_from(KeptMonth))
        assert counted == done["alpha"]
        session.rollback()


def _this_month(session, name):
    today = dt.datetime.now(VIETNAM).date()
    return statistics.dossier_counts(session, periods.current("month", today), statistics.Slice())[0][name]
