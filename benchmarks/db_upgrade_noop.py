"""Benchmark 3: `motcua db upgrade` when nothing is pending, at 50 tenants.

    .venv/bin/python benchmarks/db_upgrade_noop.py

Creates database ``motcua_bench_upgrade``, migrates the control plane, provisions BENCH_TENANTS (50)
tenants ``bench001`` ... ``bench050`` (create_tenant + provision, in this process), then times with
nothing pending:

  * ``motcua_tenants.migrations.runner.upgrade_all(db, workers=2)`` in this process (BENCH_REPEAT times),
    and its parts (control upgrade, control revision, tenant revisions query);
  * the CLI ``motcua db upgrade`` as a subprocess (BENCH_REPEAT times), beside ``motcua --help`` (process
    start-up and imports, no database) to show what the CLI's own start costs.

Prints total and per-tenant seconds. Target: <= 0.1 s per tenant. Only prints; never fails on time.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

DB_NAME = "motcua_bench_upgrade"
TENANTS = c.sized("BENCH_TENANTS", 50, 2)
REPEAT = c.sized("BENCH_REPEAT", 5, 1)
TARGET_PER_TENANT = 0.1


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header(f"db_upgrade_noop: upgrade with nothing pending at {TENANTS} tenants")
    with c.fresh_database(DB_NAME) as url:
        env = c.motcua_env(url, tempfile.mkdtemp(prefix="motcua-bench-upgrade-"))
        print(f"   setup: motcua db upgrade (control plane) {c.run_cli(['db', 'upgrade'], env):.2f}s")
        c.apply_env(env)
        from motcua_app import build_runtime
        from motcua_platform.audit.services import Actor
        from motcua_tenants.migrations import runner
        from motcua_tenants.registry import services

        runtime = build_runtime()
        db = runtime.db
        actor = Actor("cli", None, "benchmark")
        started = time.perf_counter()
        for i in range(1, TENANTS + 1):
            spec = services.TenantSpec(slug=f"bench{i:03d}", name=f"Tỉnh Thử {i}", unit_code=f"000.00.00.B{i:02d}")
            with db.control_session() as session:
                job = services.create_tenant(session, actor, spec, base_domain=runtime.config.base_domain)
                session.commit()
            services.provision(db, job.id)
        print(f"   setup: provisioned {TENANTS} tenants in {time.perf_counter() - started:.2f}s")
        sys.stdout.flush()

        rows = []
        try:
            # In process, the way `motcua db upgrade` calls it (first call includes Alembic's script loading).
            api_times = []
            for _ in range(REPEAT):
                t = time.perf_counter()
                report = runner.upgrade_all(db, workers=2)
                api_times.append(time.perf_counter() - t)
                pending = [x for x in report.tenants if x.outcome != "unchanged" or not x.at_head]
                if pending or len(report.tenants) != TENANTS:
                    raise RuntimeError(f"expected {TENANTS} tenants at head, got {report.tenants}")
            rows.append(row("upgrade_all(db, workers=2), in process", api_times))

            parts = {
                "upgrade_control(db)": lambda: runner.upgrade_control(db),
                "control_revision(db)": lambda: runner.control_revision(db),
                "tenant_revisions(db)": lambda: runner.tenant_revisions(db),
            }
            for name, fn in parts.items():
                times = []
                for _ in range(REPEAT):
                    t = time.perf_counter()
                    fn()
                    times.append(time.perf_counter() - t)
                rows.append(row(f"  part: {name}", times))
        finally:
            db.dispose()
            runtime.jobs.close()

        cli_times = [c.run_cli(["db", "upgrade"], env) for _ in range(REPEAT)]
        rows.append(row("motcua db upgrade (subprocess)", cli_times))
        help_times = [c.run_cli(["--help"], env) for _ in range(REPEAT)]
        rows.append(row("  baseline: motcua --help (start-up, no DB)", help_times))

    print()
    print(f"Results: {TENANTS} tenants, all at head; each line {REPEAT} runs")
    print(c.table(["what", "min s", "median s", "max s", "median s / tenant"], rows))
    api_med = sorted(api_times)[len(api_times) // 2]
    cli_med = sorted(cli_times)[len(cli_times) // 2]
    for label, value in (("upgrade_all in process", api_med), ("motcua db upgrade CLI", cli_med)):
        per = value / TENANTS
        verdict = "MET" if per <= TARGET_PER_TENANT else "NOT MET"
        print(
            f"target: <= {TARGET_PER_TENANT} s per tenant -> {label}: {value:.3f} s total, {per * 1000:.1f} ms "
            f"per tenant: {verdict}"
        )


def row(label: str, times: list[float]) -> list[str]:
    lo, mid, hi = c.summary(times)
    return [label, f"{lo:.3f}", f"{mid:.3f}", f"{hi:.3f}", f"{mid / TENANTS * 1000:.1f} ms"]


if __name__ == "__main__":
    main()
