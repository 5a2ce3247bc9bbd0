"""The home and search pages are drawn once and shared by visitors without a session (motcua_portal.shared_pages):
the same page for the same address and language, never a citizen's page, and a catalogue change shows at once."""

from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_portal.shared_pages import PAGES
from portal_support import log_in

SEARCH = "/procedures?q=khai+tu"


def test_visitors_without_a_session_share_one_drawn_page_per_address_and_language(host_client, seeded):
    host = seeded["alpha"].host
    first = host_client(host, language="vi").get(SEARCH)
    assert first.status_code == 200 and len(PAGES._entries) == 1
    again = host_client(host, language="vi").get(SEARCH)
    assert again.get_data() == first.get_data() and len(PAGES._entries) == 1
    english = host_client(host, language="en").get(SEARCH).get_data(as_text=True)
    assert '<html lang="en">' in english and len(PAGES._entries) == 2
    host_client(host, language="vi").get("/")
    assert len(PAGES._entries) == 3
    host_client(host, language="vi").get(SEARCH + "&page=9")
    assert len(PAGES._entries) == 3  # deep pages are not kept, as their search results are not


def test_a_signed_in_citizen_neither_gets_nor_leaves_a_shared_page(host_client, seeded):
    host = seeded["alpha"].host
    anonymous = host_client(host, language="vi").get(SEARCH).get_data(as_text=True)
    assert 'href="/my/dossiers"' not in anonymous
    citizen = host_client(host, language="vi")
    log_in(citizen, "citizen@alpha.test", TEST_PASSWORD)
    page = citizen.get(SEARCH).get_data(as_text=True)
    assert 'href="/my/dossiers"' in page and 'name="csrf_token"' in page  # their own page, with the logout form
    assert len(PAGES._entries) == 1
    assert 'href="/my/dossiers"' not in host_client(host, language="vi").get(SEARCH).get_data(as_text=True)


def test_a_catalogue_change_shows_on_the_shared_page_at_once(alpha, host_client, seeded):
    public = host_client(seeded["alpha"].host, language="vi")
    assert 'href="/procedures/1.000656"' in public.get(SEARCH).get_data(as_text=True)
    assert alpha.post("/api/v1/procedures/1.000656/retire").status_code == 200
    assert 'href="/procedures/1.000656"' not in public.get(SEARCH).get_data(as_text=True)
