"""The portal's public statistics page through real HTTP, on the hand-built March 2026 of statistics_support
(expected figures as in test_statistics and test_indicators): anonymous, in both languages, with clear errors."""

import re

from portal_support import words as text_of

MARCH = "/statistics?period=month&value=2026-03"


def test_the_months_figures_for_everyone(march, alpha, seeded):
    response = alpha.get(MARCH, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    words = text_of(response)
    assert "Month 3/2026 (01/03/2026 – 31/03/2026)" in words
    assert "Dossiers received 12 Online: 1 (8.3 %)" in words  # B C D E F G H J K N P Q; online C
    assert "Resolved 7 On time or early: 57.14 %" in words
    assert "Still being processed 4 Past the deadline: 2" in words  # J K P Q; K Q
    assert "At the counter : 10 (83.3 %)" in words and "By post : 1 (8.3 %)" in words
    assert "Before the deadline : 2 (28.6 %)" in words and "Late : 3 (42.9 %)" in words  # B N; C D E
    assert "1 withdrawn by the applicant, 1 stopped, 1 not accepted at intake" in words
    # by agency, busiest first: commune A (11 received, 6 resolved, 50 % on time, 2 past due), commune B
    assert re.search(r"commune_a of Tỉnh Alpha 11 1 6 50.0 % 2 commune_b of Tỉnh Alpha 1 0 1 100.0 % 0", words)
    # ranked: commune B 60.98 %, new; commune A 50.52 %, down from first in February
    ranked = r"1 commune_b of Tỉnh Alpha 60.98 % new 2 commune_a of Tỉnh Alpha 50.52 % down 1 \(-10.46\)"
    assert re.search(ranked, words)

    vietnamese = text_of(alpha.get(MARCH, headers={"Accept-Language": "vi"}))
    assert "Tháng 3/2026" in vietnamese and "Hồ sơ đã tiếp nhận 12 Trực tuyến: 1 (8.3 %)" in vietnamese


def test_a_field_or_an_agency_narrows_the_figures(march, alpha, seeded):
    units = seeded["alpha"].units
    words = text_of(alpha.get(MARCH + f"&unit={units['commune_b']}", headers={"Accept-Language": "en"}))
    assert "Dossiers received 1 Online: 0 (0.0 %)" in words and "Agencies ranked" not in words
    words = text_of(alpha.get(MARCH + "&field=Đất+đai", headers={"Accept-Language": "en"}))
    assert "Dossiers received 0" in words and "No dossier in this period." in words


def test_bad_choices_are_a_clear_422_and_the_page_still_answers(march, alpha, seeded):
    for query, field, message in (
        ("period=fortnight", "period", "Choose a month, a quarter or a year."),
        ("period=month&value=2026-13", "value", "Choose one of the periods listed."),
        ("period=month&value=2026-03&field=Nope", "field", "Choose one of the fields listed."),
        ("period=month&value=2026-03&unit=999999", "unit", "Choose one of the agencies listed."),
        ("period=month&value=2026-03&unit=abc", "unit", "Choose one of the agencies listed."),
        ("period=month&value=2026-03&unit=²", "unit", "Choose one of the agencies listed."),  # a digit, not ASCII
        ("period=year&value=2099", "value", "Choose one of the periods listed."),  # no figures yet
    ):
        response = alpha.get(f"/statistics?{query}", headers={"Accept-Language": "en"})
        assert response.status_code == 422, query
        page = response.get_data(as_text=True)
        assert f'href="#field-{field}"' in page and message in page and 'aria-invalid="true"' in page, query
    department = seeded["alpha"].units["department"]
    assert alpha.get(f"/statistics?period=month&value=2026-03&unit={department}").status_code == 200
    assert alpha.get("/statistics?period=year&value=2000").status_code == 200  # the first year: no year before


def test_walking_through_every_period_is_limited_per_client(alpha, runtime):
    """Each question nobody asked recently costs statements: a client asking one after another is stopped
    (the tracking budget); asking the same page again is answered from the cache and costs nothing."""
    budget = runtime.config.tracking_per_minute
    months = [f"{2000 + n // 12}-{n % 12 + 1:02d}" for n in range(budget + 2)]
    statuses = [alpha.get(f"/statistics?period=month&value={month}").status_code for month in months]
    assert statuses[:budget] == [200] * budget and statuses[-1] == 429, statuses
    assert alpha.get(f"/statistics?period=month&value={months[0]}").status_code == 200  # asked already: cached
