"""Dossier benchmarks (issue: dossiers and processing workflow).

1. Submission through gunicorn (2 workers; BENCH_WORKERS). N_CITIZENS citizen accounts and N_OFFICERS commune
   officers are registered and logged in before the timed phases; wrk then posts distinct
   marriage-registration dossiers to POST /api/v1/dossiers for 10 s, 16 connections:
   - online, each with a citizen's token (token check, applicant from the profile, form validation, code,
     history, audit, the acknowledgement to the account's e-mail in the outbox), spread over the communes
     and all to one commune (its counter row is then the one lock every intake waits for);
   - at the counter, each officer at their own commune (staff token with roles, the officer's units,
     validation, code, due date from the calendar, the ``dossiers_received`` usage event, history, audit,
     e-mail and SMS in the outbox): the status-2 intake, which also counts for billing.
   Then the database is checked for duplicate codes and whole dossiers (one history entry, one audit event,
   their messages, one usage event per counter intake). Targets (issue 14): at least 300 dossiers/s online
   and 250/s at the counter, no duplicate codes, every dossier whole.
2. A tenant holding 1,000,000 dossiers (INSERT … SELECT generate_series: 200 receiving units, a
   realistic spread of statuses and due dates, one open step for each dossier in processing), ANALYZE,
   then the officer inbox and the overdue list through the service as the API calls it (``inbox_query``
   + ``paginate`` with the total capped at MOTCUA_LIST_COUNT_CAP and the keyset, one tenant session per
   call, as a request does): p50/p95 over 300 calls each for a commune officer and 100 for the province
   admin (whole tenant), including a page asked for by cursor, with EXPLAIN (ANALYZE) of the statement
   ``paginate`` sends. Target: p95 at most 50 ms.

Usage: .venv/bin/python benchmarks/dossiers.py   (creates and drops its own database)
Settings: BENCH_WORKERS (gunicorn workers for the submission, 2), BENCH_LISTS=0 (the submission phase only),
BENCH_SUBMISSION=0 (the lists only), BENCH_ROUNDS (1) and BENCH_DURATION (10 s): each submission phase is
loaded BENCH_ROUNDS times for BENCH_DURATION seconds (the median is the figure); BENCH_COMPARE_WITH=<another
checkout with its own .venv, e.g. a worktree at main>: its server runs beside this tree's on the same
database and the two are loaded in turn, phase by phase and round by round (an interleaved A/B).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common as c

SLUG = "benchdossiers"  # schema t_benchdossiers, named literally in the SQL below
HOST = f"{SLUG}.motcua.localhost"
N_DOSSIERS = c.sized("BENCH_DOSSIERS", 1_000_000, 200)
N_COMMUNES = c.sized("BENCH_COMMUNES", 200, 4)
N_CITIZENS = c.sized("BENCH_CITIZENS", 64, 2)
N_OFFICERS = c.sized("BENCH_OFFICERS", 16, 2)  # one per commune, each receiving at their own counter
CALLS = c.sized("BENCH_CALLS", 300, 3)
WORKERS = c.sized("BENCH_WORKERS", 2, 1)  # gunicorn workers for the submission phase
LISTS = os.environ.get("BENCH_LISTS", "1") != "0"  # 0: the submission phase only
SUBMISSION = os.environ.get("BENCH_SUBMISSION", "1") != "0"  # 0: the lists only
ROUNDS = c.sized("BENCH_ROUNDS", 1, 1)  # submission rounds: each phase once per round (and per server)
DURATION = c.sized("BENCH_DURATION", 10, 1)  # seconds of wrk per phase and round
COMPARE_WITH = os.environ.get("BENCH_COMPARE_WITH", "")  # another checkout, served and loaded in turn

LUA_HEAD = r"""
counter = 0
thread_id = 0
threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
"""

# The officer at OFFICER_UNITS[k] holds OFFICER_TOKENS[k]; the applicant gives an e-mail and a mobile number.
COUNTER_LUA = (
    LUA_HEAD
    + r"""
