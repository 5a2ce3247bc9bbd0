"""The officer's inbox page (``GET /console``, issue 13) over a tenant holding 1,000,000 dossiers.

The tenant is the one of ``benchmarks/dossiers.py`` (200 communes with a service centre each, a realistic
spread of statuses and due dates, ``dossiers.seed_dossiers``). Commune officers (one on each of BENCH_OFFICERS
communes) and a province admin log in through the console's login page; then the app, built in this process,
answers ``GET /console[?view=…]`` through Flask's test client with the session cookie, exactly as for a
browser: the session and token check, the officer's units, the four views' capped counts, the page of 20 in
keyset order, the procedures and due-date outcomes of its rows, the template, gzip. The time measured is the
app's whole answer (server time, without a network), p50/p95 over BENCH_CALLS calls per view for a random
commune officer and BENCH_CALLS / 3 for the province admin (the whole tenant). As the baseline in the same
run, the staff API's list the page is built on (``GET /api/v1/dossiers?page_size=20``, a bearer token, JSON)
for the same people and the same views.
Target (issue 13): p95 at most 100 ms.

Usage: .venv/bin/python benchmarks/console_inbox.py   (creates and drops its own database)
"""

from __future__ import annotations

import datetime as dt
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common as c
import dossiers as seed  # the 1,000,000-dossier tenant of the dossier benchmark

CALLS = c.sized("BENCH_CALLS", 300, 3)
OFFICERS = c.sized("BENCH_OFFICERS", 20, 2)
PASSWORD = "Bench-Ngan-Lau-Gio-37"
TARGET_MS = 100
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# (label, the page, the API's list with the same filter: DUE_SOON_HOURS of the console is 16 working hours)
VIEWS = [
    ("inbox (open dossiers, the default)", "/console", "/api/v1/dossiers?page_size=20"),
    ("at my unit's step", "/console?view=mine", "/api/v1/dossiers?page_size=20&step_unit=true"),
    ("due within two working days", "/console?view=due_soon", "/api/v1/dossiers?page_size=20&due_soon=16"),
    ("overdue", "/console?view=overdue", "/api/v1/dossiers?page_size=20&overdue=true"),
    ("open, status filter: in processing", "/console?status=4", "/api/v1/dossiers?page_size=20&status=4"),
    ("open, page 3", "/console?page=3", "/api/v1/dossiers?page_size=20&page=3"),
]


def create_staff(runtime, communes: list[int], root_id: int) -> list[str]:
    """OFFICERS commune officers and one province admin; their e-mails, the admin's last."""
    from motcua_platform.audit.services import Actor
    from motcua_platform.auth import services as auth
    from motcua_platform.auth.models import StaffRoleName

    people = [(f"canbo{i}@bench.vn", StaffRoleName.OFFICER, unit) for i, unit in enumerate(communes[:OFFICERS])]
    people.append(("quantri@bench.vn", StaffRoleName.TENANT_ADMIN, root_id))
    with runtime.db.tenant_session(runtime.db.binding(seed.SLUG)) as session:
        for email, role, unit in people:
            auth.create_staff(
                session,
                Actor("system", None, "benchmark"),
                email=email,
                full_name=email.split("@")[0],
                password=PASSWORD,
                roles=[(role, unit)],
                site=(seed.SLUG,),
            )
        session.commit()
    return [email for email, _role, _unit in people]


def logged_in(app, email: str, address: str):
    """A test client holding the console session of ``email`` (logged in through the login page)."""
    client = app.test_client()
    base = f"http://{seed.HOST}"
    form = client.get("/console/login", base_url=base)
    token = CSRF.search(form.get_data(as_text=True)).group(1)
    answer = client.post(
        "/console/login",
        base_url=base,
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )
    if answer.status_code != 303:
        raise RuntimeError(f"console login of {email} failed: {answer.status_code}")
    return client


def api_token(app, email: str, address: str) -> str:
    answer = app.test_client().post(
        "/api/v1/auth/login",
        base_url=f"http://{seed.HOST}",
        json={"email": email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": address},
    )
    if answer.status_code != 201:
        raise RuntimeError(f"API login of {email} failed: {answer.status_code}")
    return answer.get_json()["token"]


def timed(calls: int, request) -> tuple[float, float, int]:
    """p50 and p95 (ms) of ``calls`` calls of ``request()``, and the mean size of the answers."""
    latencies, sizes = [], []
    for _ in range(calls):
        started = time.perf_counter()
        answer = request()
        latencies.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"HTTP {answer.status_code}")
        sizes.append(len(answer.data))
    latencies.sort()
    p50, p95 = (latencies[max(int(len(latencies) * q) - 1, 0)] for q in (0.5, 0.95))
    return p50, p95, sum(sizes) // len(sizes)


def measure(app, emails: list[str]) -> None:
    addresses = [f"10.9.{i // 250}.{i % 250 + 1}" for i in range(len(emails))]
    browsers = [logged_in(app, email, address) for email, address in zip(emails, addresses, strict=True)]
    tokens = [api_token(app, email, address) for email, address in zip(emails, addresses, strict=True)]
    api = app.test_client()
    rng = random.Random(766)
    page_headers = {"Accept-Encoding": "gzip", "Accept-Language": "vi"}
    people = (
        ("commune officer", list(range(len(emails) - 1)), CALLS),
        ("province admin", [len(emails) - 1], max(CALLS // 3, 1)),
    )
    rows = []
    for who, indexes, calls in people:
        for label, page, listing in VIEWS:

            def page_request(page=page, indexes=indexes):
                return browsers[rng.choice(indexes)].get(page, base_url=f"http://{seed.HOST}", headers=page_headers)

            def api_request(listing=listing, indexes=indexes):
                headers = {"Authorization": f"Bearer {tokens[rng.choice(indexes)]}", "Accept-Encoding": "gzip"}
                return api.get(listing, base_url=f"http://{seed.HOST}", headers=headers)

            p50, p95, size = timed(calls, page_request)
            api_p50, api_p95, _size = timed(calls, api_request)
            met = "yes" if p95 <= TARGET_MS else "NO"
            rows.append(
                [
                    f"{who}: {label}",
                    calls,
                    f"{size:,}",
                    f"{p50:.1f}",
                    f"{p95:.1f}",
                    f"{api_p50:.1f} / {api_p95:.1f}",
                    met,
                ]
            )
    print()
    print(
        c.table(
            [
                "GET /console over 1,000,000 dossiers",
                "calls",
                "bytes (gzip)",
                "p50 ms",
                "p95 ms",
                "API list p50 / p95",
                "p95 ≤ 100 ms",
            ],
            rows,
        )
    )
    print("   API list: GET /api/v1/dossiers with the same filter, a bearer token (the baseline, same run)")


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header("console: the officer's inbox page over 1,000,000 dossiers (server time, in process)")
    with c.fresh_database("motcua_bench_inbox") as url:
        env = seed.bench_env(url)
        c.apply_env(env)
        c.run_cli(["db", "upgrade"], env)

        import logging

        from motcua_app import create_app
        from motcua_platform.audit.services import Actor

        app = create_app()
        logging.getLogger().setLevel(logging.WARNING)  # one access line per request would be measured too
        runtime = app.extensions["motcua"]
        root_id, communes = seed.setup_tenant(runtime, Actor("system", None, "benchmark"))
        seed.seed_dossiers(runtime)
        emails = create_staff(runtime, communes, root_id)
        measure(app, emails)
        runtime.db.dispose()
        runtime.jobs.close()
    print(f"\n   finished {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")


if __name__ == "__main__":
    main()
