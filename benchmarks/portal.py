"""Citizen portal benchmarks (docs/performance.md, "Citizen portal").

1. The search page (HTML, ``GET /procedures?q=giay+phep``, 20 results) against the JSON search it is built
   on (``GET /api/v1/procedures?q=giay+phep&page_size=20``) through gunicorn (``motcua run --no-worker
   --workers 2``), wrk 2 threads × 32 connections, 10 s, in interleaved rounds; both with the browser's
   ``Accept-Encoding: gzip``. Two loads: the same query on every request (as served: from the search
   cache and, for the page, the shared page cache), and a different search on every request (a wrk Lua
   script walking (query, page) pairs beyond the three first pages, which no cache keeps: every request
   runs the search statement). Target: the page at least 80 % of the JSON search's requests/s (median of
   the rounds' ratios).
2. First-load weight of the home page and the search page: the HTML with ``Accept-Encoding: gzip`` plus
   every stylesheet, script, image and font it references (and what those stylesheets reference), bytes as
   sent (headers and body). Target: at most 100 KB (100,000 bytes) per page.

Usage: .venv/bin/python benchmarks/portal.py   (creates and drops its own database; needs wrk for 1.)
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).parent))
import _common as c
import _http as h
import _portal as p

ROUNDS = c.sized("BENCH_ROUNDS", 3, 1)
DURATION = c.sized("BENCH_DURATION", 10, 1)
WARMUP = c.sized("BENCH_WARMUP", 3, 0)
CONNECTIONS = c.sized("BENCH_CONNECTIONS", 32, 2)
THREADS = c.sized("BENCH_THREADS", 2, 1)
WORKERS = c.sized("BENCH_WORKERS", 2, 1)
PROCEDURES = c.sized("BENCH_PROCEDURES", 1800, 40)
PAGE_SIZE = 20
CACHED_PAGES = 3  # motcua_onestop.catalogue.search.CACHED_PAGES: deeper pages are never kept
RATIO_TARGET = 0.80
WEIGHT_TARGET = 100_000
# Broad searches of the generated catalogue; the distinct load walks their full pages beyond the cached ones.
DISTINCT_QUERIES = ["giay phep", "dang ky", "cap", "gia han", "xac nhan", "thu hoi", "dieu chinh", "cap lai"]
BROWSER = {"Accept-Encoding": "gzip", "Accept-Language": "vi", "User-Agent": "motcua-bench"}

# TARGETS (a Lua table of paths) is prepended; each thread starts at its own place in the list.
DISTINCT_LUA = (
    h.WRK_THREAD_IDS_LUA
    + r"""
function init(args)
  counter = tid * 7919