request = function()
  counter = counter + 1
  local k = 1 + (counter * 7 + thread_id) % #TOKENS
  local n = thread_id * 1000000 + counter
  local body = string.format([[{"procedure_code": "1.000894", "receiving_unit_id": %d, "channel": "counter",
    "applicant": {"full_name": "Nguyễn Văn %d", "citizen_id": "0790%08d", "contact": "dan%d@bench.vn; 0912%06d"},
    "form": {"husband_full_name": "Nguyễn Văn %d", "husband_citizen_id": "0790%08d",
      "husband_date_of_birth": "1990-01-01", "wife_full_name": "Lê Thị Vợ %d", "wife_citizen_id": "0791%08d",
      "wife_date_of_birth": "1992-02-02",
      "residence": "Xã A"}}]], UNITS[k], n, n, n, n % 1000000, n, n, counter, counter)
  return wrk.format("POST", "/api/v1/dossiers",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. TOKENS[k]}, body)
end
"""
)

# Each request with one of the citizens' TOKENS, to one of UNITS (the applicant comes from the account).
ONLINE_LUA = (
    LUA_HEAD
    + r"""
request = function()
  counter = counter + 1
  local name = string.format("Nguyễn Văn %d-%d", thread_id, counter)
  local body = string.format([[{"procedure_code": "1.000894", "receiving_unit_id": %d, "channel": "online",
    "form": {"husband_full_name": "%s", "husband_citizen_id": "0790%08d", "husband_date_of_birth": "1990-01-01",
      "wife_full_name": "Lê Thị Vợ %d", "wife_citizen_id": "0791%08d", "wife_date_of_birth": "1992-02-02",
      "residence": "Xã A"}}]], UNITS[1 + (counter + thread_id) % #UNITS], name,
    thread_id * 1000000 + counter, counter, counter)
  local token = TOKENS[1 + (counter * 7 + thread_id) % #TOKENS]
  return wrk.format("POST", "/api/v1/dossiers",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
"""
)


def bench_env(url: str) -> dict:
    """The platform's settings for the benchmark database. N_CITIZENS accounts submit a few hundred
    dossiers a minute here: the per-account hourly limit is still checked on every submission, never reached."""
    return {**c.motcua_env(url), "MOTCUA_ONLINE_SUBMISSIONS_PER_HOUR": "1000000"}


def setup_tenant(runtime, actor):
    from motcua_onestop.units.models import Unit, UnitKind
    from motcua_platform.plugins.engine import active
    from motcua_tenants.registry import services as registry
    from motcua_tenants.tenant_plugins.services import set_plugin
    from sqlalchemy import select

    with runtime.db.control_session() as session:
        job = registry.create_tenant(
            session,
            actor,
            registry.TenantSpec(slug=SLUG, name="Tỉnh Bench", unit_code="000.00.00.H99"),
            base_domain="motcua.localhost",
        )
        session.commit()
    registry.provision(runtime.db, job.id)
    with runtime.db.control_session() as control:
        for plugin in active():
            set_plugin(control, runtime.db, actor, active(), SLUG, plugin.name, enabled=True)
    with runtime.db.tenant_session(runtime.db.binding(SLUG)) as session:
        root = session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        session.add(Unit(kind=UnitKind.DEPARTMENT, code="000.01.00.H99", name="Sở Tư pháp", parent_id=root.id))
        communes = []
        for i in range(N_COMMUNES):
            commune = Unit(kind=UnitKind.COMMUNE, code=f"000.00.{i:03d}.H99", name=f"Xã {i}", parent_id=root.id)
            session.add(commune)
            session.flush()
            session.add(
                Unit(
                    kind=UnitKind.SERVICE_CENTRE, code=f"000.{i:03d}.01.H99", name=f"TTPVHCC {i}", parent_id=commune.id
                )
            )
            communes.append(commune.id)
        session.commit()
    return root.id, communes


def citizen_tokens(runtime) -> list[str]:
    """Register N_CITIZENS citizens and log each in (through the services: the per-address login budget
    of the HTTP route is not what is measured here). Untimed."""
    from motcua_onestop.citizens import services as citizens
    from motcua_platform.auth.services import LoginPolicy

    tokens = []
    with runtime.db.tenant_session(runtime.db.binding(SLUG)) as session:
        for i in range(N_CITIZENS):
            account = citizens.register(
                session,
                citizens.Registration(
                    full_name=f"Công Dân {i}",
                    password="Bench-Ngan-Lau-Gio-37",
                    email=f"dan{i}@bench.vn",
                    national_id=f"0790900{i:05d}",
                ),
                site=(SLUG,),
            )
            token, _, _ = citizens.login(
                session, identifier=account.email, password="Bench-Ngan-Lau-Gio-37", scope=SLUG, policy=LoginPolicy()
            )
            tokens.append(token)
        session.commit()
    return tokens


def officer_tokens(runtime, communes: list[int]) -> tuple[list[int], list[str]]:
    """N_OFFICERS officers, one on each of the first communes, logged in through the services. Untimed.
    Returns the communes and the tokens, in the same order."""
    from motcua_platform.audit.services import Actor
    from motcua_platform.auth import services as auth
    from motcua_platform.auth.models import StaffRoleName

    chosen, tokens = communes[:N_OFFICERS], []
    with runtime.db.tenant_session(runtime.db.binding(SLUG)) as session:
        for i, unit in enumerate(chosen):
            email = f"canbo{i}@bench.vn"
            auth.create_staff(
                session,
                Actor("system", None, "benchmark"),
                email=email,
                full_name=f"Cán Bộ {i}",
                password="Bench-Ngan-Lau-Gio-37",
                roles=[(StaffRoleName.OFFICER, unit)],
                site=(SLUG,),
            )
            token, _, _ = auth.login(
                session, email=email, password="Bench-Ngan-Lau-Gio-37", scope=SLUG, policy=auth.LoginPolicy()
            )
            tokens.append(token)
        session.commit()
    return chosen, tokens


def submission(env, communes: list[int], citizens: list[str], officers: tuple[list[int], list[str]], url: str):
    wrk = shutil.which("wrk")
    if not wrk:
        print("\nwrk is not installed (apt-get install -y wrk): skipping the submission measurement")
        return
    # BENCH_COMPARE_WITH: another checkout (with its own .venv) served beside this one on the same database
    # and loaded in turn, phase by phase and round by round, so both see the same machine load
    servers = [("this tree", c.motcua_bin())]
    if COMPARE_WITH:
        servers.append((f"{COMPARE_WITH}", str(Path(COMPARE_WITH) / ".venv" / "bin" / "motcua")))
    started = []
    folder = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    phases = [
        (f"online (citizens), spread over {len(communes)} communes", ONLINE_LUA, communes, citizens),
        ("online (citizens), all to one commune", ONLINE_LUA, communes[:1], citizens),
        (f"counter ({len(officers[1])} commune officers, usage event, e-mail + SMS)", COUNTER_LUA, *officers),
    ]
    rates: dict[tuple[int, int], list[float]] = {}  # (phase, server) → dossiers/s of each round
    errors: dict[tuple[int, int], set[str]] = {}
    try:
        for _, binary in servers:
            port = c.free_port()
            command = [binary, "run", "--no-worker", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}"]
            process = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )
            started.append((process, f"http://127.0.0.1:{port}"))
        for _, base in started:
            for _ in range(600):  # up to a minute: gunicorn boots slowly on a busy machine
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
        for n, (_, lua, units, tokens) in enumerate(phases):
            (folder / f"phase{n}.lua").write_text(
                "UNITS = {" + ", ".join(map(str, units)) + "}\n"
                "TOKENS = {" + ", ".join(f'"{t}"' for t in tokens) + "}\n" + lua
            )
        for round_ in range(ROUNDS):
            for n in range(len(phases)):
                for k, (_, base) in enumerate(started):
                    script = str(folder / f"phase{n}.lua")
                    args = [wrk, "-t2", "-c16", f"-d{DURATION}s", "-s", script, "-H", f"Host: {HOST}", base]
                    if round_ == 0:  # warm-up
                        subprocess.run([*args[:3], "-d2s", *args[4:]], capture_output=True, check=True)
                    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
                    rps = float(next(line for line in out.splitlines() if "Requests/sec" in line).split()[1])
                    rates.setdefault((n, k), []).append(rps)
                    bad = {line.strip() for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line}
                    errors.setdefault((n, k), set()).update(bad)
            print(f"   round {round_ + 1} of {ROUNDS} done, loadavg {c.loadavg()}")
    finally:
        for process, _ in started:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    rows = []
    for n, (label, *_) in enumerate(phases):
        for k, (name, _) in enumerate(servers):
            each = rates[(n, k)]
            shown = f"{statistics.median(each):,.0f}"
            rounds = " / ".join(f"{r:,.0f}" for r in each)
            rows.append([label if k == 0 else "", name, shown, rounds, "; ".join(sorted(errors[(n, k)])) or "none"])
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        total, distinct = conn.execute("SELECT count(*), count(DISTINCT code) FROM t_benchdossiers.dossiers").fetchone()
        history = conn.execute("SELECT count(*) FROM t_benchdossiers.dossier_history").fetchone()[0]
        outbox = conn.execute("SELECT count(*) FROM t_benchdossiers.notification_outbox").fetchone()[0]
        usage = conn.execute(
            "SELECT count(*) FROM t_benchdossiers.billing_usage_outbox WHERE metric_code = 'dossiers_received'"
        ).fetchone()[0]
        counter = conn.execute("SELECT count(*) FROM t_benchdossiers.dossiers WHERE status = 2").fetchone()[0]
        audit = conn.execute(
            "SELECT count(*) FROM t_benchdossiers.audit_events WHERE action = 'dossier.intake'"
        ).fetchone()[0]
        # every dossier whole: one history entry, one audit event and one national sync record each, and its
        # messages (online: the account's e-mail; at the counter: the applicant's e-mail and SMS)
        incomplete = conn.execute(
            """SELECT count(*) FROM t_benchdossiers.dossiers AS d
               WHERE (SELECT count(*) FROM t_benchdossiers.dossier_history AS h WHERE h.dossier_id = d.id) <> 1
                  OR (SELECT count(*) FROM t_benchdossiers.national_sync_outbox AS s WHERE s.dossier_id = d.id) <> 1
                  OR (SELECT count(*) FROM t_benchdossiers.notification_outbox AS o WHERE o.dossier_id = d.id)
                     <> CASE WHEN d.status = 2 THEN 2 ELSE 1 END"""
        ).fetchone()[0]
    print()
    title = f"POST /api/v1/dossiers, gunicorn {WORKERS} workers, wrk 2×16, {DURATION} s"
    print(c.table([title, "server", "dossiers/s (median)", "rounds", "errors"], rows))
    print(
        f"   in the database (with warm-ups): {total} dossiers, {distinct} distinct codes, {history} history rows, "
        f"{outbox} outbox messages, {audit} intake audit events; {counter} counter intakes, {usage} "
        f"dossiers_received usage events; {incomplete} dossiers without exactly one history entry and their messages"
    )
    whole = history == audit == total and incomplete == 0
    clean = total == distinct and usage == counter and whole and all(row[4] == "none" for row in rows)
    mine = [statistics.median(rates[(n, 0)]) for n in range(len(phases))]  # this tree's
    fast = min(mine[:2]) >= 300 and mine[2] >= 250
    verdict = "met" if fast and clean else "NOT met"
    print(f"   target ≥ 300 dossiers/s online, ≥ 250 at the counter, no duplicate codes, dossiers whole: {verdict}")
    print(f"   loadavg after: {c.loadavg()}")


SEED_SQL = """
INSERT INTO dossiers (code, procedure_id, receiving_unit_id, channel, applicant_name, form_data, fees, total_fee,
                      status, submitted_at, received_at, due_at, extended_due_at, finished_at, returned_at,
                      report_due_at, supplement_rounds, closed_at, closed_status,
                      has_digitised_components, has_result_file, processing_time,
                      current_step, version, created_at, updated_at)
SELECT 'SEED-' || g,
       (:procedures)[1 + (g::bigint * 7919) % array_length(:procedures, 1)],
       -- communes and their service centres alike, a few communes much busier than others
       (:units)[1 + floor(power(random(), 1.6) * array_length(:units, 1))::int],
       (ARRAY['online', 'counter', 'postal'])[1 + (g % 3)],
       'Công dân ' || g,
       '{}'::jsonb, '[]'::jsonb, 0,
       s.status,
       s.submitted,
       CASE WHEN s.status IN (1, 3) THEN NULL ELSE s.submitted END,
       CASE WHEN s.status IN (1, 3) THEN NULL ELSE s.submitted + s.days * interval '1 day' END,
       CASE WHEN g % 17 = 0 AND s.status NOT IN (1, 3) THEN s.submitted + (s.days + 2) * interval '1 day' END,
       CASE WHEN s.status IN (9, 10) THEN s.submitted + s.days * random() * 1.2 * interval '1 day' END,
       CASE WHEN s.status = 10 THEN s.submitted + (s.days + 1) * interval '1 day' END,
       -- the statistics' facts (ADR 0038): the due date for reports, a supplement for one in 13 and a
       -- second for one in 97, the time a refused, withdrawn or stopped dossier ended
       CASE WHEN s.status IN (1, 3) THEN NULL ELSE s.submitted + s.days * interval '1 day' END,
       CASE WHEN s.status IN (1, 3) THEN 0 WHEN g % 97 = 0 THEN 2 WHEN g % 13 = 0 THEN 1 ELSE 0 END,
       CASE WHEN s.status IN (3, 7, 8) THEN s.submitted + s.days * random() * interval '1 day' END,
       CASE WHEN s.status IN (3, 7, 8) THEN s.status END,
       -- the indicators' facts (ADR 0039): two in three digitised, three in four results as files, and the
       -- processing time of a finished one (in days, as its finishing time above draws it)
       g % 3 <> 1,
       s.status IN (9, 10) AND g % 4 <> 0,
       CASE WHEN s.status IN (9, 10) THEN round((s.days * random() * 1.2)::numeric, 2) END,
       CASE WHEN s.status IN (4, 5, 6, 9, 10) THEN 0 END,
       1, s.submitted, s.submitted
FROM generate_series(1, :n) AS g
CROSS JOIN LATERAL (
    SELECT x.status,
           -- finished dossiers over the last two years; open ones over the last month
           CASE WHEN x.status IN (2, 4, 5, 6, 1) THEN now() - random() * interval '30 days'
                ELSE now() - interval '30 days' - random() * interval '700 days' END AS submitted,
           (ARRAY[3, 5, 7, 10, 15, 20])[1 + (g % 6)] AS days
    FROM (SELECT CASE
        WHEN r < 0.70 THEN 10 WHEN r < 0.78 THEN 9 WHEN r < 0.87 THEN 4 WHEN r < 0.90 THEN 2
        WHEN r < 0.92 THEN 5 WHEN r < 0.93 THEN 6 WHEN r < 0.95 THEN 1 WHEN r < 0.97 THEN 3
        WHEN r < 0.99 THEN 8 ELSE 7 END AS status
        FROM (SELECT random() + g * 0 AS r) AS rr) AS x
) AS s
"""

STEPS_SQL = """
INSERT INTO dossier_steps (dossier_id, index, name, role, unit_kind, unit_id, allotted_hours, started_at, due_at)
SELECT id, 0, 'Thẩm định', 'officer', 'commune', receiving_unit_id, 24, received_at,
       received_at + interval '3 days'
FROM dossiers WHERE status = 4
"""

# what workflow.py keeps on each dossier as its steps move (the same statement as the migration's backfill)
STEP_UNIT_SQL = """
UPDATE dossiers AS d SET current_step_unit_id = s.unit_id FROM dossier_steps AS s
WHERE s.dossier_id = d.id AND s.index = d.current_step AND s.started_at IS NOT NULL AND s.finished_at IS NULL
"""


def seed_dossiers(runtime, every_procedure: bool = False) -> None:
    """N_DOSSIERS dossiers in the tenant of setup_tenant (SEED_SQL, their open steps), then VACUUM ANALYZE;
    prints what it made and how long it took. All under one procedure, or spread over every procedure of the
    tenant's catalogue (``every_procedure``: the statistics group and keep months by procedure)."""
    from motcua_onestop.catalogue.models import Procedure
    from motcua_onestop.units.models import Unit
    from sqlalchemy import select, text

    with runtime.db.tenant_session(runtime.db.binding(SLUG)) as session:
        if every_procedure:
            procedures = list(session.scalars(select(Procedure.id).order_by(Procedure.id)))
        else:
            procedures = [session.scalar(select(Procedure.id).where(Procedure.code == "1.000894").limit(1))]
        units = list(session.scalars(select(Unit.id).where(Unit.parent_id.isnot(None))))
        started = time.perf_counter()
        session.execute(text(SEED_SQL), {"procedures": procedures, "units": units, "n": N_DOSSIERS})
        session.execute(text(STEPS_SQL))
        session.execute(text(STEP_UNIT_SQL))
        session.commit()
        seeded = time.perf_counter() - started
    with runtime.db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        started = time.perf_counter()
        conn.exec_driver_sql(f"VACUUM ANALYZE t_{SLUG}.dossiers")
        conn.exec_driver_sql(f"VACUUM ANALYZE t_{SLUG}.dossier_steps")
        analyzed = time.perf_counter() - started
        total = conn.exec_driver_sql(f"SELECT count(*) FROM t_{SLUG}.dossiers").scalar()  # noqa: S608 (a constant)
        size = conn.exec_driver_sql(f"SELECT pg_size_pretty(pg_total_relation_size('t_{SLUG}.dossiers'))").scalar()
    print(f"\nseeded {total:,} dossiers in {seeded:.1f} s, VACUUM ANALYZE {analyzed:.1f} s, table + indexes {size}")


def big_tenant(runtime, communes: list[int], root_id: int) -> None:
    from flask_smorest.pagination import PaginationParameters
    from motcua_onestop.dossiers import services
    from motcua_onestop.dossiers.models import Dossier
    from motcua_platform.web.pagination import paginate

    binding = runtime.db.binding(SLUG)
    seed_dossiers(runtime)

    rng = random.Random(766)
    cap = runtime.config.list_count_cap
    cases = [
        ("commune officer: inbox (open dossiers, the default)", "commune", services.InboxFilter(), False),
        ("commune officer: inbox, state=all", "commune", services.InboxFilter(state="all"), False),
        ("commune officer: inbox, status=4", "commune", services.InboxFilter(status=4), False),
        ("commune officer: overdue list", "commune", services.InboxFilter(overdue=True), False),
        ("commune officer: due within 8 working hours", "commune", services.InboxFilter(due_soon=8), False),
        ("commune officer: current step on my units", "commune", services.InboxFilter(step_unit=True), False),
        ("province admin: inbox (open dossiers, whole tenant)", "root", services.InboxFilter(), False),
        ("province admin: inbox, next page by cursor", "root", services.InboxFilter(), True),
        ("province admin: inbox, state=all (1M)", "root", services.InboxFilter(state="all"), False),
        ("province admin: inbox, status=4", "root", services.InboxFilter(status=4), False),
        ("province admin: overdue list (whole tenant)", "root", services.InboxFilter(overdue=True), False),
        ("province admin: due within 8 working hours", "root", services.InboxFilter(due_soon=8), False),
    ]
    rows, plans = [], []
    for label, who, filters, by_cursor in cases:
        latencies, sizes, exact = [], [], True
        for i in range(CALLS if who == "commune" else CALLS // 3):
            officer = {rng.choice(communes)} if who == "commune" else {root_id}
            cursor = None
            if by_cursor:  # the cursor of a page somewhere in the first 50, as a client paging on would hold
                with runtime.db.tenant_session(binding) as session:
                    pagination = PaginationParameters(rng.randint(1, 50), 20)
                    query = services.inbox_query(session, officer, filters)
                    paginate(session, query, pagination, count_cap=cap, keyset=services.inbox_order(query))
                    cursor = pagination.next_cursor
            started = time.perf_counter()
            with runtime.db.tenant_session(binding) as session:
                pagination = PaginationParameters(1, 20)
                query = services.inbox_query(session, officer, filters)
                keyset = services.inbox_order(query)
                page = paginate(session, query, pagination, count_cap=cap, keyset=keyset, cursor=cursor)
            latencies.append((time.perf_counter() - started) * 1000)
            sizes.append(pagination.item_count or 0)
            exact = exact and pagination.total_exact
            if i == 0:
                with runtime.db.tenant_session(binding) as session:
                    plan = explain(session, services.inbox_query(session, officer, filters), cap, cursor)
                    plans.append((label, plan))
        assert all(isinstance(d, Dossier) for d in page)
        latencies.sort()
        p50, p95 = (latencies[int(len(latencies) * q) - 1] for q in (0.5, 0.95))
        met = "yes" if p95 <= 50 else "NO"
        total = f"{sum(sizes) // len(sizes):,}" + ("" if exact else "+")
        rows.append([label, len(latencies), total, f"{p50:.1f}", f"{p95:.1f}", met])
    print()
    print(
        c.table(
            [
                f"over 1,000,000 dossiers, page of 20 + total (exact up to {cap:,})",
                "calls",
                "avg total",
                "p50 ms",
                "p95 ms",
                "p95 ≤ 50 ms",
            ],
            rows,
        )
    )
    print("   (a total ending in + is the cap: more dossiers match)")
    for label, plan in plans:
        print(f"\n-- EXPLAIN {label}")
        print("\n".join("   " + line for line in plan))


def explain(session, query, cap: int, cursor: str | None) -> list[str]:
    """The plan of the statement ``paginate`` sends (page, capped total and keys), with real times."""
    from flask_smorest.pagination import PaginationParameters
    from motcua_onestop.dossiers import services
    from motcua_platform.web.pagination import paginate

    statements = []

    def capture(conn, cursor_, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    from sqlalchemy import event

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        keyset = services.inbox_order(query)
        paginate(session, query, PaginationParameters(1, 20), count_cap=cap, keyset=keyset, cursor=cursor)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = statements[-1]
    plan = session.connection().exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {statement}", parameters)
    return [r[0] for r in plan]


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header("dossiers: online submission through gunicorn; inbox and overdue list over 1,000,000 dossiers")
    with c.fresh_database("motcua_bench_dossiers") as url:
        env = bench_env(url)
        c.apply_env(env)
        c.run_cli(["db", "upgrade"], env)

        from motcua_app import build_runtime
        from motcua_platform.audit.services import Actor

        runtime = build_runtime()
        root_id, communes = setup_tenant(runtime, Actor("system", None, "benchmark"))
        citizens = citizen_tokens(runtime)
        officers = officer_tokens(runtime, communes)
        runtime.db.dispose()
        if SUBMISSION:
            submission(env, communes, citizens, officers, url)
        if LISTS:
            big_tenant(runtime, communes, root_id)
        runtime.db.dispose()
        runtime.jobs.close()
    print(f"\n   finished {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")


if __name__ == "__main__":
    main()
