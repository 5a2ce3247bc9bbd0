"""QĐ 766 indicators, scores and the ranking of agencies (issue 15) on the hand-built March 2026 of
statistics_support, with a catalogue put in a known state: every value below is worked out by hand.

The catalogue: the 15 plugin procedures of the seeded province are complete (seven parts) and offered online;
the test publishes one of the province's own (incomplete, not online) and takes one plugin procedure offline
(1.009994): 16 published, 15 complete, 14 online, of which one (the marriage, 1.000894) received an online
dossier in March (C).

March's dossiers (statistics_support): resolved A B C D E F N; stopped H (on the 10th, due the 11th); still open
at the end J K P Q (J within due, P waiting for a supplement asked before its due date, K and Q past due);
withdrawn G; refused I. Received in March: B C D E F G H J K N P Q (12), online: C. Results as files: A B C F;
digitised components: B (scanned), C (online), F (marked a scan later), J; D's file is not marked a scan, E
was finished without its result as a file."""

import datetime as dt
from decimal import Decimal

import pytest
from dossier_support import SYSTEM
from motcua_onestop.catalogue import services as catalogue
from motcua_onestop.dossiers.ratings import services as ratings
from motcua_onestop.feedback import services as feedback
from motcua_onestop.statistics import indicators
from sqlalchemy import text

INDICATORS = "/api/v1/statistics/indicators?period=month&value=2026-03"
RANKING = "/api/v1/statistics/ranking?period=month&value=2026-03"

# Processing time of each resolved dossier, from intake to the result less its supplement pauses, in working
# days of 8 office hours (the marriage's unit):
#   A Wed 25 Feb 09:00 -> Wed 4 Mar 10:00: 6 + 8×4 + 3 = 41 h = 5.125 -> 5.13
#   B Mon 2 Mar 09:00 -> Thu 5 Mar 15:00: 6 + 8 + 8 + 6 = 28 h = 3.50
#   C taken in Tue 3 Mar 08:00 -> Thu 12 Mar 09:00: 7 + 8×6 + 2 = 57 h = 7.125 -> 7.13
#   D Mon 2 Mar 09:00 -> Fri 6 Mar 10:00: 6 + 8×3 + 3 = 33 h, less the pauses 8 h + 7 h = 18 h = 2.25
#   E Mon 9 Mar 09:00 -> Wed 18 Mar 09:00: 6 + 8×6 + 2 = 56 h = 7.00 (the extension is not a pause)
#   F Tue 10 Mar 09:00 -> Wed 18 Mar 12:00: 6 + 8×5 + 4.5 = 50.5 h, less the pause 8 h = 42.5 h = 5.3125 -> 5.31
#   N Mon 2 Mar 09:00 -> Tue 3 Mar 09:00: 6 + 2 = 8 h = 1.00
PROCESSING = {"A": "5.13", "B": "3.50", "C": "7.13", "D": "2.25", "E": "7.00", "F": "5.31", "N": "1.00"}

# indicator -> (value %, numerator, denominator, score)
PROVINCE = {
    "1.3": (93.75, 15, 16, "4.22"),  # 4.5 × 0.9375
    "2.1": (58.33, 7, 12, "11.67"),  # (B N early + A F on time + H stopped on time + J P within due) / (7 + 1 + 4)
    "3.1": (87.5, 14, 16, "4.00"),  # above the 80 % threshold: full points
    "3.2": (7.14, 1, 14, "0.29"),  # 4 × 0.0714
    "3.3": (8.33, 1, 12, "0.67"),  # C; 4 × 8.33 / 50
    "3.5": (0.0, 0, 10, "0.00"),  # ten published procedures have a fee; the province takes no payment online
    "4.1": (57.14, 4, 7, "2.51"),  # A B C F of the seven resolved; 4.4 × 0.5714
    "4.2": (33.33, 4, 12, "1.83"),  # B C F J; 4.4 × 33.33 / 80
    "4.3": (0.0, 0, 12, "0.00"),  # none of the twelve received gave a kept document again
    "5.4": (58.33, 7, 12, "3.89"),  # 100 % less the late rate (2.1) and no dossier rated badly or complained of
}
GROUP_SCORES = {  # group -> (score, points that could be scored)
    1: ("4.22", "4.5"),
    2: ("11.67", "20"),
    3: ("4.96", "17"),  # 4.00 + 0.29 + 0.67 + 0.00; 3.6 N/A: none of March's dossiers has a fee
    4: ("4.34", "13.2"),  # 2.51 + 1.83 + 0.00
    5: ("3.89", "6"),  # 5.4; 5.2 and 5.3 N/A: no feedback this March
}


