"""Statistics read while dossiers change (issue 15): one thread moves twenty dossiers through processing to their
result and withdraws or stops a few, each change its own committed transaction, while two others read the
month's statistics and indicators over and over. Every read must count each dossier once (the month's counts
balance, nothing is received twice or lost between "open" and "resolved"), and the last one must show every
move. Committed for real (threads need their own transactions), in January 2025 at a unit of its own,
removed afterwards."""

import datetime as dt
import threading
import time

import pytest
from dossier_support import SYSTEM, intake_in
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.statistics import indicators, periods
from motcua_onestop.statistics import services as statistics
from motcua_onestop.units.models import Unit
from motcua_platform.timezones import VIETNAM
from sqlalchemy import delete, select, text

N = 20
JANUARY = periods.period("month", "2025-01")


def at(day, hour):
    return dt.datetime(2025, 1, day, hour, tzinfo=VIETNAM)


@pytest.fixture
def january(runtime, seeded):
    """A unit under the province with N dossiers received on Tuesday 7 January 2025, committed; every row that
    points at them removed afterwards (whatever table it is in)."""
    binding = runtime.db.binding("alpha")
    with runtime.db.tenant_session(binding) as session:
        unit = Unit(kind="commune", code=f"000.00.98.X{time.monotonic_ns() % 100:02d}", name="Concurrency",
                    parent_id=seeded["alpha"].units["root"])  # fmt: skip
        session.add(unit)
        session.flush()
        codes = [intake_in(session, seeded, unit=unit.id, now=at(7, 9)).code for _ in range(N)]
        session.commit()
        unit_id = unit.id
    yield unit_id, codes
    with runtime.db.tenant_session(binding) as session:
        ids = list(session.scalars(select(Dossier.id).where(Dossier.receiving_unit_id == unit_id)))
        referencing = session.execute(text("""
            SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.confrelid = 'dossiers'::regclass
        """)).all()  # fmt: skip
        for table, column in referencing:
            session.execute(text(f"DELETE FROM {table} WHERE {column} = ANY(:ids)"), {"ids": ids})
        session.execute(text("DELETE FROM billing_usage_outbox WHERE event_id = ANY(:keys)"),
                        {"keys": [f"dossier:{i}:received" for i in ids]})  # fmt: skip
        session.execute(delete(Dossier).where(Dossier.id.in_(ids)))
        session.execute(text("DELETE FROM dossier_counters WHERE unit_id = :unit"), {"unit": unit_id})
        session.execute(delete(Unit).where(Unit.id == unit_id))
        session.commit()


@pytest.mark.committed
def test_every_read_counts_each_dossier_once_while_they_move(runtime, seeded, january):
    unit_id, codes = january
    binding = runtime.db.binding("alpha")
    where = statistics.Slice(units=frozenset({unit_id}))
    end = at(31, 23)  # the month judged as of its last evening: nothing here is due after it
    done = threading.Event()
    problems: list[str] = []
    reads = []

    def mover():
        try:
            for number, code in enumerate(codes):
                with runtime.db.tenant_session(binding) as session:
                    dossier = services.get_dossier(session, code, {seeded["alpha"].units["root"]}, lock=True)
                    tenant = seeded["alpha"].context
                    services.transition(session, SYSTEM, dossier, 4, dossier.version, tenant=tenant, now=at(7, 10))
                    if number % 10 == 7:
                        services.transition(session, SYSTEM, dossier, 7, dossier.version, tenant=tenant, now=at(8, 9))
                    elif number % 10 == 8:
                        services.transition(
                            session, SYSTEM, dossier, 8, dossier.version, "Không đủ điều kiện", tenant=tenant,
                            now=at(8, 9),
                        )  # fmt: skip
                    else:
                        services.transition(session, SYSTEM, dossier, 9, dossier.version, tenant=tenant, now=at(9, 9))
                    session.commit()
                time.sleep(0.02)  # the readers get a turn between two changes
        except Exception as exc:  # reported below
            problems.append(f"mover: {exc!r}")
        finally:
            done.set()

    def reader():
        try:
            while True:
                finished = done.is_set()
                with runtime.db.tenant_session(binding) as session:
                    total = statistics.dossier_statistics(session, JANUARY, where, now=end)[1]
                    counts = statistics.totals(statistics.dossier_counts(session, JANUARY, where, now=end))
                    card = indicators.scorecard(indicators.dossier_parts(counts))
                    session.rollback()
                left = total["resolved"] + total["withdrawn"] + total["stopped"] + total["pending"]
                on_time = next(row for row in card["indicators"] if row["id"] == "2.1")
                if total["received"] != N or total["carried_over"] != 0 or left != N or on_time["denominator"] > N:
                    problems.append(f"a read counted a dossier twice or lost one: {total}")
                reads.append(total)
                if finished:
                    return
        except Exception as exc:
            problems.append(f"reader: {exc!r}")

    threads = [threading.Thread(target=mover)] + [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not problems, problems[:5]
    assert len(reads) >= 4, "the readers ran alongside the changes"
    assert any(0 < read["resolved"] < 16 for read in reads), "some read saw the month half done"
    last = reads[-1]
    # 20 dossiers: numbers 7 and 17 withdrawn, 8 and 18 stopped, the other 16 resolved
    assert (last["resolved"], last["withdrawn"], last["stopped"], last["pending"]) == (16, 2, 2, 0)
