"""Procedure catalogue benchmarks (issue: procedure catalogue and plugins).

1. Import 1,800 procedures (Phú Thọ's catalogue size) into one tenant through the CSV import service:
   parse, check every row, insert, all in one transaction. Target: at most 5 s.
2. Search over those 1,800 plus the plugins' procedures in the service (query + page + total, one
   tenant session per search, as a request does). Target: p95 at most 30 ms.
3. Public search through gunicorn (2 workers) with wrk (32 connections) returning 20 procedures.
   Target: at least 1,200 requests/s.

Usage: .venv/bin/python benchmarks/catalogue.py   (creates and drops its own database)
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common as c

FIELDS = [
    (
        "Hộ tịch",
        [
            "đăng ký khai sinh có yếu tố nước ngoài",
            "đăng ký lại kết hôn",
            "thay đổi, cải chính hộ tịch",
            "đăng ký giám hộ",
            "đăng ký nhận cha, mẹ, con",
        ],
    ),
    (
        "Đất đai",
        [
            "đăng ký biến động đất đai",
            "gia hạn sử dụng đất",
            "tách thửa, hợp thửa đất",
            "cấp đổi Giấy chứng nhận",
            "đính chính Giấy chứng nhận",
        ],
    ),
    (
        "Xây dựng",
        [
            "cấp giấy phép xây dựng công trình",
            "thẩm định báo cáo nghiên cứu khả thi",
            "cấp chứng chỉ hành nghề hoạt động xây dựng",
            "điều chỉnh giấy phép di dời công trình",
        ],
    ),
    (
        "Giao thông vận tải",
        [
            "cấp giấy phép lái xe",
            "đổi giấy phép lái xe",
            "cấp phù hiệu xe ô tô kinh doanh vận tải",
            "đăng ký phương tiện thủy nội địa",
        ],
    ),
    (
        "Y tế",
        [
            "cấp chứng chỉ hành nghề khám bệnh, chữa bệnh",
            "cấp giấy phép hoạt động phòng khám",
            "công bố cơ sở đủ điều kiện sản xuất mỹ phẩm",
        ],
    ),
    (
        "Giáo dục và Đào tạo",
        [
            "cho phép thành lập trường mầm non tư thục",
            "công nhận trường đạt chuẩn quốc gia",
            "cấp bản sao văn bằng, chứng chỉ",
        ],
    ),
    (
        "Lao động",
        [
            "cấp giấy phép lao động cho người nước ngoài",
            "đăng ký nội quy lao động",
            "giải quyết hưởng trợ cấp thất nghiệp",
        ],
    ),
    (
        "Thành lập và hoạt động doanh nghiệp",
        [
            "đăng ký thành lập công ty trách nhiệm hữu hạn",
            "đăng ký thay đổi người đại diện theo pháp luật",
            "thông báo tạm ngừng kinh doanh",
        ],
    ),
    (
        "Văn hóa",
        ["cấp giấy phép tổ chức lễ hội", "cấp giấy phép kinh doanh karaoke", "đăng ký tổ chức biểu diễn nghệ thuật"],
    ),
    ("Tài nguyên nước", ["cấp giấy phép khai thác nước dưới đất", "gia hạn giấy phép xả nước thải"]),
    ("Thủy sản", ["cấp văn bản chấp thuận đóng mới tàu cá", "cấp giấy chứng nhận an toàn kỹ thuật tàu cá"]),
    ("Công Thương", ["cấp giấy phép bán lẻ rượu", "cấp giấy chứng nhận đủ điều kiện kinh doanh xăng dầu"]),
]
VERBS = ["", "cấp lại: ", "gia hạn: ", "điều chỉnh: ", "thu hồi: ", "xác nhận: "]
N_PROCEDURES = c.sized("BENCH_PROCEDURES", 1800, 40)
QUERIES = [
    "giay phep",
    "cap giay phep xay dung",
    "dang ky",
    "khai sinh",
    "tàu cá",
    "gia han",
    "lao dong nuoc ngoai",
    "karaoke",
    "ho tich",
    "doanh nghiep thay doi",
    "chung chi hanh nghe",
    "dat dai bien dong",
    "xe o to",
    "truong mam non",
    "nuoc thai",
]


def generate_csv(n: int) -> str:
    from motcua_onestop.catalogue.exchange import COLUMNS, to_csv

    rng = random.Random(2015)  # the Phú Thọ plan's first year: a fixed, reproducible catalogue
    entries = []
    for i in range(n):
        field, objects = FIELDS[i % len(FIELDS)]
        name = (VERBS[(i // len(FIELDS)) % len(VERBS)] + rng.choice(objects)).strip()
        name = name[0].upper() + name[1:]
        level = "province" if i < n * 1421 // 1781 else "commune"
        entries.append(
            {
                "ma_thu_tuc": f"{1 + i % 2}.{100000 + i:06d}.H40",
                "trang_thai": "published",
                "ten_thu_tuc": f"{name} ({i})",
                "ten_tieng_anh": None,
                "linh_vuc": field,
                "cap_thuc_hien": level,
                "co_quan_thuc_hien": "department" if level == "province" else "commune",
                "thoi_han": rng.choice([1, 3, 5, 7, 10, 15, 20, 30]),
                "don_vi_thoi_han": rng.choice(["working_days", "days"]),
                "gio_cat": None,
                "muc_do": rng.choice(["full", "partial", "none"]),
                "muc_do_cu": rng.choice([2, 3, 4]),
                "phi_le_phi": [
                    {"name": "Lệ phí", "amount": rng.choice([0, 15000, 50000, 100000, 500000]), "per": None}
                ],
                "thanh_phan_ho_so": [
                    {"name": "Đơn đề nghị", "original": True, "count": 1},
                    {"name": "Giấy tờ chứng minh", "original": False, "count": 2},
                ],
                "ket_qua": "Văn bản chấp thuận",
                "can_cu_phap_ly": ["Văn bản quy phạm pháp luật chuyên ngành"],
                "doi_tuong": "Tổ chức, cá nhân",
                "nguon": None,
                "phien_ban": 1,
            }
        )
    assert {name for name, _ in COLUMNS} == set(entries[0])
    return to_csv(entries)


def provision_phutho(runtime, actor) -> None:
    """Province ``phutho`` provisioned for real, with every loaded plugin enabled (its catalogue's procedures)."""
    from motcua_platform.plugins.engine import active
    from motcua_tenants.registry import services as registry
    from motcua_tenants.tenant_plugins.services import set_plugin

    with runtime.db.control_session() as session:
        job = registry.create_tenant(
            session,
            actor,
            registry.TenantSpec(slug="phutho", name="Tỉnh Phú Thọ", unit_code="000.00.00.H40"),
            base_domain="motcua.localhost",
        )
        session.commit()
    registry.provision(runtime.db, job.id)
    with runtime.db.control_session() as control:
        for plugin in active():
            set_plugin(control, runtime.db, actor, active(), "phutho", plugin.name, enabled=True)


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header("catalogue: import, search in the service, public search through gunicorn")
    with c.fresh_database("motcua_bench_catalogue") as url:
        env = c.motcua_env(url)
        c.apply_env(env)
        c.run_cli(["db", "upgrade"], env)

        from motcua_app import build_runtime
        from motcua_onestop.catalogue import exchange, services
        from motcua_platform.audit.services import Actor
        from motcua_platform.plugins.engine import active

        runtime = build_runtime()
        actor = Actor("system", None, "benchmark")
        provision_phutho(runtime, actor)
        binding = runtime.db.binding("phutho")

        text = generate_csv(N_PROCEDURES)
        started = time.perf_counter()
        with runtime.db.tenant_session(binding) as session:
            count = exchange.import_records(session, actor, exchange.parse_csv(text))
            session.commit()
        import_seconds = time.perf_counter() - started
        print(
            c.table(
                ["import", "procedures", "seconds", "target", "met"],
                [
                    [
                        "CSV, service path, one transaction",
                        count,
                        f"{import_seconds:.2f}",
                        "≤ 5 s",
                        "yes" if import_seconds <= 5 else "NO",
                    ]
                ],
            )
        )

        from motcua_onestop.catalogue import search

        enabled = list(active().names)
        latencies = []
        for round_ in range(c.sized("BENCH_ROUNDS", 40, 1)):
            for q in QUERIES:
                filters = services.CatalogueFilter(q=q, online_mode="full" if round_ % 4 == 0 else None)
                started = time.perf_counter()
                with runtime.db.tenant_session(binding) as session:
                    search.find(session, filters, enabled, limit=20)
                latencies.append((time.perf_counter() - started) * 1000)
        latencies.sort()
        p50, p95, p99 = (latencies[int(len(latencies) * q) - 1] for q in (0.5, 0.95, 0.99))
        print()
        print(
            c.table(
                ["search in the service", "searches", "p50 ms", "p95 ms", "p99 ms", "target", "met"],
                [
                    [
                        "1,815 procedures, 20 per page",
                        len(latencies),
                        f"{p50:.2f}",
                        f"{p95:.2f}",
                        f"{p99:.2f}",
                        "p95 ≤ 30 ms",
                        "yes" if p95 <= 30 else "NO",
                    ]
                ],
            )
        )
        runtime.db.dispose()
        runtime.jobs.close()

        wrk = shutil.which("wrk")
        if not wrk:
            print("\nwrk is not installed (apt-get install -y wrk): skipping the gunicorn measurement")
            return
        port = c.free_port()
        server = subprocess.Popen(
            [c.motcua_bin(), "run", "--no-worker", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            rows = []
            for label, path in (
                ("bare JSON (/healthz)", "/healthz"),
                ("public search, 20 results", "/api/v1/procedures?q=giay+phep&page_size=20"),
            ):
                args = [wrk, "-t2", "-c32", "-d10s", "-H", "Host: phutho.motcua.localhost", base + path]
                subprocess.run([*args[:3], "-d2s", *args[4:]], capture_output=True, check=True)  # warm-up
                out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
                rps = float(next(line for line in out.splitlines() if "Requests/sec" in line).split()[1])
                errors = [line.strip() for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line]
                rows.append([label, f"{rps:,.0f}", "; ".join(errors) or "none"])
            check = urllib.request.Request(
                base + "/api/v1/procedures?q=giay+phep&page_size=20", headers={"Host": "phutho.motcua.localhost"}
            )
            returned = len(json.load(urllib.request.urlopen(check)))
            print()
            print(c.table(["gunicorn, 2 workers, wrk 2 threads × 32 connections, 10 s", "requests/s", "errors"], rows))
            search_rps, bare_rps = (float(row[1].replace(",", "")) for row in (rows[1], rows[0]))
            verdict = "met" if search_rps >= 1200 else "NOT met"
            print(
                f"   search returns {returned} procedures; target ≥ 1,200 requests/s: {verdict}; "
                f"{search_rps / bare_rps:.0%} of bare"
            )
            print(f"   loadavg after: {c.loadavg()}")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
