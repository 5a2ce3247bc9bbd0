"""Lighthouse on the citizen portal (docs/performance.md, "Citizen portal").

Lighthouse 12.2.3 (npm, pinned; it runs on Node 20) is installed into ``benchmarks/.node/`` (gitignored) on
the first run, and runs Debian's Chromium (``CHROME_PATH``, default ``/usr/bin/chromium``, flags
``--headless=new --no-sandbox``) with its default settings: a mobile device, simulated slow 4G and a 4×
slower CPU. Pages of the demo province Đắk Lắk (with a province-sized catalogue, as benchmarks/portal.py),
served by gunicorn (``motcua run --no-worker --workers 2``): home, search (20 results), the procedure page
of "Đăng ký khai sinh" (1.001193), tracking, and the tracking page of a dossier the demo citizen submits
through the API first. Each page is audited BENCH_RUNS times (default 3); the run with the median
performance score is reported with every audit of the two categories below full score.
Targets: performance ≥ 95 and accessibility 100 on every page.

Smoke mode does not install anything or start a browser: it says so and prints the pages it would audit.

Usage: .venv/bin/python benchmarks/lighthouse.py   (creates and drops its own database)
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common as c
import _http as h
import _portal as p

LIGHTHOUSE = "12.2.3"
NODE_DIR = Path(__file__).resolve().parent / ".node"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox"
RUNS = c.sized("BENCH_RUNS", 3, 1)
WORKERS = c.sized("BENCH_WORKERS", 2, 1)
PROCEDURES = c.sized("BENCH_PROCEDURES", 1800, 40)
PERFORMANCE_TARGET, ACCESSIBILITY_TARGET = 95, 100
PAGES = [
    ("home", "/"),
    ("search", f"/procedures?q={p.QUERY.replace(' ', '+')}"),
    ("procedure", "/procedures/1.001193"),
    ("tracking", "/track"),
    ("tracked dossier", "/track/{code}"),
]
METRICS = [
    ("first-contentful-paint", "FCP"),
    ("largest-contentful-paint", "LCP"),
    ("total-blocking-time", "TBT"),
    ("cumulative-layout-shift", "CLS"),
    ("speed-index", "SI"),
]


def lighthouse_bin() -> Path:
    return NODE_DIR / "node_modules" / ".bin" / "lighthouse"


def installed_version() -> str | None:
    manifest = NODE_DIR / "node_modules" / "lighthouse" / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.is_file() else None


def install() -> None:
    """``npm install --prefix benchmarks/.node lighthouse@12.2.3`` unless that version is there already."""
    if installed_version() == LIGHTHOUSE:
        return
    print(f"   installing lighthouse@{LIGHTHOUSE} into {NODE_DIR} (npm) ...")
    sys.stdout.flush()
    options = ["--no-audit", "--no-fund", "--save-exact"]
    subprocess.run(
        ["npm", "install", "--prefix", str(NODE_DIR), *options, f"lighthouse@{LIGHTHOUSE}"],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )


def missing_tools() -> list[str]:
    missing = [tool for tool in ("node", "npm") if not shutil.which(tool)]
    return missing + ([f"Chromium at {CHROME} (set CHROME_PATH)"] if not Path(CHROME).is_file() else [])


def skip(reason: str) -> None:
    print(f"\nSKIPPED: {reason}. No page was audited; nothing below is a measurement.\n")
    rows = [[name, path, "skipped", "skipped"] for name, path in PAGES]
    print(c.table(["page", "path", "performance", "accessibility"], rows))


# -- a dossier to track ----------------------------------------------------------------------------
def submit_dossier(env: dict[str, str], port: int) -> str:
    """The demo citizen applies online for marriage registration (1.000894) at the first receiving unit,
    through the API as the portal's own users' apps do; returns the dossier's code."""
    from motcua_app.demo import CITIZEN_EMAIL, DEMO_PASSWORD

    host = {"Host": p.host(env)}
    login = h.request(port, "/api/v1/account/login", host, "POST", {"login": CITIZEN_EMAIL, "password": DEMO_PASSWORD})
    token = json.loads(login.body)["token"]
    units = json.loads(h.request(port, "/api/v1/procedures/1.000894/units", host).body)
    form = {
        "husband_full_name": "Nguyễn Văn An",
        "husband_citizen_id": "066090001111",
        "husband_date_of_birth": "1994-03-02",
        "wife_full_name": "Trần Thị Bình",
        "wife_citizen_id": "066190002222",
        "wife_date_of_birth": "1996-07-09",
        "residence": "Phường Buôn Ma Thuột",
    }
    body = {"procedure_code": "1.000894", "receiving_unit_id": units[0]["id"], "channel": "online", "form": form}
    reply = h.request(port, "/api/v1/dossiers", {**host, "Authorization": f"Bearer {token}"}, "POST", body)
    if reply.status != 201:
        raise RuntimeError(f"dossier not submitted ({reply.status}): {reply.body[:500]!r}")
    return json.loads(reply.body)["code"]


