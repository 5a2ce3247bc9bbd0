"""Where the public catalogue search spends its time, in process (companion to peer_side_by_side.py).

    .venv/bin/python benchmarks/profile_search.py

Creates database ``motcua_bench_search`` with the peer comparison's data (one province, every plugin
enabled, 1,800 procedures named like ``Đăng ký kết hôn 57`` imported through the catalogue import), builds
the app in this process and measures, with Flask's test client, the CPU and wall milliseconds per request
of ``/healthz``, the search with the same query every time (from the per-process cache after the first)
and the search with a different query every time (a name and a number, the cache emptied before each
request); then, for the uncached search, the statements per request and the parts of one request: an
empty tenant transaction through the ORM session, through a Core connection and through psycopg alone,
and the search statement itself. Interleaved rounds, medians; only prints.

Settings: BENCH_DATABASE_SERVER, BENCH_REQUESTS (1,000 per measurement), BENCH_ROUNDS (3).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

DB_NAME = "motcua_bench_search"
HOST = "phutho.motcua.localhost"
N = c.sized("BENCH_REQUESTS", 1000, 5)
ROUNDS = c.sized("BENCH_ROUNDS", 3, 1)
PROCEDURES = c.sized("BENCH_PROCEDURES", 1800, 60)
NAMES = ["Đăng ký khai sinh", "Đăng ký kết hôn", "Cấp giấy phép xây dựng", "Đăng ký hộ kinh doanh",
         "Cấp giấy chứng nhận quyền sử dụng đất", "Chứng thực bản sao"]  # fmt: skip
FOLDED = ["dang ky khai sinh", "dang ky ket hon", "cap giay phep xay dung", "dang ky ho kinh doanh",
          "cap giay chung nhan quyen su dung dat", "chung thuc ban sao"]  # fmt: skip


def measure(fn) -> tuple[float, float]:
    """(CPU ms, wall ms) per call, after a warm-up."""
    for _ in range(min(100, N)):
        fn()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(N):
        fn()
    return (time.process_time() - cpu) / N * 1000, (time.perf_counter() - wall) / N * 1000


def seed(actor) -> None:
    """The peer comparison's province and catalogue (../shared/peers/side_by_side.py)."""
    from motcua_onestop.catalogue import exchange
    from motcua_platform.plugins.engine import active
    from motcua_platform.runtime import build_runtime
    from motcua_tenants.registry import services as registry
    from motcua_tenants.tenant_plugins.services import set_plugin

    rt = build_runtime()
    with rt.db.control_session() as s:
        spec = registry.TenantSpec(slug="phutho", name="Tỉnh Phú Thọ", unit_code="000.00.00.H40")
        job = registry.create_tenant(s, actor, spec, base_domain="motcua.localhost")
        s.commit()
    registry.provision(rt.db, job.id)
    with rt.db.control_session() as s:
        for plugin in active():
            set_plugin(s, rt.db, actor, active(), "phutho", plugin.name, enabled=True)
    rows = [
        dict(ma_thu_tuc=f"2.{100000 + i:06d}.H40", trang_thai="published", ten_thu_tuc=f"{NAMES[i % 6]} {i}",
             ten_tieng_anh=None, linh_vuc=f"f{i % 40}", cap_thuc_hien="province", co_quan_thuc_hien="department",
             thoi_han=5 + i % 20, don_vi_thoi_han="working_days", gio_cat=None, muc_do="full", muc_do_cu=3,
             phi_le_phi=[], thanh_phan_ho_so=[{"name": "Đơn", "original": True, "count": 1}], ket_qua="Kết quả",
             can_cu_phap_ly=["Luật"], doi_tuong="Cá nhân", nguon=None, phien_ban=1)
        for i in range(PROCEDURES)
    ]  # fmt: skip
    with rt.db.tenant_session(rt.db.binding("phutho")) as s:
        exchange.import_records(s, actor, exchange.parse_csv(exchange.to_csv(rows)))
        s.commit()
    rt.db.dispose()


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header("profile_search: in-process cost of the public search, cached and uncached")
    with c.fresh_database(DB_NAME) as url:
        env = c.motcua_env(url, tempfile.mkdtemp(prefix="motcua-bench-search-"))
        c.run_cli(["db", "upgrade"], env)
        c.apply_env(env)
        import logging

        import motcua_app
        import psycopg
        from motcua_onestop.catalogue import api as catalogue_api
        from motcua_onestop.catalogue import search
        from motcua_onestop.catalogue.services import CatalogueFilter
        from motcua_platform.audit.services import Actor
        from motcua_platform.db.database import bind_connection, bind_sql
        from sqlalchemy import event

        seed(Actor("system", None, "bench"))
        app = motcua_app.create_app()
        logging.getLogger().setLevel(logging.WARNING)
        db = app.extensions["motcua"].db
        binding = db.binding("phutho")
        client = app.test_client()
        headers = {"Host": HOST}
        rng = random.Random(1)

        def query() -> str:
            return f"{rng.choice(FOLDED)} {rng.randint(1, max(1, PROCEDURES // 10))}"

        def healthz():
            client.get("/healthz")

        def cached():
            assert client.get("/api/v1/procedures?page_size=20&q=dang+ky", headers=headers).status_code == 200

        def uncached():
            search.SEARCH_CACHE.clear()
            catalogue_api.ANSWER_CACHE.clear()  # the whole answer per query string (ADR 0035)
            path = "/api/v1/procedures?page_size=20&q=" + query().replace(" ", "+")
            assert client.get(path, headers=headers).status_code == 200

        enabled = list(app.extensions["motcua"].resolver.resolve(HOST).plugins)
        tenant_engine = db.tenant_engine(binding)
        raw = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))

        def orm_transaction():
            with db.tenant_session(binding) as s:
                s.connection()
                s.commit()

        def core_transaction():
            with tenant_engine.connect() as conn, conn.begin():
                bind_connection(conn, binding)

        def psycopg_transaction():
            raw.execute(bind_sql(binding))
            raw.commit()

        def statement():
            with db.tenant_session(binding) as s:
                search.find(s, CatalogueFilter(q=query()), enabled, limit=20)
                s.commit()

        statements: list[str] = []

        def count(conn, cursor, sql, *args):
            statements.append(sql)

        event.listen(db.engine, "before_cursor_execute", count)
        uncached()
        statements.clear()
        uncached()
        event.remove(db.engine, "before_cursor_execute", count)

        requests = {
            "(a) GET /healthz": healthz,
            "(b) search, the same query (the answer cache)": cached,
            "(c) search, a different query each time": uncached,
            "    empty tenant transaction, ORM session (BEGIN, reset and binding, COMMIT)": orm_transaction,
            "    empty tenant transaction, Core connection": core_transaction,
            "    empty tenant transaction, psycopg alone": psycopg_transaction,
            "    the search in a tenant session, no HTTP (find + COMMIT)": statement,
        }
        samples: dict[str, list[tuple[float, float]]] = {}
        for _ in range(ROUNDS):
            for label, fn in requests.items():
                samples.setdefault(label, []).append(measure(fn))
        raw.close()
        base = statistics.median(x[0] for x in samples["(a) GET /healthz"])
        rows = []
        for label, values in samples.items():
            cpu = statistics.median(x[0] for x in values)
            wall = statistics.median(x[1] for x in values)
            rows.append([label, f"{cpu:.3f}", f"{wall:.3f}", f"{cpu / base:.1f}"])
        print(c.table(["request or part", "CPU ms", "wall ms", "CPU vs (a)"], rows))
        print(f"\nstatements per uncached search request: {len(statements)}")
        for sql in statements:
            print(f"  {sql[:110]}")


if __name__ == "__main__":
    main()
