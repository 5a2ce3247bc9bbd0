"""The console's statistics through the test client, logged in as staff: the hand-built March 2026 of
statistics_support grouped and filtered, the QĐ 766 scorecard and the ranking beside it, and each number
opening the very dossiers it counted (expected figures as in test_statistics and test_indicators)."""

import re

import pytest
from portal_support import console_client
from portal_support import words as words_of

MARCH = "/console/statistics?period=month&value=2026-03"


def logged_in(host_client, seeded, email):
    return console_client(host_client, seeded["alpha"].host, email)


@pytest.fixture
def admin(host_client, seeded):
    return logged_in(host_client, seeded, "admin@alpha.test")


def codes_behind(client, link: str) -> set[str]:
    page = client.get(link.replace("&amp;", "&"))
    assert page.status_code == 200, page.get_data(as_text=True)
    return set(re.findall(r'href="/console/dossiers/([^"]+)"', page.get_data(as_text=True)))


def test_the_month_by_unit_with_every_number_opening_its_dossiers(march, admin, seeded):
    page = admin.get(MARCH, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    words = words_of(page)
    # commune A: carried over A; 11 received (C online); resolved 6 (1 early, 2 on time, 3 late); open 4, 2 past due
    assert re.search(r"commune_a of Tỉnh Alpha 1 11 1 6 1 2 3 4 2 1 1 1 50.0 %", words), words
    assert re.search(r"Total 1 12 1 7 2 2 3 4 2 1 1 1 57.14 %", words), words
    assert "2.1 Dossiers resolved or in process on time 58.33 % 7 / 12 11.67 / 20" in words
    assert "commune_b of Tỉnh Alpha 60.98 %" in words

    html = page.get_data(as_text=True)
    # the total row's links come last: the whole slice's dossiers behind each number
    found = re.findall(r'href="(/console/statistics/dossiers\?number=(\w+)[^"]*)"', html)
    by_number = {number: link for link, number in found}
    late = codes_behind(admin, by_number["resolved_late"])
    assert late == {march[letter].code for letter in "CDE"}
    past_due = codes_behind(admin, by_number["pending_past_due"])
    assert past_due == {march[letter].code for letter in "KQ"}
    carried = codes_behind(admin, by_number["carried_over"])
    assert carried == {march["A"].code}


def test_grouped_by_channel_and_the_officer_sees_only_their_units(march, admin, host_client, seeded):
    page = admin.get(MARCH + "&group_by=channel", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    online = re.search(r'href="(/console/statistics/dossiers\?number=received&amp;[^"]*key=online[^"]*)"', html)
    assert online and codes_behind(admin, online.group(1)) == {march["C"].code}

    officer = logged_in(host_client, seeded, "officer@alpha.test")
    words = words_of(officer.get(MARCH, headers={"Accept-Language": "en"}))
    assert "commune_a of Tỉnh Alpha" in words and "commune_b of Tỉnh Alpha 0" not in words
    assert "Total 1 11 1 6" in words
    commune_b = seeded["alpha"].units["commune_b"]
    refused = officer.get(MARCH + f"&unit_id={commune_b}", headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and "Choose one of your units." in refused.get_data(as_text=True)
    behind = officer.get(f"/console/statistics/dossiers?number=received&period=month&value=2026-03&unit_id={commune_b}")
    assert behind.status_code == 404  # not one of theirs: nothing to list


def test_from_one_date_to_another(march, admin):
    """Custom dates, written as the period's label: March as two dates gives March's numbers, and a number
    opens its dossiers for those dates; the first half of March sees B, C, D, E... received by the 15th."""
    whole = words_of(admin.get(MARCH, headers={"Accept-Language": "en"}))
    dates = admin.get(
        "/console/statistics?period=custom&value=2026-03-01..2026-03-31", headers={"Accept-Language": "en"}
    )
    assert dates.status_code == 200
    total = re.search(r"Total [0-9 .%]+", whole).group(0)
    assert total in words_of(dates) and "01/03/2026 – 31/03/2026" in words_of(dates)
    html = dates.get_data(as_text=True)
    link = dict((n, u) for u, n in re.findall(r'href="(/console/statistics/dossiers\?number=(\w+)[^"]*)"', html))
    assert "value=2026-03-01..2026-03-31" in link["carried_over"]
    assert codes_behind(admin, link["carried_over"]) == {march["A"].code}
    half = admin.get(
        "/console/statistics?period=custom&value=2026-03-01..2026-03-15", headers={"Accept-Language": "en"}
    )
    assert half.status_code == 200 and "01/03/2026 – 15/03/2026" in words_of(half)


def test_bad_input_is_a_clear_422_and_anonymous_goes_to_log_in(march, admin, host_client, seeded):
    for query, field in (("period=fortnight", "period"), ("period=month&value=2026-13", "value"),
                         ("period=month&value=2026-03&group_by=colour", "group_by"),
                         ("period=custom&value=2026-03-31..2026-03-01", "value"),
                         ("period=custom&value=March", "value")):  # fmt: skip
        response = admin.get(f"/console/statistics?{query}", headers={"Accept-Language": "en"})
        assert response.status_code == 422, query
        assert f'href="#field-{field}"' in response.get_data(as_text=True), query
    assert admin.get("/console/statistics/dossiers?number=colour&period=month&value=2026-03").status_code == 404
    anonymous = host_client(seeded["alpha"].host).get(MARCH)
    assert anonymous.status_code == 303 and "/console/login" in anonymous.headers["Location"]


def test_agencies_ranked_by_one_indicator(march, admin, seeded):
    page = admin.get(MARCH + "&rank_by=4.1", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    words = words_of(page)
    # 4.1: commune A 4 of 6 resolved with their result as a file, commune B 0 of 1 (test_indicators)
    assert re.search(r"1 commune_a of Tỉnh Alpha 66.67 % .* 2 commune_b of Tỉnh Alpha 0.0 %", words), words
    assert 'value="4.1" selected' in page.get_data(as_text=True)
    departments = words_of(admin.get(MARCH + "&among=department", headers={"Accept-Language": "en"}))
    assert "department of Tỉnh Alpha" in departments.split("Agencies ranked")[1]
    assert "commune_b of Tỉnh Alpha" not in departments.split("Agencies ranked")[1].split("Rank Agency")[1]
    assert admin.get(MARCH + "&among=planet").status_code == 422
    bad = admin.get(MARCH + "&rank_by=1.3", headers={"Accept-Language": "en"})
    assert bad.status_code == 422 and 'href="#field-rank_by"' in bad.get_data(as_text=True)
