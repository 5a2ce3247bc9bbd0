"""Finished months and the month so far kept (issue 15, ADR 0041, ADR 0042): a period added up from its kept
pieces and read from the dossiers for the rest gives the numbers the dossiers give, slice by slice and group by
group, the month in progress included; a write dated in a kept period (or before a kept one) makes the
database forget it, a write of today forgets nothing; the hourly job keeps what is missing, once."""

import datetime as dt

import pytest
from dossier_support import SYSTEM, intake_in
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.statistics import kept, periods
from motcua_onestop.statistics import services as statistics
from motcua_onestop.statistics.models import KeptPeriod
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


def kept_periods(session):
    return {(first, end) for first, end in session.execute(select(KeptPeriod.first_day, KeptPeriod.end_day))}


def kept_months(session):
    return {first for first, end in kept_periods(session) if end == periods.month_after(first)}


def months(to_keep):
    return [period.first_day for period in to_keep if period.kind == "month"]


def keep_all(session, now=None):
    to_keep = kept.to_keep(session, now)
    assert all(kept.keep(session, period, now) for period in to_keep)
    return to_keep


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

        today = dt.datetime.now(VIETNAM).date()
        this_month = today.replace(day=1)
        to_keep = keep_all(session)
        assert months(to_keep)[0] == (this_month - dt.timedelta(days=1)).replace(day=1)  # newest first: last month
        assert {dt.date(2026, 3, 1), dt.date(2026, 2, 1)} <= set(months(to_keep))
        assert dt.date(2026, 1, 1) not in months(to_keep)
        # then the month in progress up to today
        so_far = [(period.first_day, period.end_day) for period in to_keep if period.kind != "month"]
        assert so_far == ([(this_month, today)] if today > this_month else [])
        assert kept_periods(session) == {(period.first_day, period.end_day) for period in to_keep}
        rows = session.execute(text("SELECT count(*), sum(received), sum(pending) FROM statistics_period_counts"))
        count, received, pending = rows.one()
        year = from_dossiers[("2026", None)][0]["received"]
        assert count > 0 and received == year - _today(session, "received")
        assert pending > 0  # March's open dossiers, open at the end of every month since

        assert read_all(session) == from_dossiers
        assert read_all(session, statistics.Slice(units=frozenset({commune}), channel="counter")) == sliced
        # February forgotten: January and February are read from the dossiers as one run, March kept
        session.execute(text("DELETE FROM statistics_kept_periods WHERE first_day = '2026-02-01'"))
        assert read_all(session) == from_dossiers
        session.rollback()


def test_a_write_dated_in_a_kept_month_forgets_it_and_the_months_after(runtime, march, seeded):
    tenant = seeded["alpha"].context
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        keep_all(session)
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
        assert months(kept.to_keep(session))[-1] == dt.date(2026, 4, 1)
        keep_all(session)
        assert statistics.dossier_counts(session, periods.period("month", "2026-04"), statistics.Slice())[0] == again

        # a dossier's end moved back into March forgets March too
        k = march["K"]
        session.execute(text("UPDATE dossiers SET closed_at = :at, closed_status = 7 WHERE id = :id"), {
            "at": dt.datetime(2026, 3, 30, 9, tzinfo=VIETNAM), "id": k.id})  # fmt: skip
        assert dt.date(2026, 3, 1) not in kept_months(session) and dt.date(2026, 2, 1) in kept_months(session)
        session.rollback()


def test_a_period_is_kept_once_and_only_when_it_is_a_finished_month_or_the_start_of_one(runtime, march):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        assert kept.keep(session, periods.period("month", "2026-03"))
        assert not kept.keep(session, periods.period("month", "2026-03"))  # another run kept it first
        assert kept.keep(session, periods.custom(dt.date(2026, 3, 1), dt.date(2026, 3, 5)))
        today = dt.datetime.now(VIETNAM).date()
        for not_kept in (
            periods.current("month", today),  # not over
            periods.custom(today.replace(day=1), today),  # nor today
            periods.period("week", "2026-W10"),  # 2 to 8 March
            periods.period("quarter", "2026-Q1"),
            periods.custom(dt.date(2026, 3, 2), dt.date(2026, 3, 3)),
        ):
            with pytest.raises(ValueError):
                kept.keep(session, not_kept)
        assert (
            months(kept.to_keep(session, limit=2))
            == sorted(set(months(kept.to_keep(session, limit=100))), reverse=True)[:2]
        )
        session.rollback()


def test_the_hourly_job_keeps_every_province_s_finished_months(runtime, march, seeded):
    periodic = {task.task.name: task.cron for task in runtime.jobs.app.periodic_registry.periodic_tasks.values()}
    assert periodic["statistics:keep_statistics_periods"] == "2 * * * *"
    done = kept.run_keeping(runtime.db)
    assert done["alpha"] >= 2  # February and March at least (the latest twelve months with dossiers)
    assert kept.run_keeping(runtime.db).get("alpha") == 0  # nothing left to keep
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        assert {dt.date(2026, 2, 1), dt.date(2026, 3, 1)} <= kept_months(session)
        counted = session.scalar(select(func.count()).select_from(KeptPeriod))
        assert counted == done["alpha"]
        assert len(kept_periods(session)) - len(kept_months(session)) == (dt.datetime.now(VIETNAM).day > 1)
        session.rollback()