# -- audits ----------------------------------------------------------------------------------------
def audit(url: str, out: Path) -> dict:
    command = [
        str(lighthouse_bin()),
        url,
        "--only-categories=performance,accessibility",
        "--output=json",
        f"--output-path={out}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": CHROME}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0 or not out.is_file():
        raise RuntimeError(f"lighthouse failed ({result.returncode}) on {url}:\n{result.stderr[-3000:]}")
    report = json.loads(out.read_text())
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse could not audit {url}: {report['runtimeError']}")
    return report


def score(report: dict, category: str) -> int:
    return round(report["categories"][category]["score"] * 100)


def below_full(report: dict) -> list[list[object]]:
    """Every audit of the two categories that did not score 1 (informative and manual ones have no score)."""
    rows = []
    for category in ("performance", "accessibility"):
        for ref in report["categories"][category]["auditRefs"]:
            found = report["audits"][ref["id"]]
            if found.get("score") is not None and found["score"] < 1:
                rows.append([category, ref["id"], f"{found['score']:.2f}", found.get("displayValue", ""), nodes(found)])
    return rows


def nodes(found: dict) -> str:
    """The elements an accessibility audit names (first three), so a failure says where it is."""
    items = (found.get("details") or {}).get("items") or []
    snippets = [item["node"].get("snippet", "") for item in items if isinstance(item.get("node"), dict)]
    return " ".join(s[:80] for s in snippets[:3])


def audit_page(base: str, name: str, path: str, folder: Path) -> dict:
    reports = [audit(base + path, folder / f"{name.replace(' ', '_')}-{n}.json") for n in range(RUNS)]
    reports.sort(key=lambda r: score(r, "performance"))
    return {
        "name": name,
        "path": path,
        "performance": [score(r, "performance") for r in reports],
        "accessibility": [score(r, "accessibility") for r in reports],
        "median": reports[len(reports) // 2],
    }


def report(results: list[dict]) -> None:
    rows = []
    for r in results:
        median = r["median"]
        perf, access = statistics.median(r["performance"]), min(r["accessibility"])
        metrics = [median["audits"][key].get("displayValue", "") for key, _ in METRICS]
        met = perf >= PERFORMANCE_TARGET and access >= ACCESSIBILITY_TARGET
        runs = "/".join(str(s) for s in r["performance"])
        rows.append([r["name"], r["path"], runs, f"{perf:g}", access, *metrics, "yes" if met else "NO"])
    print()
    headers = ["page", "path", "performance runs", "median", "accessibility (min)", *(m for _, m in METRICS), "met"]
    print(c.table(headers, rows))
    print(f"   targets: performance ≥ {PERFORMANCE_TARGET} (median of {RUNS}), accessibility {ACCESSIBILITY_TARGET}")
    for r in results:
        failing = below_full(r["median"])
        print(f"\n   {r['name']}: audits below full score in the median run: {len(failing) or 'none'}")
        if failing:
            print(c.table(["category", "audit", "score", "value", "elements"], failing))


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header(f"citizen portal: Lighthouse {LIGHTHOUSE} (mobile defaults), performance and accessibility")
    if c.SMOKE:
        skip("smoke mode installs no npm package and starts no browser; run without --smoke to audit")
        return
    if missing := missing_tools():
        skip("missing " + ", ".join(missing))
        return
    install()
    print(f"   lighthouse {installed_version()} ({NODE_DIR}), node {node_version()}, chrome {chrome_version()}")
    with c.fresh_database("motcua_bench_lighthouse") as url:
        env = c.motcua_env(url)
        p.prepare(env, PROCEDURES)
        with h.serve(env, WORKERS) as port, tempfile.TemporaryDirectory(prefix="motcua-lighthouse-") as folder:
            code = submit_dossier(env, port)
            base = f"http://{p.host(env)}:{port}"  # Chromium sends every *.localhost name to the loopback
            print(f"   {base}, {RUNS} run(s) per page; tracked dossier {code}")
            results = [audit_page(base, name, path.format(code=code), Path(folder)) for name, path in PAGES]
            report(results)


def node_version() -> str:
    return subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()


def chrome_version() -> str:
    return subprocess.run([CHROME, "--version"], capture_output=True, text=True, check=False).stdout.strip()


if __name__ == "__main__":
    main()
