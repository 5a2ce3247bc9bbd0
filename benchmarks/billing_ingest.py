"""Billing benchmark: usage ingestion with deduplication on.

    .venv/bin/python benchmarks/billing_ingest.py

Creates database ``motcua_bench_billing_ingest``, migrates it, provisions BENCH_TENANTS (34) tenants, then
times, all in this process:

  * the internal path ``usage.services.ingest`` (validation, tenant and metric lookup, one
    ``INSERT … ON CONFLICT DO NOTHING … RETURNING`` per 1,000 rows, commit per batch of BENCH_BATCH);
  * the same events again: every one a duplicate, reported as such, nothing written;
  * the batched HTTP API ``POST /api/v1/billing/usage-events`` through the WSGI app (Flask test client:
    JSON parsing, auth, schema, per-item results), batches of BENCH_BATCH;
  * ``record_usage`` on a tenant-bound session (the tenant outbox, 100 events per transaction), then the
    drain of those outboxes into the ledger.

Target: at least 5,000 events/s with deduplication on. Prints figures; never fails on time.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
from motcua_platform.timezones import VIETNAM

DB_NAME = "motcua_bench_billing_ingest"
TENANTS = c.sized("BENCH_TENANTS", 34, 2)
EVENTS = c.sized("BENCH_EVENTS", 200_000, 40)
API_EVENTS = c.sized("BENCH_API_EVENTS", 100_000, 20)
OUTBOX_EVENTS = c.sized("BENCH_OUTBOX_EVENTS", 20_000, 20)
BATCH = c.sized("BENCH_BATCH", 5000, 10)
TARGET = 5000
METRICS = ("dossiers_received", "api_calls", "sms_sent", "storage_gb")


def events(count: int, prefix: str, slugs: list[str]) -> list[dict]:
    base = dt.datetime(2026, 10, 1, tzinfo=VIETNAM)
    out = []
    for n in range(count):
        metric = METRICS[n % 4]
        out.append(
            {
                "tenant": slugs[n % len(slugs)],
                "metric": metric,
                "event_id": f"{prefix}:{n}",
                "quantity": 1 if metric in ("dossiers_received", "api_calls") else 1 + n % 50,
                "occurred_at": (base + dt.timedelta(seconds=n * 7 % 2_678_400)).isoformat(),
            }
        )
    return out


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header(f"billing_ingest: usage ingestion with deduplication ({TENANTS} tenants)")
    with c.fresh_database(DB_NAME) as url:
        env = c.motcua_env(url, tempfile.mkdtemp(prefix="motcua-bench-ingest-"))
        print(f"   setup: motcua db upgrade {c.run_cli(['db', 'upgrade'], env):.2f}s")
        c.apply_env(env)
        from motcua_app import build_runtime, create_app
        from motcua_billing.usage import services
        from motcua_platform.audit.services import Actor
        from motcua_platform.auth import services as auth
        from motcua_tenants.registry import services as registry

        runtime = build_runtime()
        db = runtime.db
        actor = Actor("cli", None, "benchmark")
        slugs = [f"tinh{i:02d}" for i in range(1, TENANTS + 1)]
        for i, slug in enumerate(slugs, start=1):
            spec = registry.TenantSpec(slug=slug, name=f"Tỉnh {i:02d}", unit_code=f"000.00.00.H{i:02d}")
            with db.control_session() as session:
                job = registry.create_tenant(session, actor, spec, base_domain=runtime.config.base_domain)
                session.commit()
            registry.provision(db, job.id)
        # Usage raises invoices, so only finance and admins may send it (docs/billing.md): the gateway's
        # account is a finance one. A fresh random password passes any password policy.
        password = secrets.token_urlsafe(24)
        with db.control_session() as session:
            auth.create_operator(
                session, actor, email="gw@vendor.test", full_name="Gateway", password=password, role="finance"
            )
            session.commit()
        print(f"   setup: {TENANTS} tenants provisioned")
        rows = []

        def internal(items: list[dict]) -> tuple[float, dict]:
            counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
            t0 = time.perf_counter()
            for start in range(0, len(items), BATCH):
                with db.control_session() as session:
                    result = services.ingest(session, items[start : start + BATCH], source="api")
                    session.commit()
                for key in counts:
                    counts[key] += result.count(key)
            return time.perf_counter() - t0, counts

        batch = events(EVENTS, "internal", slugs)
        seconds, counts = internal(batch)
        assert counts["accepted"] == EVENTS, counts
        rows.append(
            [f"internal ingest, {EVENTS:,} new", f"{seconds:.2f}", f"{EVENTS / seconds:,.0f}", counts["accepted"]]
        )
        seconds, counts = internal(batch)
        assert counts["duplicate"] == EVENTS, counts
        rows.append([f"internal ingest, {EVENTS:,} duplicates", f"{seconds:.2f}", f"{EVENTS / seconds:,.0f}", 0])

        app = create_app(runtime=runtime)
        client = app.test_client()
        host = {"Host": runtime.config.base_domain}
        login = client.post("/api/v1/auth/login", headers=host, json={"email": "gw@vendor.test", "password": password})
        assert login.status_code == 201, login.get_json()
        headers = {**host, "Authorization": f"Bearer {login.get_json()['token']}"}
        api_items = events(API_EVENTS, "api", slugs)
        accepted = 0
        t0 = time.perf_counter()
        for start in range(0, API_EVENTS, BATCH):
            response = client.post(
                "/api/v1/billing/usage-events", headers=headers, json={"events": api_items[start : start + BATCH]}
            )
            assert response.status_code == 200, response.get_json()
            accepted += response.get_json()["accepted"]
        seconds = time.perf_counter() - t0
        assert accepted == API_EVENTS
        rows.append([f"HTTP batch API, {API_EVENTS:,} new", f"{seconds:.2f}", f"{API_EVENTS / seconds:,.0f}", accepted])
        t0 = time.perf_counter()
        for start in range(0, API_EVENTS, BATCH):
            response = client.post(
                "/api/v1/billing/usage-events", headers=headers, json={"events": api_items[start : start + BATCH]}
            )
            assert response.status_code == 200, response.get_json()  # a refused call must not pass for a fast one
        seconds = time.perf_counter() - t0
        rows.append([f"HTTP batch API, {API_EVENTS:,} duplicates", f"{seconds:.2f}", f"{API_EVENTS / seconds:,.0f}", 0])

        per_tenant = OUTBOX_EVENTS // len(slugs)
        base = dt.datetime(2026, 10, 5, tzinfo=VIETNAM)
        t0 = time.perf_counter()
        for slug in slugs:
            binding = db.binding(slug)
            for start in range(0, per_tenant, 100):
                with db.tenant_session(binding) as session:
                    for n in range(start, min(start + 100, per_tenant)):
                        services.record_usage(session, slug, "dossiers_received", f"dossier:{n}:received", 1, base)
                    session.commit()
        seconds = time.perf_counter() - t0
        total = per_tenant * len(slugs)
        rows.append([f"record_usage in tenant sessions, {total:,}", f"{seconds:.2f}", f"{total / seconds:,.0f}", total])
        t0 = time.perf_counter()
        drained = sum(r.accepted for r in services.drain_all(db))
        seconds = time.perf_counter() - t0
        rows.append([f"drain {len(slugs)} tenant outboxes", f"{seconds:.2f}", f"{drained / seconds:,.0f}", drained])

        print()
        print(c.table(["path", "seconds", "events/s", "stored"], rows))
        print()
        print(f"   target: ≥ {TARGET:,} events/s with deduplication on (unique (tenant, metric, event id))")
        app.extensions["motcua"].jobs.close()
        db.dispose()


if __name__ == "__main__":
    main()