@pytest.fixture
def catalogue_state(runtime, seeded):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        values = {
            "code": "T.0001",
            "name_vi": "Thủ tục riêng của tỉnh",
            "field": "Khác",
            "level": "commune",
            "competent_unit_kind": "commune",
            "time_limit_value": 3,
            "time_limit_unit": "working_days",
            "online_mode": "none",
        }  # no steps, components, applicants, result or legal basis: incomplete
        catalogue.create_procedure(session, SYSTEM, values)
        catalogue.publish(session, SYSTEM, "T.0001")
        catalogue.revise(session, SYSTEM, "1.009994", {"online_mode": "none"})
        catalogue.publish(session, SYSTEM, "1.009994")
        session.commit()


def test_each_resolved_dossier_keeps_its_processing_time(march, runtime):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        kept = dict(
            session.execute(
                text("SELECT code, processing_time FROM dossiers WHERE id = ANY(:ids)"),
                {"ids": [march[letter].id for letter in PROCESSING]},
            ).all()
        )
    assert {letter: str(kept[march[letter].code]) for letter in PROCESSING} == PROCESSING
    assert march["K"].processing_time is None  # not finished


def test_the_provinces_indicators_and_scores_worked_out_by_hand(march, catalogue_state, host_client, seeded):
    admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    response = admin.get(INDICATORS)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    rows = {row["id"]: row for row in body["indicators"]}
    computed = {
        key: (row["value"], row["numerator"], row["denominator"], row["score"])
        for key, row in rows.items()
        if row["status"] == "computed" and row["points"] is not None
    }
    assert computed == PROVINCE
    assert {group["group"]: (group["score"], group["scored_points"]) for group in body["groups"]} == GROUP_SCORES
    assert (body["score"], body["scored_points"], body["score_percent"]) == ("29.08", "60.7", 47.91)
    # 2.2 is per procedure: the marriage's seven resolved dossiers, 31.32 / 7 working days
    assert body["processing_times"] == [
        {"procedure": "1.000894", "average": 4.47, "time_unit": "working_days", "time_limit": 5, "measured": 7}
    ]
    assert rows["2.2"]["status"] == "computed" and rows["2.2"]["points"] is None
    # what the platform has no record for yet is listed with why, and scores nothing
    not_recorded = {key for key, row in rows.items() if row["status"] == "not_recorded"}
    assert not_recorded == {"1.1", "1.2", "1.4", "4.4", "5.1"}
    # no dossier of this March names a person by a 12-digit identity number: 4.5 has nothing to count
    assert rows["4.5"]["status"] == "not_applicable" and rows["4.5"]["score"] is None
    # feedback is recorded now: none in this March, so 5.2 and 5.3 are N/A and score nothing; nor has any
    # of March's dossiers a fee, so the online payment rate (3.6) is N/A too
    assert {rows[key]["status"] for key in ("5.2", "5.3", "3.6")} == {"not_applicable"}
    assert all(rows[key]["why"] and rows[key]["score"] is None for key in not_recorded)
    assert sum(Decimal(i.points) for i in indicators.INDICATORS if i.points is not None) == 100


