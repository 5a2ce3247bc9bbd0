"""Issue 17: a soak through gunicorn — 34 provinces on two database servers, a mixed load for 10 minutes, with
0 errors, no memory growth past 10 % after warm-up, and the metrics endpoint showing it.

    .venv/bin/python benchmarks/soak.py          # ~12 min: ~1 min of set-up, BENCH_DURATION (600 s) of load

A fresh database on the main server (BENCH_DATABASE_SERVER) and a second PostgreSQL cluster started here
(pgserver, in a temporary folder, as ``benchmarks/tenant_move.py`` does) named ``second`` in
MOTCUA_DATABASE_SERVERS. BENCH_TENANTS (34: the provinces and cities after the 2025 merge) tenants are
provisioned alternately on ``main`` and on ``second``, each with every plugin enabled (their procedures are
the catalogue), a department, two communes with their service centres, a citizen account and a commune
officer, both logged in through the services. Then ``motcua run --no-worker --workers BENCH_WORKERS`` on a
free port, and ``wrk -t2 -c64 -dBENCH_DURATION`` with a Lua script cycling over the tenants' hosts (Host
header) and a weighted mix, per 20 requests:

  home 4, procedure 4    portal pages: GET / and GET /procedures/<code> (a plugin procedure)
  search_page 3          GET /procedures?q=<one of 16 queries>
  search_api 3           GET /api/v1/procedures?q=<query>&page_size=20
  submit 2               POST /api/v1/dossiers, online, the tenant's citizen token, a distinct payload each
  inbox 3                GET /api/v1/dossiers?page_size=20 (open; every other one state=all), the officer's token
  dossier 1              GET /api/v1/dossiers/<code> of a dossier this wrk thread submitted to that tenant

Every request carries ``X-Request-ID: soak-<kind>-<tenant>-...``, which the app sends back: wrk's
``response`` hook counts each answer by kind and status (a socket error has no answer and is counted by
wrk). While wrk runs, the resident memory (VmRSS) of the gunicorn master and its workers is sampled every
BENCH_SAMPLE_SECONDS (5 s); the warm-up is the first 60 s (at most 20 % of the run). ``GET /metrics`` is
scraped before and after: the request counter's increase by route and status over the soak's tenants, to set
beside wrk's count, and the per-tenant backlog gauges (every online submission queues its acknowledgement).

Targets: 0 errors (answers other than 2xx/3xx, socket errors); RSS at the end at most 10 % above the RSS at
the end of the warm-up; the metrics' count within the requests in flight (BENCH_CONNECTIONS) of wrk's.
The per-account submission limit is raised (MOTCUA_ONLINE_SUBMISSIONS_PER_HOUR) so that one citizen per
province can submit for 10 minutes: a 429 there would be the benchmark's configuration, not the platform.

Settings: BENCH_DURATION (600 s), BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_WORKERS (2),
BENCH_TENANTS (34), BENCH_SAMPLE_SECONDS (5). Smoke mode: 4 tenants, 4 connections, 4 s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import _http as h

DB_NAME = "motcua_bench_soak"
DURATION = c.sized("BENCH_DURATION", 600, 4)
CONNECTIONS = c.sized("BENCH_CONNECTIONS", 64, 4)
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WORKERS = c.sized("BENCH_WORKERS", 2, 1)
N_TENANTS = c.sized("BENCH_TENANTS", 34, 4)
SAMPLE_SECONDS = float(os.environ.get("BENCH_SAMPLE_SECONDS") or (0.5 if c.SMOKE else 5))
WARMUP_SECONDS = min(60.0, DURATION * 0.2)
MEMORY_TARGET = 0.10
PASSWORD = "Bench-Ngan-Lau-Gio-37"

# The 34 provinces and centrally-run cities after the 2025 merge (Resolution 202/2025/QH15).
PROVINCES = (
    "Thành phố Hà Nội", "Thành phố Huế", "Tỉnh Lai Châu", "Tỉnh Điện Biên", "Tỉnh Sơn La", "Tỉnh Lạng Sơn",
    "Tỉnh Quảng Ninh", "Tỉnh Thanh Hóa", "Tỉnh Nghệ An", "Tỉnh Hà Tĩnh", "Tỉnh Cao Bằng", "Tỉnh Tuyên Quang",
    "Tỉnh Lào Cai", "Tỉnh Thái Nguyên", "Tỉnh Phú Thọ", "Tỉnh Bắc Ninh", "Tỉnh Hưng Yên", "Thành phố Hải Phòng",
    "Tỉnh Ninh Bình", "Tỉnh Quảng Trị", "Thành phố Đà Nẵng", "Tỉnh Quảng Ngãi", "Tỉnh Gia Lai", "Tỉnh Khánh Hòa",
    "Tỉnh Lâm Đồng", "Tỉnh Đắk Lắk", "Thành phố Hồ Chí Minh", "Tỉnh Đồng Nai", "Tỉnh Tây Ninh",
    "Thành phố Cần Thơ", "Tỉnh Vĩnh Long", "Tỉnh Đồng Tháp", "Tỉnh Cà Mau", "Tỉnh An Giang",
)  # fmt: skip
QUERIES = (
    "giay phep", "kết hôn", "khai sinh", "khai tử", "đất đai", "xây dựng", "dang ky", "chuyển nhượng", "thừa kế",
    "gia han", "điều chỉnh", "tặng cho", "giấy chứng nhận", "nhà ở", "quyen su dung", "biến động",
)  # fmt: skip
KINDS = ("home", "procedure", "search_page", "search_api", "submit", "inbox", "dossier")

SOAK_LUA = r"""
-- MIX: the kind of the n-th request of a thread (20 slots: the weights); TENANTS: {host, citizen token,
-- officer token, receiving unit}; answers are told apart by the X-Request-ID the app sends back.
MIX = {"home", "procedure", "search_page", "search_api", "submit", "inbox", "home", "procedure", "search_api",
       "dossier", "search_page", "inbox", "home", "procedure", "search_api", "submit", "search_page", "inbox",
       "home", "procedure"}
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

