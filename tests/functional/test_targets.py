"""Roadmap targets (issue 15): a province sets its yearly targets and sees each one's value to date, monthly
rates, projection to 31 December and its agencies', on the hand-built 2026 of statistics_support (February
A L, March as described there, April M; nothing since). Values worked out by hand below."""

from motcua_onestop.statistics.targets import project
from sqlalchemy import text

TARGETS = "/api/v1/statistics/targets?year=2026"
PLAN = {
    "targets": [
        {"metric": "online_dossier_rate", "target": 50, "baseline": 29},
        {"metric": "on_time_rate", "target": 60},
        {"metric": "online_procedures", "target": 90},
        {"metric": "online_payment_rate", "target": 30, "baseline": "4.31"},
    ]
}


def test_a_province_sets_its_targets_and_sees_where_each_is_heading(march, host_client, seeded, runtime):
    units = seeded["alpha"].units
    admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    plan = {"targets": [*PLAN["targets"], {"metric": "digitisation_rate", "unit_id": units["commune_b"], "target": 80}]}
    response = admin.put(TARGETS, json=plan)
    assert response.status_code == 200, response.get_json()
    rows = {(row["metric"], row["unit_id"]): row for row in response.get_json()["targets"]}

    # online dossiers: received in 2026 A L (Feb), twelve in March, M (April); online C: 1 of 15
    online = rows[("online_dossier_rate", None)]
    assert (online["value"], online["target"], online["baseline"]) == (6.67, "50.00", "29.00")
    months = {m["month"]: m["value"] for m in online["months"]}
    assert months == {1: None, 2: 0.0, 3: 8.33, 4: 0.0} | {m: None for m in range(5, 13)}
    # the line through (2, 0), (3, 8.33), (4, 0) is flat at their mean, 2.78: far from 50
    assert (online["projected"], online["on_track"]) == (2.78, False)

    # on time (2.1) to date: resolved A B C D E F L N (early B L N, on time A F), stopped H on time, open J K M P Q
    # (only P, waiting for the supplement asked before its due date, within due): 7 of 14
    on_time = rows[("on_time_rate", None)]
    assert on_time["value"] == 50.0
    months = {m["month"]: m["value"] for m in on_time["months"]}
    # February: L early, A within due; from April on, J K M P Q open and only P within due
    assert months == {1: None, 2: 100.0, 3: 58.33} | {m: 20.0 for m in range(4, 13)}
    agencies = {row["unit_id"]: row["value"] for row in on_time["units"]}
    # commune A: all but N, 6 of 13; commune B: N early; the department received nothing
    assert agencies == {units["commune_a"]: 46.15, units["commune_b"]: 100.0, units["department"]: None}

    catalogue = rows[("online_procedures", None)]  # all fifteen procedures are offered online
    assert (catalogue["value"], catalogue["projected"], catalogue["on_track"]) == (100.0, 100.0, True)
    payment = rows[("online_payment_rate", None)]  # no dossier with a fee this year: N/A, nothing made up
    assert (payment["value"], payment["projected"], payment["on_track"]) == (None, None, None)
    commune_b = rows[("digitisation_rate", units["commune_b"])]  # N: no digitised component
    assert (commune_b["value"], commune_b["on_track"]) == (0.0, False)
    assert commune_b["unit_name"] == "commune_b of Tỉnh Alpha"

    # an officer sees the province's targets and their own units', and only their agencies
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    seen = officer.get(TARGETS).get_json()["targets"]
    assert {(row["metric"], row["unit_id"]) for row in seen} == {(t["metric"], None) for t in PLAN["targets"]}
    on_time = next(row for row in seen if row["metric"] == "on_time_rate")
    assert [row["unit_id"] for row in on_time["units"]] == [units["commune_a"]]
    assert on_time["value"] == 50.0  # the province's figure, as the admin sees it, not their units' alone
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        audited = session.scalar(text("SELECT count(*) FROM audit_events WHERE action = 'statistics.targets_set'"))
    assert audited == 1