end
function request()
  counter = counter + 1
  return wrk.format(nil, TARGETS[1 + counter % #TARGETS])
end
"""
    + h.WRK_REPORT_LUA
)


@dataclass(frozen=True)
class Load:
    key: str
    label: str
    path: str  # the repeated path, or the path pattern (query, page) of the distinct load
    accept: str
    distinct: bool = False


def query_string(q: str) -> str:
    return q.replace(" ", "+")


JSON, HTML = "application/json", "text/html"
SEARCH = f"q={query_string(p.QUERY)}"
LOADS = [
    Load("json", "JSON search", f"/api/v1/procedures?{SEARCH}&page_size={PAGE_SIZE}", JSON),
    Load("html", "search page", f"/procedures?{SEARCH}", HTML),
    Load("json*", "JSON search", "/api/v1/procedures?q={q}&page={page}&page_size=" + str(PAGE_SIZE), JSON, True),
    Load("html*", "search page", "/procedures?q={q}&page={page}", HTML, True),
]


# -- what each load gets ----------------------------------------------------------------------------
def headers_for(env: dict[str, str], load: Load) -> dict[str, str]:
    return {"Host": p.host(env), "Accept": load.accept, **BROWSER}


def decoded(reply: h.Reply) -> bytes:
    return gzip.decompress(reply.body) if reply.headers.get("Content-Encoding") == "gzip" else reply.body


def count_results(load: Load, reply: h.Reply) -> int:
    body = decoded(reply)
    if load.accept == JSON:
        return len(json.loads(body))
    return body.decode().count('<li class="card">')


def total_of(env: dict[str, str], port: int, q: str) -> int:
    reply = h.request(port, f"/api/v1/procedures?q={query_string(q)}&page_size={PAGE_SIZE}", {"Host": p.host(env)})
    return json.loads(reply.headers["X-Pagination"])["total"]


def distinct_pairs(env: dict[str, str], port: int) -> tuple[list[tuple[str, int]], bool]:
    """(query, page) pairs of full pages that no cache keeps; in a catalogue too small for any (smoke), the
    first pages, which the cache does keep (the flag says so)."""
    full = {q: total_of(env, port, q) // PAGE_SIZE for q in DISTINCT_QUERIES}
    deep = [(q, page) for q, pages in full.items() for page in range(CACHED_PAGES + 1, pages + 1)]
    if deep:
        return deep, True
    return [(q, page) for q, pages in full.items() for page in range(1, max(pages, 1) + 1)], False


def lua_script(folder: Path, load: Load, pairs: list[tuple[str, int]]) -> Path:
    path = folder / f"{load.key.replace('*', '_distinct')}.lua"
    if load.distinct:
        targets = [load.path.format(q=query_string(q), page=page) for q, page in pairs]
        path.write_text("TARGETS = {" + ", ".join(json.dumps(t) for t in targets) + "}\n" + DISTINCT_LUA)
    else:
        path.write_text(h.WRK_REPORT_LUA)
    return path


def check_loads(env: dict[str, str], port: int, pairs: list[tuple[str, int]]) -> None:
    """One request of each load before measuring: what it returns, so the figures compare like with like."""
    rows = []
    for load in LOADS:
        path = load.path.format(q=query_string(pairs[0][0]), page=pairs[0][1]) if load.distinct else load.path
        reply = h.request(port, path, headers_for(env, load))
        rows.append(
            [
                f"{load.key:5} {load.label}",
                path,
                reply.status,
                count_results(load, reply) if reply.status == 200 else "-",
                reply.headers.get("Content-Encoding") or "none",
                len(reply.body),
            ]
        )
    print(c.table(["load", "first request", "status", "results", "encoding", "bytes sent"], rows))


# -- throughput ------------------------------------------------------------------------------------
def run_wrk(url: str, headers: dict[str, str], duration: int, script: Path) -> dict:
    return h.run_wrk(url, headers, duration=duration, threads=THREADS, connections=CONNECTIONS, script=script)


def measure_round(env: dict[str, str], port: int, scripts: dict[str, Path]) -> dict[str, dict]:
    results = {}
    for load in LOADS:  # interleaved: every load once per round, in the same order
        url, headers = f"http://127.0.0.1:{port}/", headers_for(env, load)
        if not load.distinct:
            url = f"http://127.0.0.1:{port}{load.path}"
        if WARMUP:
            run_wrk(url, headers, WARMUP, scripts[load.key])
        results[load.key] = run_wrk(url, headers, DURATION, scripts[load.key])
    return results


def throughput(env: dict[str, str], port: int) -> None:
    pairs, uncached = distinct_pairs(env, port)
    print(f"\n-- search page vs JSON search: wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s, {ROUNDS} round(s)")
    print(
        f"   repeated: q={p.QUERY!r}; distinct: {len(pairs)} (query, page) pairs of {len(DISTINCT_QUERIES)} queries, "
        + ("pages > 3 (never cached)" if uncached else "first pages (catalogue too small: these are cached)")
    )
    check_loads(env, port, pairs)
    with tempfile.TemporaryDirectory(prefix="motcua-bench-lua-") as folder:
        scripts = {load.key: lua_script(Path(folder), load, pairs) for load in LOADS}
        rounds = [measure_round(env, port, scripts) for _ in range(ROUNDS)]
    report_rounds(rounds)


def report_rounds(rounds: list[dict[str, dict]]) -> None:
    rows = []
    for n, r in enumerate(rounds, start=1):
        rows.append(
            [n]
            + [f"{r[k]['rps']:,.0f}" for k in ("json", "html")]
            + [f"{r['html']['rps'] / r['json']['rps']:.0%}"]
            + [f"{r[k]['rps']:,.0f}" for k in ("json*", "html*")]
            + [f"{r['html*']['rps'] / r['json*']['rps']:.0%}"]
            + [f"{r[k]['p50_ms']:.1f}" for k in ("json", "html", "json*", "html*")]
            + [sum(r[k]["errors"] for k in r)]
        )
    headers = ["round", "JSON req/s", "page req/s", "page/JSON", "JSON* req/s", "page* req/s", "page*/JSON*"]
    print()
    print(c.table([*headers, "p50 ms JSON", "page", "JSON*", "page*", "errors"], rows))
    print("   * a different search on every request")
    summary = []
    for label, json_key, html_key in (("same query", "json", "html"), ("different search", "json*", "html*")):
        json_rps = statistics.median(r[json_key]["rps"] for r in rounds)
        html_rps = statistics.median(r[html_key]["rps"] for r in rounds)
        ratio = statistics.median(r[html_key]["rps"] / r[json_key]["rps"] for r in rounds)
        met = "yes" if ratio >= RATIO_TARGET else "NO"
        summary.append([label, f"{json_rps:,.0f}", f"{html_rps:,.0f}", f"{ratio:.0%}", "≥ 80 %", met])
    print()
    print(c.table(["median of rounds", "JSON req/s", "page req/s", "page/JSON", "target", "met"], summary))
    print(f"   loadavg after: {c.loadavg()}")


# -- first-load weight -----------------------------------------------------------------------------
class References(HTMLParser):
    """What a browser fetches for a page: stylesheets, scripts, images, icons, preloads (in order)."""

    LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload", "manifest"}

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self.has_icon = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "link" and self.LINK_RELS & set(a.get("rel", "").lower().split()) and a.get("href"):
            self.has_icon |= "icon" in a["rel"].lower()
            self.found.append(("link " + a["rel"], a["href"]))
        elif tag in ("script", "img", "source", "input", "iframe", "video", "audio") and a.get("src"):
            self.found.append((tag, a["src"]))
        if a.get("srcset"):  # one candidate is fetched; the first is the smallest in practice
            self.found.append((tag + " srcset", a["srcset"].split(",")[0].split()[0]))
        if tag == "video" and a.get("poster"):
            self.found.append(("video poster", a["poster"]))


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def css_references(css: str) -> list[str]:
    return [m.group(1) or m.group(2) for m in CSS_URL.finditer(css)]


def fetch(env: dict[str, str], port: int, path: str, accept: str) -> h.Reply:
    return h.request(port, path, {"Host": p.host(env), "Accept": accept, **BROWSER})


def page_weight(env: dict[str, str], port: int, path: str) -> list[list[object]]:
    """One row per resource of a first visit to ``path``; the page first."""
    page = fetch(env, port, path, "text/html")
    rows = [weight_row(path, "document", page)]
    parser = References()
    parser.feed(decoded(page).decode())
    queue = [(kind, urljoin(path, ref)) for kind, ref in parser.found]
    if not parser.has_icon:  # browsers ask for it anyway
        queue.append(("favicon (implicit)", "/favicon.ico"))
    seen = {path}
    while queue:
        kind, ref = queue.pop(0)
        parts = urlsplit(ref)
        if parts.scheme in ("data", "blob") or ref in seen:
            continue  # inline data is counted in the document that holds it
        seen.add(ref)
        if parts.netloc:  # the Content-Security-Policy allows nothing from another host
            rows.append([ref, kind, "other host", "-", "-", "-", "-"])
            continue
        reply = fetch(env, port, ref, "text/css,*/*;q=0.1" if "stylesheet" in kind else "*/*")
        rows.append(weight_row(ref, kind, reply))
        if reply.status == 200 and (reply.headers.get("Content-Type") or "").startswith("text/css"):
            queue += [("from css", urljoin(ref, inner)) for inner in css_references(decoded(reply).decode())]
    return rows


def weight_row(ref: str, kind: str, reply: h.Reply) -> list[object]:
    return [
        ref if len(ref) <= 60 else ref[:57] + "...",
        kind,
        reply.status,
        reply.headers.get("Content-Encoding") or "none",
        len(decoded(reply)) if reply.status < 400 or reply.body else 0,
        len(reply.body),
        reply.header_bytes + len(reply.body),
    ]


def weights(env: dict[str, str], port: int) -> None:
    print("\n-- first-load weight (Accept-Encoding: gzip; bytes as sent: headers + body)")
    summary = []
    for label, path in (("home", "/"), ("search", f"/procedures?q={query_string(p.QUERY)}")):
        rows = page_weight(env, port, path)
        total = sum(row[6] for row in rows if isinstance(row[6], int))
        print()
        print(c.table([f"{label}: resource", "kind", "status", "encoding", "decoded", "body sent", "sent"], rows))
        met = "yes" if total <= WEIGHT_TARGET else "NO"
        summary.append([f"{label} ({path})", len(rows), f"{total:,}", f"{total / 1024:.1f}", "≤ 100,000 B", met])
    print()
    print(c.table(["page", "requests", "bytes sent", "KiB", "target", "met"], summary))


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header("citizen portal: search page vs JSON search through gunicorn, first-load weight")
    with c.fresh_database("motcua_bench_portal") as url:
        env = c.motcua_env(url)
        p.prepare(env, PROCEDURES)
        print(f"   demo provinces + {PROCEDURES} generated procedures on {p.host(env)}; gunicorn {WORKERS} workers")
        with h.serve(env, WORKERS) as port:
            weights(env, port)
            if shutil.which("wrk"):
                throughput(env, port)
            else:
                print("\nwrk is not installed (apt-get install -y wrk): skipping the throughput measurement")


if __name__ == "__main__":
    main()