def test_an_officers_indicators_cover_their_units_without_the_catalogues(march, host_client, seeded):
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])  # commune A and its centre
    body = officer.get(INDICATORS).get_json()
    rows = {row["id"]: row for row in body["indicators"]}
    # all but N: 2.1 = (B + A F + H + J P) / (6 resolved + H + 4 open); 4.1 = A B C F of A B C D E F
    assert (rows["2.1"]["numerator"], rows["2.1"]["denominator"], rows["2.1"]["value"]) == (6, 11, 54.55)
    assert (rows["4.1"]["value"], rows["4.2"]["value"], rows["3.3"]["value"]) == (66.67, 36.36, 9.09)
    assert {key for key in ("1.3", "3.1", "3.2") if rows[key]["status"] == "not_recorded"} == {"1.3", "3.1", "3.2"}
    assert "whole province" in rows["1.3"]["why"]
    assert body["processing_times"][0]["average"] == 5.05  # (31.32 - 1.00) / 6


def test_an_empty_period_is_not_applicable_not_zero(host_client, seeded):
    admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    body = admin.get("/api/v1/statistics/indicators?period=month&value=2001-01").get_json()
    rows = {row["id"]: row for row in body["indicators"]}
    for key in ("2.1", "3.3", "4.1", "4.2"):
        assert (rows[key]["status"], rows[key]["value"], rows[key]["score"]) == ("not_applicable", None, None), key
    assert rows["1.3"]["status"] == rows["3.2"]["status"] == "computed"  # the catalogue exists whatever the period
    assert rows["3.2"]["value"] == 0.0  # no online service received an online dossier


def test_agencies_ranked_with_the_change_since_february(march, host_client, seeded):
    """Dossier indicators only, as the share of the points that could be scored (2.1 20, 3.3 4, 4.1 4.4, 4.2
    4.4: 32.8). March: commune B (N early, no file, no result file) 20 / 32.8 = 60.98 %; commune A (with its
    centre) 2.1 54.55 % -> 10.91, 3.3 9.09 % -> 0.73, 4.1 66.67 % -> 2.93, 4.2 36.36 % -> 2.00: 16.57 / 32.8
    = 50.52 %. February: commune A alone (A open within due, L finished early; no files): 20 / 32.8 = 60.98 %.
    The department received nothing: listed, unranked."""
    units = seeded["alpha"].units
    admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    response = admin.get(RANKING)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["previous_period"]["label"] == "2026-02"
    ranked = [
        (row["unit_id"], row["value"], row["rank"], row["previous_value"], row["previous_rank"], row["change"],
         row["rank_change"])
        for row in body["rows"]
    ]  # fmt: skip
    assert ranked == [
        (units["commune_b"], 60.98, 1, None, None, None, None),
        (units["commune_a"], 50.52, 2, 60.98, 1, -10.46, -1),
        (units["department"], None, None, None, None, None, None),
    ]
    commune_a = body["rows"][1]
    assert commune_a["score"] == "16.57" and commune_a["indicators"]["2.1"] == 54.55

    communes = admin.get(RANKING + "&kind=commune").get_json()["rows"]
    assert [(row["unit_id"], row["rank"]) for row in communes] == [(units["commune_b"], 1), (units["commune_a"], 2)]
    departments = admin.get(RANKING + "&kind=department").get_json()["rows"]
    assert [(row["unit_id"], row["rank"]) for row in departments] == [(units["department"], None)]
    assert admin.get(RANKING + "&kind=province").status_code == 422

    by_rate = admin.get(RANKING + "&indicator=4.1&by=unit").get_json()["rows"]
    assert [(row["unit_id"], row["value"], row["rank"]) for row in by_rate] == [
        (units["commune_a"], 66.67, 1),  # A B C F of A B C D E F, received at commune A itself
        (units["commune_b"], 0.0, 2),
    ]


