"""Questions and answers at a real province's size (issue 16, item 5).

Phú Thọ's catalogue (1,800 procedures, as benchmarks/catalogue.py makes it, plus the plugins') in a tenant
with a provincial service centre, 10 departments and 20 communes with their centres; then

1. making the questions from the catalogue (``faq.generate.make``), one transaction: how many, how long;
2. searching them in the service (``faq.services.find``: page of 20 and the total, one tenant session per
   search as a request does), beside the catalogue's own search on the same tenant in the same run (the
   baseline: the portal's procedure search, whose p95 target is 30 ms).

Usage: .venv/bin/python benchmarks/faq_search.py   (creates and drops its own database; BENCH_SMOKE=1 small)
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common as c
from catalogue import QUERIES, generate_csv, provision_phutho

N_PROCEDURES = c.sized("BENCH_PROCEDURES", 1800, 40)
ROUNDS = c.sized("BENCH_ROUNDS", 20, 1)
FAQ_QUERIES = [
    "le phi",
    "giay to khai sinh",
    "nop ho so o dau",
    "bao lau",
    "ban chinh hay ban sao",
    "giay phep xay dung",
    "truc tuyen",
    "tai khoan",
    "tau ca ho so",
    "mien le phi",
    "dang ky kinh doanh",
    "quen mat khau",
    "xa 7 nop ho so ket hon",
    "can cu phap ly dat dai",
    "karaoke",
]


def percentiles(values: list[float]) -> tuple[float, float, float]:
    values = sorted(values)
    return tuple(values[max(0, int(len(values) * q) - 1)] for q in (0.5, 0.95, 0.99))


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header("questions and answers: made from a province's catalogue, searched beside the catalogue")
    with c.fresh_database("motcua_bench_faq") as url:
        env = c.motcua_env(url)
        c.apply_env(env)
        c.run_cli(["db", "upgrade"], env)

        from motcua_app import build_runtime
        from motcua_onestop.catalogue import exchange, search, services
        from motcua_onestop.faq import generate
        from motcua_onestop.faq import services as faq
        from motcua_onestop.units.models import Unit, UnitKind
        from motcua_platform.audit.services import Actor
        from motcua_platform.plugins.engine import active
        from sqlalchemy import select

        runtime = build_runtime()
        actor = Actor("system", None, "benchmark")
        provision_phutho(runtime, actor)
        binding = runtime.db.binding("phutho")
        with runtime.db.tenant_session(binding) as session:
            root = session.scalar(select(Unit.id).where(Unit.parent_id.is_(None)))
            session.add(
                Unit(kind=UnitKind.SERVICE_CENTRE, code="000.00.99.H40", name="Trung tâm PVHCC tỉnh", parent_id=root)
            )
            for n in range(10):
                session.add(
                    Unit(kind=UnitKind.DEPARTMENT, code=f"000.{n:02d}.01.H40", name=f"Sở {n + 1}", parent_id=root)
                )
            for n in range(20):
                commune = Unit(
                    kind=UnitKind.COMMUNE, code=f"000.{n:02d}.50.H40", name=f"UBND Xã {n + 1}", parent_id=root
                )
                session.add(commune)
                session.flush()
                session.add(Unit(kind=UnitKind.SERVICE_CENTRE, code=f"000.{n:02d}.51.H40",
                                 name=f"Trung tâm PVHCC Xã {n + 1}", parent_id=commune.id))  # fmt: skip
            count = exchange.import_records(session, actor, exchange.parse_csv(generate_csv(N_PROCEDURES)))
            session.commit()

        enabled = list(active().names)
        started = time.perf_counter()
        with runtime.db.tenant_session(binding) as session:
            made = generate.make(session, actor, enabled, dt.date.today())
            session.commit()
        make_seconds = time.perf_counter() - started
        print(c.table(["make from the catalogue", "procedures", "questions", "seconds"],
                      [["one transaction", count, made.added, f"{make_seconds:.2f}"]]))  # fmt: skip

        faq_ms: list[float] = []
        catalogue_ms: list[float] = []
        totals: dict[str, int] = {}
        for _round in range(ROUNDS):
            for faq_q, catalogue_q in zip(FAQ_QUERIES, QUERIES, strict=False):
                started = time.perf_counter()
                with runtime.db.tenant_session(binding) as session:
                    _rows, totals[faq_q] = faq.find(session, faq.FaqFilter(q=faq_q), limit=20)
                faq_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                with runtime.db.tenant_session(binding) as session:
                    search.find(session, services.CatalogueFilter(q=catalogue_q), enabled, limit=20)
                catalogue_ms.append((time.perf_counter() - started) * 1000)
        rows = []
        for name, values in (
            ("questions (faq.services.find)", faq_ms),
            ("procedures (catalogue search)", catalogue_ms),
        ):
            p50, p95, p99 = percentiles(values)
            rows.append([name, len(values), f"{p50:.1f}", f"{p95:.1f}", f"{p99:.1f}"])
        print()
        print(c.table(["search in the service, page of 20 + total", "searches", "p50 ms", "p95 ms", "p99 ms"], rows))
        print()
        print(c.table(["query", "questions found"], sorted(totals.items())))
        runtime.db.dispose()


if __name__ == "__main__":
    main()
