"""Shared by the citizen portal's benchmarks (portal.py, lighthouse.py; not a script itself): a database with
the demo provinces plus a province-sized catalogue on one of them."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common as c

TENANT = "daklak"  # a demo province (its brand, units, demo citizen), given a full catalogue below
QUERY = "giay phep"  # matches about a third of the generated catalogue: many full pages of 20


def host(env: dict[str, str]) -> str:
    return f"{TENANT}.{env['MOTCUA_BASE_DOMAIN']}"


def prepare(env: dict[str, str], procedures: int) -> None:
    """Migrations, ``motcua demo`` (five provinces, brands, units, the demo citizen), then ``procedures``
    generated procedures imported into TENANT as a province would (``motcua catalogue import``): the demo's
    35 procedures are far from a province's 1,800."""
    import catalogue  # benchmarks/catalogue.py: its reproducible Phú Thọ-sized catalogue

    c.run_cli(["db", "upgrade"], env)
    c.run_cli(["demo", "--no-history"], env)
    path = Path(env["MOTCUA_INSTANCE_PATH"]) / "catalogue.csv"
    path.write_text(catalogue.generate_csv(procedures), encoding="utf-8")
    c.run_cli(["catalogue", "import", TENANT, str(path)], env)
