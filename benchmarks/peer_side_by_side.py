"""Motcua beside django-tenants: runs ``../shared/peers/side_by_side.py`` (the peer comparison of issue 14)
against this checkout.

    PATH=$PWD/.venv/bin:$PATH .venv/bin/python benchmarks/peer_side_by_side.py [rounds] [seconds]

The shared script predates the redesign of issue 11 in two lines of its Motcua set-up: it imports the
catalogue from ``motcua_tenants.catalogue`` (now ``motcua_onestop.catalogue``) and builds the runtime
without importing the composition root (``motcua_app``), which installs the areas. This runner reads the
script, changes exactly those two lines (it stops if they are not found, so a fixed script is run as it
is) and runs it with its own folder as ``HERE``, so its django-tenants project is used unchanged.
Everything else (data, gunicorn settings, wrk cases, rounds, the ratio) is the shared script's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SCRIPT = Path(os.environ.get("PEER_SCRIPT", Path(__file__).resolve().parents[2] / "shared/peers/side_by_side.py"))
CHANGES = (
    ("from motcua_tenants.catalogue import exchange", "from motcua_onestop.catalogue import exchange"),
    (
        "from motcua_platform.audit.services import Actor\n",
        "import motcua_app  # installs the areas\nfrom motcua_platform.audit.services import Actor\n",
    ),
)


def main() -> None:
    source = SCRIPT.read_text()
    for old, new in CHANGES:
        if old in source:
            source = source.replace(old, new, 1)
        elif new not in source:
            raise SystemExit(f"{SCRIPT}: expected {old!r}; the script changed, run it directly")
    sys.argv = [str(SCRIPT), *sys.argv[1:]]
    exec(compile(source, str(SCRIPT), "exec"), {"__name__": "__main__", "__file__": str(SCRIPT)})  # noqa: S102


if __name__ == "__main__":
    main()
