"""Motcua beside django-tenants: runs ``../shared/peers/side_by_side.py`` (the peer comparison of issue 14)
against this checkout.

    PATH=$PWD/.venv/bin:$PATH .venv/bin/python benchmarks/peer_side_by_side.py [rounds] [seconds]

The shared script predates the redesign of issue 11 in two lines of its Motcua set-up: it imports the
catalogue from ``motcua_tenants.catalogue`` (now ``motcua_onestop.catalogue``) and builds the runtime
without importing the composition root (``motcua_app``), which installs the areas. This runner reads the
script, changes exactly those two lines (it stops if they are not found, so a fixed script is run as it
is) and runs it with its own folder as ``HERE``, so its django-tenants project is used unchanged.
Everything else (data, gunicorn settings, wrk cases, rounds, the ratio) is the shared script's.

Smoke mode (``BENCH_SMOKE=1``, as the test suite runs every script) runs only the script's Motcua set-up
(migrations, a province, 1,800 procedures imported) against a database of its own on
``BENCH_DATABASE_SERVER``, so a change that breaks the comparison's set-up fails the suite; it needs
neither wrk nor the django-tenants environment.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

SCRIPT = Path(os.environ.get("PEER_SCRIPT", Path(__file__).resolve().parents[2] / "shared/peers/side_by_side.py"))
CHANGES = (
    ("from motcua_tenants.catalogue import exchange", "from motcua_onestop.catalogue import exchange"),
    (
        "from motcua_platform.audit.services import Actor\n",
        "import motcua_app  # installs the areas\nfrom motcua_platform.audit.services import Actor\n",
    ),
)


def main() -> None:
    if not SCRIPT.exists():
        if c.SMOKE:  # a checkout without the shared folder beside it (a CI clone elsewhere): nothing to run
            c.print_header("peer_side_by_side (smoke): skipped")
            print(c.table(["script", "result"], [[str(SCRIPT), "skipped: not found (set PEER_SCRIPT)"]]))
            return
        raise SystemExit(f"{SCRIPT} not found: run from a checkout beside ../shared, or set PEER_SCRIPT")
    source = SCRIPT.read_text()
    for old, new in CHANGES:
        if old in source:
            source = source.replace(old, new, 1)
        elif new not in source:
            raise SystemExit(f"{SCRIPT}: expected {old!r}; the script changed, run it directly")
    code = compile(source, str(SCRIPT), "exec")
    if c.SMOKE:
        smoke(code)
        return
    sys.argv = [str(SCRIPT), *[a for a in sys.argv[1:] if a != "--smoke"]]
    exec(code, {"__name__": "__main__", "__file__": str(SCRIPT)})  # noqa: S102


def smoke(code) -> None:
    c.print_header("peer_side_by_side (smoke): the shared script's Motcua set-up against this checkout")
    script: dict = {"__name__": "peer_side_by_side", "__file__": str(SCRIPT)}
    exec(code, script)  # noqa: S102 - defines the script's functions; its main() is not run
    with c.fresh_database("motcua_bench_peer") as url:
        server, database = url.rsplit("/", 1)
        script["PG"], script["DB"] = server, database
        env = c.motcua_env(url, tempfile.mkdtemp(prefix="motcua-bench-peer-"))
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # its `motcua db upgrade`
        started = time.perf_counter()
        script["setup_motcua"](env)  # drops and re-creates the database itself, then fills it
        print(
            c.table(
                ["step", "seconds"],
                [["set-up: upgrade, province, 1,800 procedures", f"{time.perf_counter() - started:.2f}"]],
            )
        )


if __name__ == "__main__":
    main()