def _today(session, name):
    today = dt.datetime.now(VIETNAM).date()
    return statistics.dossier_counts(session, periods.current("day", today), statistics.Slice())[0][name]


MID_MARCH = dt.datetime(2026, 3, 20, 12, tzinfo=VIETNAM)  # "now" in the middle of the hand-built month


def read_march(session, where=statistics.Slice()):
    """As of MID_MARCH: the month in progress, a finished week and a day of it, and a range from February into
    it, in every grouping."""
    return {
        (label, group_by): statistics.dossier_counts(session, period, where, group_by, now=MID_MARCH)
        for label, period in (
            ("March", periods.period("month", "2026-03")),
            ("W11", periods.period("week", "2026-W11")),  # 9 to 15 March
            ("today", periods.period("day", "2026-03-20")),
            ("Feb 20-Mar 25", periods.custom(dt.date(2026, 2, 20), dt.date(2026, 3, 25))),
        )
        for group_by in GROUPS
    }


def test_the_month_in_progress_added_up_from_the_month_so_far_gives_what_the_dossiers_give(runtime, march, seeded):
    commune = seeded["alpha"].units["commune_a"]
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        from_dossiers = read_march(session)
        sliced = read_march(session, statistics.Slice(units=frozenset({commune}), channel="counter"))
        assert from_dossiers[("March", None)][0]["received"] == 12  # the hand-built month (test_statistics)
        assert from_dossiers[("W11", None)][0]["pending"] > 0

        to_keep = keep_all(session, MID_MARCH)
        assert [period.label for period in to_keep if period.kind != "month"] == ["2026-03-01..2026-03-19"]
        assert dt.date(2026, 3, 1) not in months(to_keep)  # not over
        assert read_march(session) == from_dossiers
        assert read_march(session, statistics.Slice(units=frozenset({commune}), channel="counter")) == sliced

        # an older, shorter month so far: the days after it read from the dossiers
        session.execute(text("DELETE FROM statistics_kept_periods WHERE first_day = '2026-03-01'"))
        assert kept.keep(session, periods.custom(dt.date(2026, 3, 1), dt.date(2026, 3, 12)), MID_MARCH)
        assert read_march(session) == from_dossiers
        session.rollback()


def test_a_write_dated_in_the_month_so_far_forgets_it_and_every_period_after(runtime, march, seeded):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        keep_all(session, MID_MARCH)
        assert kept.keep(session, periods.custom(dt.date(2026, 3, 1), dt.date(2026, 3, 9)), MID_MARCH)
        keep_all(session)  # the months since, as of now
        assert (dt.date(2026, 3, 1), dt.date(2026, 4, 1)) in kept_periods(session)
        intake_in(session, seeded, "counter", now=dt.datetime(2026, 3, 10, 9, tzinfo=VIETNAM))
        session.flush()
        left = kept_periods(session)
        assert (dt.date(2026, 3, 1), dt.date(2026, 3, 10)) in left and (
            dt.date(2026, 2, 1),
            dt.date(2026, 3, 1),
        ) in left
        assert all(end <= dt.date(2026, 3, 10) for _first, end in left)  # from the 10th: March and every month after
        session.rollback()


def test_a_month_so_far_is_forgotten_once_a_longer_one_or_its_month_is_kept(runtime, march):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        assert kept.keep(session, periods.custom(dt.date(2026, 3, 1), dt.date(2026, 3, 9)), MID_MARCH)
        assert kept.forget_superseded(session) == 0
        keep_all(session, MID_MARCH)  # February, and 1 to 19 March
        assert kept.forget_superseded(session) == 1  # 1 to 9 March
        april = dt.datetime(2026, 4, 2, 12, tzinfo=VIETNAM)
        to_keep = keep_all(session, april)
        assert [period.label for period in to_keep] == ["2026-03", "2026-04-01..2026-04-01"]
        assert kept.forget_superseded(session) == 1  # 1 to 19 March, now March
        assert kept_periods(session) == {
            (dt.date(2026, 2, 1), dt.date(2026, 3, 1)),
            (dt.date(2026, 3, 1), dt.date(2026, 4, 1)),
            (dt.date(2026, 4, 1), dt.date(2026, 4, 2)),
        }
        session.rollback()


def test_a_period_is_covered_by_its_longest_kept_pieces_and_read_between_them():
    february, so_far = (dt.date(2026, 2, 1), dt.date(2026, 3, 1)), (dt.date(2026, 3, 1), dt.date(2026, 3, 4))
    shorter = [(dt.date(2026, 2, 1), dt.date(2026, 2, 10)), (dt.date(2026, 3, 1), dt.date(2026, 3, 2))]
    pieces, runs = statistics._cover(periods.period("quarter", "2026-Q1"), [shorter[0], february, so_far, shorter[1]])
    assert pieces == [february, so_far]  # February whole, not its first nine days
    assert runs == [(dt.date(2026, 1, 1), dt.date(2026, 2, 1)), (dt.date(2026, 3, 4), dt.date(2026, 4, 1))]