counter = 0
sent = {}
answered = {}
codes = {}  -- per tenant: dossier codes this thread's submissions were given (the last 20)

request = function()
  counter = counter + 1
  local n = counter
  local kind = MIX[1 + (n - 1) % #MIX]
  -- a thread sends a whole MIX to one tenant, then the next MIX to the next tenant (threads start apart)
  local ti = 1 + (math.floor((n - 1) / #MIX) + tid * 17) % #TENANTS
  local t = TENANTS[ti]
  if kind == "dossier" and (codes[ti] == nil or #codes[ti] == 0) then kind = "inbox" end
  local headers = {["Host"] = t[1], ["X-Request-ID"] = string.format("soak-%s-%d-%d-%d", kind, ti, tid, n)}
  local method, path, body = "GET", nil, nil
  if kind == "home" then
    path = "/"
  elseif kind == "procedure" then
    path = "/procedures/" .. PROCEDURES[1 + (n + tid) % #PROCEDURES]
  elseif kind == "search_page" then
    path = "/procedures?q=" .. QUERIES[1 + (n * 7 + tid) % #QUERIES]
  elseif kind == "search_api" then
    path = "/api/v1/procedures?page_size=20&q=" .. QUERIES[1 + (n * 5 + tid) % #QUERIES]
  elseif kind == "submit" then
    method, path = "POST", "/api/v1/dossiers"
    headers["Authorization"] = "Bearer " .. t[2]
    headers["Content-Type"] = "application/json"
    body = string.format([[{"procedure_code": "1.000894", "receiving_unit_id": %d, "channel": "online",
      "form": {"husband_full_name": "Nguyễn Văn %d-%d", "husband_citizen_id": "0790%08d",
        "husband_date_of_birth": "1990-01-01", "wife_full_name": "Lê Thị Vợ %d", "wife_citizen_id": "0791%08d",
        "wife_date_of_birth": "1992-02-02", "residence": "Xã A"}}]], t[4], tid, n, tid * 1000000 + n, n,
      tid * 1000000 + n)
  elseif kind == "inbox" then
    path = "/api/v1/dossiers?page_size=20" .. ((n % 2 == 0) and "&state=all" or "")
    headers["Authorization"] = "Bearer " .. t[3]
  else  -- dossier
    local list = codes[ti]
    path = "/api/v1/dossiers/" .. list[1 + n % #list]
    headers["Authorization"] = "Bearer " .. t[3]
  end
  sent[kind] = (sent[kind] or 0) + 1
  return wrk.format(method, path, headers, body)
end

response = function(status, headers, body)
  local rid = headers["X-Request-ID"] or headers["x-request-id"] or ""
  local kind, ti = string.match(rid, "^soak%-([%a_]+)%-(%d+)%-")
  kind = kind or "unknown"
  local key = kind .. " " .. status
  answered[key] = (answered[key] or 0) + 1
  if kind == "submit" and status == 201 then
    local code = string.match(body, '"code"%s*:%s*"([^"]+)"')
    if code then
      ti = tonumber(ti)
      codes[ti] = codes[ti] or {}
      table.insert(codes[ti], code)
      if #codes[ti] > 20 then table.remove(codes[ti], 1) end
    end
  end
end

local function json_counts(all)
  local parts = {}
  for key, value in pairs(all) do table.insert(parts, string.format("%q:%d", key, value)) end
  return "{" .. table.concat(parts, ",") .. "}"
end

done = function(summary, latency, requests)
  local sent_all, answered_all = {}, {}
  for _, thread in ipairs(threads) do
    for key, value in pairs(thread:get("sent")) do sent_all[key] = (sent_all[key] or 0) + value end
    for key, value in pairs(thread:get("answered")) do answered_all[key] = (answered_all[key] or 0) + value end
  end
  io.write(string.format(
    "SOAKJSON {\"requests\":%d,\"duration_us\":%d,\"connect\":%d,\"read\":%d,\"write\":%d," ..
    "\"status\":%d,\"timeout\":%d,\"p50\":%d,\"p99\":%d,\"max\":%d,\"sent\":%s,\"answered\":%s}\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, json_counts(sent_all), json_counts(answered_all)))
end
"""


@dataclass
class Province:
    slug: str
    name: str
    server: str
    unit: int = 0  # the commune receiving its online dossiers (where its officer works)
    citizen: str = ""
    officer: str = ""

    @property
    def host(self) -> str:
        return f"{self.slug}.motcua.localhost"


def slug_of(name: str) -> str:
    bare = name.removeprefix("Thành phố ").removeprefix("Tỉnh ").replace("đ", "d").replace("Đ", "D")
    ascii_ = unicodedata.normalize("NFKD", bare).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_.lower() if ch.isalnum())


def provinces() -> list[Province]:
    names = [PROVINCES[i] if i < len(PROVINCES) else f"Tỉnh {i + 1}" for i in range(N_TENANTS)]
    return [Province(slug_of(n) if i < len(PROVINCES) else f"tinh{i + 1}", n, ("main", "second")[i % 2])
            for i, n in enumerate(names)]  # fmt: skip


def setup_tenant(runtime, actor, province: Province, number: int) -> None:
    """Provision ``province`` on its server with every plugin, a small unit tree, a citizen and an officer
    (both logged in through the services: the login routes' per-address budget is not what is measured)."""
    from motcua_onestop.citizens import services as citizens
    from motcua_onestop.units.models import Unit, UnitKind
    from motcua_platform.auth import services as auth
    from motcua_platform.auth.models import StaffRoleName
    from motcua_platform.plugins.engine import active
    from motcua_tenants.registry import services as registry
    from motcua_tenants.tenant_plugins.services import set_plugin
    from sqlalchemy import select

    db, code = runtime.db, f"{number:02d}"
    spec = registry.TenantSpec(
        slug=province.slug, name=province.name, unit_code=f"000.00.00.S{code}", server=province.server
    )
    with db.control_session() as session:
        job = registry.create_tenant(session, actor, spec, base_domain="motcua.localhost", servers=db.servers)
        session.commit()
    registry.provision(db, job.id)
    with db.control_session() as control:
        for plugin in active():
            set_plugin(control, db, actor, active(), province.slug, plugin.name, enabled=True)
    with db.tenant_session(db.binding(province.slug)) as session:
        root = session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        session.add(Unit(kind=UnitKind.DEPARTMENT, code=f"000.01.00.S{code}", name="Sở Tư pháp", parent_id=root.id))
        communes = []
        for i in range(2):
            commune = Unit(kind=UnitKind.COMMUNE, code=f"000.00.{i:03d}.S{code}", name=f"Xã {i + 1}", parent_id=root.id)
            session.add(commune)
            session.flush()
            session.add(
                Unit(
                    kind=UnitKind.SERVICE_CENTRE,
                    code=f"000.{i:03d}.01.S{code}",
                    name=f"Trung tâm phục vụ hành chính công xã {i + 1}",
                    parent_id=commune.id,
                )
            )
            communes.append(commune.id)
        province.unit = communes[0]
        account = citizens.register(
            session,
            citizens.Registration(
                full_name="Công Dân Soak", password=PASSWORD, email=f"dan@{province.slug}.bench.vn",
                national_id=f"0790900{number:05d}",
            ),
            site=(province.slug,),
        )  # fmt: skip
        province.citizen, _, _ = citizens.login(
            session, identifier=account.email, password=PASSWORD, scope=province.slug, policy=auth.LoginPolicy()
        )
        email = f"canbo@{province.slug}.bench.vn"
        auth.create_staff(
            session, actor, email=email, full_name="Cán Bộ Soak", password=PASSWORD,
            roles=[(StaffRoleName.OFFICER, province.unit)], site=(province.slug,),
        )  # fmt: skip
        province.officer, _, _ = auth.login(
            session, email=email, password=PASSWORD, scope=province.slug, policy=auth.LoginPolicy()
        )
        session.commit()


def lua_script(tenants: list[Province], procedures: list[str]) -> str:
    def quoted(text: str) -> str:
        return json.dumps(text)  # a JSON string of ASCII is a Lua string

    rows = ",\n  ".join(f"{{{quoted(p.host)}, {quoted(p.citizen)}, {quoted(p.officer)}, {p.unit}}}" for p in tenants)
    return (
        f"TENANTS = {{\n  {rows}\n}}\n"
        f"PROCEDURES = {{{', '.join(map(quoted, procedures))}}}\n"
        f"QUERIES = {{{', '.join(quoted(urllib.parse.quote_plus(q)) for q in QUERIES)}}}\n" + SOAK_LUA
    )


# -- memory ------------------------------------------------------------------------------------------
def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in c.child_pids(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def gunicorn_rss(run_pid: int) -> dict[int, int]:
    """VmRSS (KiB) of the gunicorn master and workers: every process below ``motcua run`` (the supervisor
    itself only waits)."""
    return {pid: rss for pid in descendants(run_pid) if (rss := rss_kib(pid))}


# -- metrics ----------------------------------------------------------------------------------------
def scrape(port: int) -> list[tuple[str, dict[str, str], float]]:
    from prometheus_client.parser import text_string_to_metric_families

    reply = h.request(port, "/metrics", {})  # from 127.0.0.1 and no token configured: allowed
    if reply.status != 200:
        raise RuntimeError(f"GET /metrics: HTTP {reply.status} {reply.body[:300]!r}")
    return [
        (s.name, s.labels, s.value)
        for family in text_string_to_metric_families(reply.body.decode())
        for s in family.samples
    ]


def requests_by(samples, slugs: set[str]) -> Counter:
    counts: Counter = Counter()
    for name, labels, value in samples:
        if name == "motcua_http_requests_total" and labels.get("tenant") in slugs:
            counts[(labels["method"], labels["route"], labels["status"], labels["tenant"])] += value
    return counts


def gauge_by_tenant(samples, name: str) -> dict[str, float]:
    return {labels["tenant"]: value for n, labels, value in samples if n == name and "tenant" in labels}


# -- the run ----------------------------------------------------------------------------------------
def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header(
        f"soak: {N_TENANTS} provinces on two database servers, gunicorn x {WORKERS}, wrk {THREADS}x{CONNECTIONS}, "
        f"{DURATION} s of mixed load"
    )
    if h.wrk_missing("kind"):
        return
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-soak-"))
    try:
        with c.fresh_database(DB_NAME) as url, c.second_server(tmp, url) as second:
            run(url, second, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(url: str, second: str, tmp: Path) -> None:
    env = c.motcua_env(
        url,
        str(tmp / "instance"),
        MOTCUA_DATABASE_SERVERS=f"second={second}",
        MOTCUA_ONLINE_SUBMISSIONS_PER_HOUR="1000000",  # one citizen per province submits all the soak's dossiers
    )
    c.apply_env(env)
    c.run_cli(["db", "upgrade"], env)

    from motcua_app import build_runtime
    from motcua_platform.audit.services import Actor
    from sqlalchemy import text

    runtime = build_runtime()
    actor = Actor("system", None, "benchmark")
    tenants = provinces()
    started = time.perf_counter()
    for number, province in enumerate(tenants, start=1):
        setup_tenant(runtime, actor, province, number)
    on_second = sum(p.server == "second" for p in tenants)
    print(
        f"   set-up: {len(tenants)} provinces ({len(tenants) - on_second} on main, {on_second} on second), "
        f"every plugin, 5 units, a citizen and an officer each: {time.perf_counter() - started:.1f} s"
    )
    with runtime.db.tenant_session(runtime.db.binding(tenants[0].slug)) as session:
        procedures = list(session.scalars(text("SELECT code FROM procedures ORDER BY code")))  # the plugins'
    runtime.db.dispose()
    runtime.jobs.close()

    script = tmp / "soak.lua"
    script.write_text(lua_script(tenants, procedures), encoding="utf-8")
    port = c.free_port()
    log = tmp / "server.log"
    server = h.start(h.run_command(WORKERS, port), env, port, log, tmp)
    try:
        for p in tenants[:2]:  # one tenant of each server answers before the load
            reply = h.request(port, "/api/v1/procedures?q=ket+hon", {"Host": p.host})
            if reply.status != 200 or b"1.000894" not in reply.body:
                raise RuntimeError(f"{p.slug} ({p.server}): search answered {reply.status} {reply.body[:300]!r}")
        before = scrape(port)
        command = h.wrk_command(
            f"http://127.0.0.1:{port}/", {}, duration=DURATION, threads=THREADS, connections=CONNECTIONS, script=script
        )
        print(f"   load: {' '.join(command[:-2])} soak.lua http://127.0.0.1:<port>/  ({c.uptime()})")
        sys.stdout.flush()
        result, samples = load(command, server.pid)
        after = scrape(port)
    finally:
        h.stop(server)
    print(f"   after the load: {c.uptime()}")
    report(tenants, result, samples, before, after)


def load(command: list[str], run_pid: int) -> tuple[dict, list[tuple[float, dict[int, int]]]]:
    """Run wrk, sampling the servers' memory until it ends; its SOAKJSON line and the samples."""
    samples = [(0.0, gunicorn_rss(run_pid))]
    started = time.monotonic()
    wrk = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while wrk.poll() is None:
            time.sleep(SAMPLE_SECONDS)
            if wrk.poll() is None:
                samples.append((time.monotonic() - started, gunicorn_rss(run_pid)))
                at = samples[-1][0]
                if not c.SMOKE and int(at) % 60 < SAMPLE_SECONDS:
                    print(f"   {at:5.0f} s  RSS {sum(samples[-1][1].values()) / 1024:7.1f} MiB  load {c.loadavg()}")
                    sys.stdout.flush()
        out, err = wrk.communicate(timeout=60)
    finally:
        if wrk.poll() is None:
            wrk.kill()
            wrk.wait()
    for line in out.splitlines():
        if line.startswith("SOAKJSON "):
            return json.loads(line.removeprefix("SOAKJSON ")), samples
    raise RuntimeError(f"wrk gave no result (exit {wrk.returncode}):\n{out}\n{err}")


def report(tenants, result, samples, before, after) -> None:
    seconds = result["duration_us"] / 1e6
    answered: Counter = Counter()
    failed: Counter = Counter()
    by_status: Counter = Counter()
    for key, count in result["answered"].items():
        kind, status = key.rsplit(" ", 1)
        answered[kind] += count
        by_status[status] += count
        if not 200 <= int(status) < 400:
            failed[kind] += count
    print()
    print(
        f"wrk: {result['requests']:,} requests in {seconds:.0f} s = {result['requests'] / seconds:,.1f} req/s, "
        f"p50 {result['p50'] / 1000:.1f} ms, p99 {result['p99'] / 1000:.1f} ms, max {result['max'] / 1000:.1f} ms"
    )
    rows = [
        [kind, result["sent"].get(kind, 0), answered[kind], f"{answered[kind] / seconds:.1f}", failed[kind]]
        for kind in (*KINDS, "unknown")
        if result["sent"].get(kind) or answered[kind]
    ]
    print(c.table(["kind", "sent", "answered", "per s", "not 2xx/3xx"], rows))
    print(f"   answers by status: {', '.join(f'{s}: {n:,}' for s, n in sorted(by_status.items()))}")
    socket = {k: result[k] for k in ("connect", "read", "write", "timeout")}
    print(f"   socket errors: {', '.join(f'{k} {v}' for k, v in socket.items())}")

    # memory
    warm_at = next((t for t, _ in samples if t >= WARMUP_SECONDS), samples[-1][0])
    warm = next(rss for t, rss in samples if t == warm_at)
    end_at, end = samples[-1]
    pids_seen = set().union(*(rss.keys() for _, rss in samples))
    print()
    print(f"Memory (VmRSS of the gunicorn master and its {WORKERS} workers, {len(samples)} samples)")
    marks = [samples[0], (warm_at, warm), *[s for s in samples if s[0] > warm_at][:: max(1, len(samples) // 8)]]
    if marks[-1][0] != end_at:
        marks.append((end_at, end))
    print(
        c.table(
            ["at s", "total MiB", "per process MiB"],
            [
                [f"{t:.0f}", f"{sum(r.values()) / 1024:.1f}", " ".join(f"{v / 1024:.1f}" for _, v in sorted(r.items()))]
                for t, r in marks
            ],
        )
    )
    growth = (sum(end.values()) - sum(warm.values())) / max(1, sum(warm.values()))
    replaced = len(pids_seen) - len(samples[0][1])
    print(
        f"   after warm-up ({warm_at:.0f} s): {sum(warm.values()) / 1024:.1f} MiB; end ({end_at:.0f} s): "
        f"{sum(end.values()) / 1024:.1f} MiB; growth {growth:+.1%}; peak "
        f"{max(sum(r.values()) for _, r in samples) / 1024:.1f} MiB; processes replaced during the run: {replaced}"
    )

    # metrics
    slugs = {p.slug for p in tenants}
    delta = requests_by(after, slugs)
    delta.subtract(requests_by(before, slugs))
    by_route: Counter = Counter()
    per_tenant: Counter = Counter()
    for (method, route, status, tenant), value in delta.items():
        by_route[(method, route, status)] += value
        per_tenant[tenant] += value
    print()
    print("GET /metrics after minus before: motcua_http_requests_total over the soak's tenants")
    print(
        c.table(
            ["method", "route", "status", "requests"],
            [[m, r, s, f"{v:,.0f}"] for (m, r, s), v in sorted(by_route.items()) if v],
        )
    )
    counted, wrk_answered = sum(by_route.values()), sum(answered.values())
    print(f"   metrics: {counted:,.0f} requests; wrk: {wrk_answered:,} answered ({result['requests']:,} completed)")
    pending = {
        name: (gauge_by_tenant(before, name), gauge_by_tenant(after, name))
        for name in (
            "motcua_notification_outbox_pending",
            "motcua_national_sync_outbox_pending",
            "motcua_usage_outbox_pending",
        )
    }
    notices_before, notices_after = pending["motcua_notification_outbox_pending"]
    sync_before, sync_after = pending["motcua_national_sync_outbox_pending"]
    print()
    print("Backlog gauges per tenant (no job worker runs: every online submission's acknowledgement waits)")
    print(
        c.table(
            ["tenant", "server", "requests", "notifications pending", "national sync pending"],
            [
                [
                    p.slug,
                    p.server,
                    f"{per_tenant[p.slug]:,.0f}",
                    f"{notices_before.get(p.slug, 0):.0f} → {notices_after.get(p.slug, 0):.0f}",
                    f"{sync_before.get(p.slug, 0):.0f} → {sync_after.get(p.slug, 0):.0f}",
                ]
                for p in tenants
            ],
        )
    )
    submitted = sum(n for key, n in result["answered"].items() if key == "submit 201")
    queued = sum(notices_after.get(s, 0) - notices_before.get(s, 0) for s in slugs)
    print(f"   notifications queued during the soak: {queued:,.0f}; dossiers submitted (wrk, 201): {submitted:,}")

    errors = sum(failed.values()) + sum(socket.values())
    missing = abs(counted - wrk_answered)
    print()
    print(f"   loadavg {c.loadavg()} (a shared 2-CPU machine: other work ran beside the soak)")
    print(f"   target: 0 errors over {DURATION} s: {errors} {'met' if errors == 0 else 'NOT met'}")
    print(
        f"   target: memory growth after warm-up <= {MEMORY_TARGET:.0%}: {growth:+.1%} "
        f"{'met' if growth <= MEMORY_TARGET else 'NOT met'}"
    )
    agree = missing <= CONNECTIONS and abs(queued - submitted) <= CONNECTIONS
    print(
        f"   target: /metrics shows the soak (requests within {CONNECTIONS} in flight of wrk's, notifications "
        f"queued = submissions): {counted:,.0f} vs {wrk_answered:,}, {queued:,.0f} vs {submitted:,} "
        f"{'met' if agree else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