def test_bad_targets_change_nothing_and_say_which_entry(host_client, seeded):
    units = seeded["alpha"].units
    admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    assert admin.put(TARGETS, json=PLAN).status_code == 200
    for entry, field in (
        ({"metric": "online_procedures", "unit_id": units["commune_a"], "target": 90}, "targets.1.unit_id"),
        ({"metric": "on_time_rate", "unit_id": 999_999, "target": 90}, "targets.1.unit_id"),
        ({"metric": "on_time_rate", "target": 101}, "targets.1.target"),
        ({"metric": "online_dossier_rate", "target": 40}, "targets.1.metric"),  # a second one for the province
        ({"metric": "happiness", "target": 40}, "metric"),
    ):
        body = {"targets": [PLAN["targets"][0], entry]}
        response = admin.put(TARGETS, json=body)
        assert response.status_code == 422, (entry, response.get_json())
        assert field.split(".")[-1] in str(response.get_json()) and "targets" in str(response.get_json()), entry
        if field.startswith("targets."):
            assert field in response.get_json()["errors"], response.get_json()
    kept = admin.get(TARGETS).get_json()["targets"]
    assert [row["metric"] for row in kept] == [t["metric"] for t in PLAN["targets"]]  # the plan as it was
    assert admin.put("/api/v1/statistics/targets?year=1999", json=PLAN).status_code == 422

    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer.put(TARGETS, json=PLAN).status_code == 403
    assert host_client(seeded["alpha"].host).get(TARGETS).status_code == 401
    beta = host_client(seeded["beta"].host, seeded["beta"].tokens["admin"])
    assert beta.get(TARGETS).get_json()["targets"] == []  # alpha's plan is alpha's
    assert admin.put(TARGETS, json={"targets": []}).get_json()["targets"] == []  # a year's plan cleared


def test_the_projection_follows_the_monthly_trend_to_december():
    assert project([]) is None
    assert project([{"month": 3, "value": 40.0}]) == 40.0
    # 10, 20, 30 in Jan-Mar: 10 more a month, 120 in December, clamped to 100
    assert project([{"month": m, "value": 10.0 * m} for m in (1, 2, 3)]) == 100.0
    # 30, 32, 34 in Jan-Mar: 52 in December; a month without a value is skipped
    months = [{"month": 1, "value": 30.0}, {"month": 2, "value": None}, {"month": 3, "value": 34.0}]
    assert project(months) == 52.0
    assert project([{"month": 1, "value": 40.0}, {"month": 2, "value": 20.0}]) == 0.0  # falling: clamped at 0


def test_the_console_sets_the_targets_and_shows_where_each_stands(march, host_client, seeded):

    from portal_support import console_client, csrf_token
    from portal_support import words as words_of

    def logged_in(email):
        return console_client(host_client, seeded["alpha"].host, email)

    units = seeded["alpha"].units
    page_path = "/console/statistics/targets?year=2026"
    admin = logged_in("admin@alpha.test")
    page = admin.get(page_path, headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "No target set for 2026." in page.get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "target-online_dossier_rate": "50",
        "baseline-online_dossier_rate": "29",
        "target-on_time_rate": "abc",
        "unit_rows": "2",
        "unit-0": str(units["commune_b"]),
        "unit-metric-0": "digitisation_rate",
        "unit-target-0": "80",
    }
    bad = admin.post(page_path, data=form, headers={"Accept-Language": "en"})
    assert bad.status_code == 422
    assert 'href="#field-target-on_time_rate"' in bad.get_data(as_text=True)  # beside the field that is wrong
    assert 'value="50"' in bad.get_data(as_text=True)  # what was typed is kept
    for wrong in ("120", "nan", "1e999999", "9" * 5000):
        refused = admin.post(page_path, data=form | {"target-on_time_rate": wrong})
        assert refused.status_code == 422 and 'href="#field-target-on_time_rate"' in refused.get_data(as_text=True)
    assert admin.post(page_path, data=form | {"target-on_time_rate": "60", "unit_rows": "9" * 5000}).status_code == 303

    assert admin.post(page_path, data=form | {"target-on_time_rate": "60,5"}).status_code == 303
    words = words_of(admin.get(page_path, headers={"Accept-Language": "en"}))
    # the online dossier rate: 6.67 % to date, heading for 2.78 % (the test above), behind
    assert "Online dossier rate (3.3) The whole province 29.00 % 50.00 % 6.67 % 2.78 % Behind" in words
    assert "On-time rate (2.1) The whole province – 60.50 % 50.0 %" in words
    assert "Digitisation rate (4.2) commune_b of Tỉnh Alpha – 80.00 % 0.0 % 0.0 % Behind" in words

    officer = logged_in("officer@alpha.test")  # sees the province's targets and their units', sets none
    seen = officer.get(page_path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Online dossier rate (3.3)" in seen and "Save the targets" not in seen
    assert "commune_b of Tỉnh Alpha" not in seen  # commune B's target is not theirs
    own = form | {"csrf_token": csrf_token(seen)}  # the logout form's token: theirs
    assert officer.post(page_path, data=own).status_code == 403