def test_ranking_stays_within_the_callers_units_and_checks_its_input(march, host_client, seeded):
    units = seeded["alpha"].units
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    rows = officer.get(RANKING).get_json()["rows"]
    assert [row["unit_id"] for row in rows] == [units["commune_a"]]
    assert officer.get(RANKING + f"&unit_id={units['commune_b']}").status_code == 403
    admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    for query, field in (("&indicator=1.3", "indicator"), ("&by=district", "by")):
        response = admin.get(RANKING + query)
        assert response.status_code == 422 and field in str(response.get_json()), response.get_json()
    assert host_client(seeded["alpha"].host).get(RANKING).status_code == 401
    first = admin.get("/api/v1/statistics/ranking?period=month&value=2000-01").get_json()
    assert first["previous_period"] is None and all(row["rank_change"] is None for row in first["rows"])
    # "from" names a custom range's first day; beside a month's value it is not read
    assert admin.get(INDICATORS + "&from=2026-01-01").status_code == 200
    assert host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"]).get(INDICATORS).status_code == 403


def test_the_facts_migration_fills_what_the_document_services_write(march, runtime):
    """Tenant migration c41e7a9b2d58 gives dossiers stored before it the document facts the services now keep."""
    import importlib

    migration = importlib.import_module(
        "motcua_tenants.migrations.tenant.versions.20261207_0200_c41e7a9b2d58_dossier_indicator_facts"
    )
    query = text("SELECT id, has_digitised_components, has_result_file FROM dossiers WHERE id = ANY(:ids) ORDER BY id")
    ids = {"ids": [dossier.id for dossier in march.values()]}
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        kept = session.execute(query, ids).all()
        flagged = {letter for letter, d in march.items() for row in kept if row.id == d.id and row[1]}
        assert flagged == {"B", "C", "E", "F", "J"}  # E's scan counts here; its missing result only in 4.2
        session.execute(text("UPDATE dossiers SET has_digitised_components = false, has_result_file = false"))
        session.execute(text(migration.BACKFILL))
        assert session.execute(query, ids).all() == kept
        session.rollback()


def test_5_4_takes_off_the_dossiers_rated_dissatisfied_or_complained_of(march, runtime, host_client, seeded):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        resolved_on_time = session.get(type(march["A"]), march["A"].id)
        ratings.rate(session, SYSTEM, resolved_on_time, 1, None, via="portal")
        ratings.rate(session, SYSTEM, session.get(type(march["B"]), march["B"].id), 3, None, via="portal")  # satisfied
        complaint = feedback.Submission("reflection", "delay", "Trễ hẹn", "Hồ sơ trễ hẹn.", "An", "0900000000",
                                        dossier_code=march["C"].code)  # fmt: skip
        feedback.submit(session, SYSTEM, complaint)
        session.commit()
    admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    rows = {row["id"]: row for row in admin.get(INDICATORS).get_json()["indicators"]}
    # (7 on time - A rated very dissatisfied - C complained of, late too: the formula adds both rates) / 12
    assert (rows["5.4"]["numerator"], rows["5.4"]["denominator"], rows["5.4"]["value"]) == (5, 12, 41.67)
    assert rows["5.4"]["score"] == "2.78"  # 6 × 41.67 / 90


def test_4_5_counts_the_persons_dossiers_received_after_a_national_sign_in(runtime, seeded):
    """Of the dossiers received in the period that name a person (a 12-digit CCCD, not a tax code), those
    submitted with a checked identity: two of three here; the business's and last year's are not counted."""
    from dossier_support import FORM, MARRIAGE
    from motcua_onestop.dossiers.intake import services as intake
    from motcua_onestop.statistics.periods import Period
    from motcua_platform.plugins.engine import active

    units = seeded["alpha"].units
    when = dt.datetime(2026, 4, 6, 9, 0, tzinfo=dt.UTC)
    cases = [("079090001111", True, when), ("001199000123", True, when), ("001199000124", False, when),
             ("0312345678", True, when), ("001199000125", True, when - dt.timedelta(days=365))]  # fmt: skip
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        for number, verified, at in cases:
            data = intake.Intake(MARRIAGE, units["commune_a"], "counter", "A", FORM, number, identity_verified=verified)
            intake.intake(session, SYSTEM, {units["root"]}, active(), seeded["alpha"].context, data, now=at)
        april = Period("month", "2026-04", dt.date(2026, 4, 1), dt.date(2026, 5, 1))
        assert indicators.identity_part(session, april) == (2, 3)
