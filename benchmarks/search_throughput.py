"""Issue 14, item 1, without the peer: the public search through gunicorn as shipped and with its caches off.

    .venv/bin/python benchmarks/search_throughput.py

Creates database ``motcua_bench_search_http`` with the peer comparison's data (``profile_search.seed``: one
province, every plugin, 1,800 procedures named like ``Đăng ký kết hôn 57``), then serves it twice from this
checkout, each with ``--workers 2`` sync workers: (S) the app as shipped (``motcua run``), (U) the same app
with the search's per-process caches off (gunicorn ``_search_uncached_wsgi:app``, which sets both caches'
size to 0), so that every request parses, binds, searches, commits and dumps. wrk (``-t2 -c32``, after a
warm-up) loads, in BENCH_ROUNDS interleaved rounds:

  (a) GET /healthz on (S)                bare JSON, no database
  (r) the peer's rotating query on (S)   a name and a number drawn from 6 × 179 = 1,074 query strings, as
                                         ``../shared/peers/side_by_side.py`` draws them: after the first
                                         seconds mostly answered from the answer cache
  (u) the same rotating query on (U)     every request through the database

It prints req/s, p50/p99 and ``uptime`` per round, medians, and (u) against (r) and (a). Only prints. The
peer's own figure for the same query comes from ``benchmarks/peer_side_by_side.py``; run both in the same
minutes to compare (u) with it.

Settings (environment): BENCH_DATABASE_SERVER, BENCH_ROUNDS (3), BENCH_DURATION (10 s), BENCH_WARMUP (2 s),
BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_WORKERS (2).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import _http as h
from profile_search import FOLDED, HOST, seed

DB_NAME = "motcua_bench_search_http"
ROUNDS, DURATION, WARMUP, CONNECTIONS, THREADS, WORKERS = h.load_settings()
ROTATING_LUA = (
    "local names = {"
    + ", ".join(f'"{n}"' for n in FOLDED)
    + "}\n"
    + """
request = function()
  local q = names[math.random(#names)] .. "+" .. math.random(1, 179)
  return wrk.format("GET", "/api/v1/procedures?page_size=20&q=" .. q:gsub(" ", "+"))
end
"""
    + h.WRK_REPORT_LUA
)


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header("search_throughput: the public search through gunicorn, as shipped and with its caches off")
    if h.wrk_missing("case"):
        return
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-search-http-"))
    rotating, bare = tmp / "rotating.lua", tmp / "bare.lua"
    rotating.write_text(ROTATING_LUA)
    bare.write_text(h.WRK_REPORT_LUA)
    with c.fresh_database(DB_NAME) as url:
        env = c.motcua_env(url, str(tmp))
        c.run_cli(["db", "upgrade"], env)
        c.apply_env(env)
        import motcua_app  # noqa: F401 - installs the areas
        from motcua_platform.audit.services import Actor
        from motcua_platform.cli import GUNICORN_SETTINGS

        seed(Actor("system", None, "bench"))
        shipped_port, uncached_port = c.free_port(), c.free_port()
        gunicorn = str(Path(c.motcua_bin()).parent / "gunicorn")
        uncached_env = {**env, "PYTHONPATH": str(Path(__file__).resolve().parent)}
        commands = {
            "S": h.run_command(WORKERS, shipped_port),
            "U": [gunicorn, "_search_uncached_wsgi:app", "-c", GUNICORN_SETTINGS, "-w", str(WORKERS),
                  "--bind", f"127.0.0.1:{uncached_port}"],
        }  # fmt: skip
        servers = [
            h.start(commands["S"], env, shipped_port, tmp / "shipped.log", tmp),
            h.start(commands["U"], uncached_env, uncached_port, tmp / "uncached.log", tmp),
        ]
        for name, command in commands.items():
            print(f"   server {name}: {' '.join(command)}")
        cases = {
            "a": ("GET /healthz (S)", shipped_port, "/healthz", bare),
            "r": ("rotating query, as shipped (S)", shipped_port, "/", rotating),
            "u": ("rotating query, caches off (U)", uncached_port, "/", rotating),
        }
        samples: dict[str, list[dict]] = {key: [] for key in cases}
        try:
            for rnd in range(1, ROUNDS + 1):
                print(f"   round {rnd} uptime: {c.uptime()}")
                for key, (label, port, path, script) in cases.items():
                    load = dict(threads=THREADS, connections=CONNECTIONS, script=script)
                    if WARMUP:
                        h.run_wrk(f"http://127.0.0.1:{port}{path}", {"Host": HOST}, duration=WARMUP, **load)
                    result = h.run_wrk(f"http://127.0.0.1:{port}{path}", {"Host": HOST}, duration=DURATION, **load)
                    samples[key].append(result)
                    print(
                        f"   round {rnd} ({key}) {result['rps']:9.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                        f"p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}  {label}"
                    )
                    sys.stdout.flush()
        finally:
            for server in servers:
                h.stop(server)
    median = {key: statistics.median(s["rps"] for s in values) for key, values in samples.items()}
    rows = [
        [
            f"({key}) {cases[key][0]}",
            f"{median[key]:.0f}",
            f"{statistics.median(s['p50_ms'] for s in samples[key]):.2f} ms",
            f"{statistics.median(s['p99_ms'] for s in samples[key]):.2f} ms",
            str(sum(s["errors"] for s in samples[key])),
        ]
        for key in cases
    ]
    print()
    print(f"Results (wrk {THREADS} threads, {CONNECTIONS} connections, {DURATION}s x {ROUNDS} rounds, "
          f"gunicorn x {WORKERS} sync workers; medians over rounds)")  # fmt: skip
    print(c.table(["case", "req/s", "p50", "p99", "errors"], rows))
    print(f"\n(u)/(r) = {median['u'] / median['r']:.2f}   (u)/(a) = {median['u'] / median['a']:.2f}   "
          f"(r)/(a) = {median['r'] / median['a']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
