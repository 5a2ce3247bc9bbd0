"""The weekly report (issue 15) on the hand-built March 2026 of statistics_support: made on demand and on the
schedule (once a week, caught up after a missed run), kept, downloaded as XLSX and PDF, announced to the
province's addresses, metered; settings checked. Expected figures worked out by hand below.

Made on Friday 13 March, the report covers Friday 6 to Thursday 12 March: received E (9th) and F (10th), both
at the counter; resolved D (6th, two supplements) and C (12th, after its due day): both late; stopped H (10th,
before its due day); open at the start C D H (carried over), at the end E and F, both within due (E due the
16th, F the 18th). On time (2.1): H and E F of D C H E F, 3 of 5 = 60 %."""

import datetime as dt
import io
import re
import shutil
import subprocess

import pytest
from motcua_billing.usage.models import UsageOutbox
from motcua_onestop.notifications.models import NotificationOutbox
from motcua_onestop.statistics import reports
from motcua_platform.rendering.pdf import find_font
from motcua_platform.timezones import VIETNAM
from openpyxl import load_workbook
from sqlalchemy import select, text

REPORTS = "/api/v1/statistics/reports"


@pytest.fixture
def admin(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])


def test_a_week_made_on_demand_kept_and_downloaded(march, admin, tmp_path, runtime, seeded):
    # a unit named like a formula by an admin stays text in the workbook
    trap = '=HYPERLINK("http://evil.example","commune_a")'
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        session.execute(text("UPDATE units SET name = :name WHERE id = :id"),
                        {"name": trap, "id": seeded["alpha"].units["commune_a"]})  # fmt: skip
        session.commit()
    made = admin.post(REPORTS + "?run_day=2026-03-13")
    assert made.status_code == 201, made.get_json()
    report = made.get_json()
    assert (report["first_day"], report["last_day"]) == ("2026-03-06", "2026-03-12")
    again = admin.post(REPORTS + "?run_day=2026-03-13")
    assert again.status_code == 200 and again.get_json()["id"] == report["id"]  # one report a week
    # (the hourly job, run by the worker tests, may have made this week's report for every province meanwhile)
    kept = [r["id"] for r in admin.get(REPORTS).get_json()["reports"] if r["first_day"] == "2026-03-06"]
    assert kept == [report["id"]]
    # a week has one report: only the province's report weekday (Friday), and not one to come
    for day in ("2026-03-12", "2099-01-02"):
        refused = admin.post(REPORTS + f"?run_day={day}")
        assert refused.status_code == 422 and "run_day" in refused.get_json()["errors"], day

    xlsx = admin.get(f"{REPORTS}/{report['id']}/report.xlsx")
    assert xlsx.status_code == 200 and "bao-cao-tuan-20260306-20260312.xlsx" in xlsx.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.data))
    sheet = book["Tổng hợp"]
    assert sheet["A3"].value == "Từ ngày 06/03/2026 đến ngày 12/03/2026"
    rows = {row[0]: row for row in sheet.iter_rows(min_row=6, values_only=True) if row[0]}
    headings = rows["Cơ quan, đơn vị"]
    province = dict(zip(headings, rows["Toàn tỉnh"], strict=True))
    assert (province["Tiếp nhận"], province["Trực tiếp"], province["Trực tuyến"]) == (2, 2, 0)
    assert (province["Đã giải quyết"], province["Trễ hạn"], province["Trước hạn"]) == (2, 2, 0)
    assert (province["Đang giải quyết"], province["Quá hạn"], province["Đúng hạn (2.1, %)"]) == (2, 0, 60.0)
    assert set(rows) == {"Cơ quan, đơn vị", trap, "Toàn tỉnh"}  # commune B: nothing that week
    assert next(c for c in sheet["A"] if c.value == trap).data_type == "s"  # text, not a live formula
    assert sheet._charts, "the intake chart"
    scores = {row[0]: row for row in book["Chỉ số 766"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert scores["2.1"][2:5] == (60.0, 3, 5)

    pdf = admin.get(f"{REPORTS}/{report['id']}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(pdf.data)
        words = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "BÁO CÁO TUẦN" in words and "Từ ngày 06/03/2026 đến ngày 12/03/2026" in words
        assert "Tiếp nhận: 2 hồ sơ" in words and "đúng hạn (2.1): 60.0 %" in words
    assert admin.get(f"{REPORTS}/{report['id']}/report.docx").status_code == 404
    assert admin.get(f"{REPORTS}/999999/report.pdf").status_code == 404


def test_the_schedule_makes_each_week_once_tells_the_addresses_and_meters_it(march, admin, runtime, seeded):
    addresses = ["Lanh.Dao@BenTre.gov.vn", "vp@bentre.gov.vn"]
    settings = {"enabled": True, "weekday": 4, "hour": 10, "recipients": addresses}
    saved = admin.put(REPORTS + "/settings", json=settings)
    assert saved.status_code == 200 and saved.get_json()["recipients"] == ["lanh.dao@bentre.gov.vn", "vp@bentre.gov.vn"]
    font = find_font(runtime.config.pdf_font)

    def run(day, hour, minute=0, month=3):
        at = dt.datetime(2026, month, day, hour, minute, tzinfo=VIETNAM)
        return reports.run_due(runtime.db, runtime.tenant_context, font, at)

    made = run(13, 10, 30)  # Friday 13 March, 10:30: the week of 6-12 March
    assert "alpha" in made
    assert run(13, 11).get("alpha") is None  # made already
    assert run(20, 9, 59).get("alpha") is None  # the next one is due at 10:00
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        week = reports.get_report(session, made["alpha"])
        assert (week.first_day, week.last_day) == (dt.date(2026, 3, 6), dt.date(2026, 3, 12))
        notices = session.scalars(select(NotificationOutbox).where(NotificationOutbox.report_id == week.id)).all()
        assert sorted(n.recipient for n in notices) == ["lanh.dao@bentre.gov.vn", "vp@bentre.gov.vn"]
        assert "06/03/2026 - 12/03/2026" in notices[0].subject and "/console/statistics/reports" in notices[0].body
        metered = session.scalars(select(UsageOutbox).where(UsageOutbox.metric_code == "statistics_reports")).all()
        assert [m.event_id for m in metered if m.event_id.startswith("statistics_report:2026-03")] == [
            "statistics_report:2026-03-06"
        ]
        session.rollback()
    # a worker down on Friday catches up on Saturday, with that week's report only
    caught_up = run(28, 8)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        assert reports.get_report(session, caught_up["alpha"]).first_day == dt.date(2026, 3, 20)

    admin.put(REPORTS + "/settings", json=settings | {"enabled": False})
    assert run(3, 12, month=4).get("alpha") is None  # switched off: Friday 3 April makes nothing


def test_settings_and_access_are_checked(admin, host_client, seeded):
    for body, field in (
        ({"weekday": 7}, "weekday"),
        ({"hour": 24}, "hour"),
        ({"recipients": ["not-an-address"]}, "recipients"),
        ({"recipients": [f"a{n}@x.vn" for n in range(21)]}, "recipients"),
    ):
        defaults = {"enabled": True, "weekday": 4, "hour": 10, "recipients": []}
        response = admin.put(REPORTS + "/settings", json=defaults | body)
        assert response.status_code == 422 and field in response.get_json()["errors"], (body, response.get_json())
    assert admin.get(REPORTS + "/settings").get_json() == {"enabled": True, "weekday": 4, "hour": 10, "recipients": []}
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])  # of a commune, not the province
    assert officer.get(REPORTS).status_code == 403
    assert officer.post(REPORTS).status_code == 403
    assert host_client(seeded["alpha"].host).get(REPORTS).status_code == 401


def test_the_console_lists_makes_and_serves_reports_and_sets_the_schedule(march, host_client, seeded):
    """Where the report's e-mail links to: the list with its files, making this week's report, the schedule."""
    from portal_support import console_client, csrf_token

    def logged_in(email):
        return console_client(host_client, seeded["alpha"].host, email)

    admin = logged_in("admin@alpha.test")
    page = admin.get("/console/statistics/reports", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    made = admin.post("/console/statistics/reports", data={"csrf_token": token})
    assert made.status_code == 303
    listed = admin.get("/console/statistics/reports", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # the latest week's, newest first (the hourly job of the worker tests may have made it already: then the
    # button says so and makes nothing)
    files = re.findall(r'href="(/console/statistics/reports/\d+/report\.(?:xlsx|pdf))"', listed)
    assert len(files) >= 2 and files[0].endswith(".xlsx") and files[1].endswith(".pdf")
    pdf = admin.get(files[1])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert admin.post("/console/statistics/reports", data={}).status_code == 400  # no CSRF token: refused

    form = {"csrf_token": token, "enabled": "on", "weekday": "4", "hour": "10", "recipients": "nope"}
    bad = admin.post("/console/statistics/reports/settings", headers={"Accept-Language": "en"}, data=form)
    assert bad.status_code == 422 and "Not an e-mail address: nope." in bad.get_data(as_text=True)
    form = {"csrf_token": token, "weekday": "0", "hour": "7", "recipients": "a@x.vn\nb@x.vn"}  # not enabled
    good = admin.post("/console/statistics/reports/settings", data=form)
    assert good.status_code == 303
    api = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    assert api.get(REPORTS + "/settings").get_json() == {
        "enabled": False, "weekday": 0, "hour": 7, "recipients": ["a@x.vn", "b@x.vn"]
    }  # fmt: skip

    officer = logged_in("officer@alpha.test")  # of commune A: the province's reports are not theirs
    assert officer.get("/console/statistics/reports").status_code == 403
    assert officer.get(files[1]).status_code == 403
