"""The officer inbox's lists: open dossiers by default, states, the capped total and cursor pagination
(X-Pagination), and every filter for a province-level officer (no unit condition) as for a commune's."""

import dataclasses
import datetime as dt
import json

import pytest
from dossier_support import citizen_client, intake_body, move
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.models import Dossier, Status
from motcua_onestop.dossiers.workflow.models import CLOCK_STATUSES, OPEN_STATUSES
from sqlalchemy import select


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


@pytest.fixture
def admin(host_client, seeded):  # tenant_admin on the province's root unit: covers every unit
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])


def receive(client, seeded):
    response = client.post("/api/v1/dossiers", json=intake_body(seeded))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def codes(response):
    assert response.status_code == 200, response.get_json()
    return [d["code"] for d in response.get_json()]


def meta(response):
    return json.loads(response.headers["X-Pagination"])


def walk_by_cursor(client, query, page_size):
    found, cursor, pages = [], None, 0
    while True:
        url = f"/api/v1/dossiers?{query}&page_size={page_size}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url)
        found += codes(response)
        pages += 1
        cursor = meta(response).get("next_cursor")
        if cursor is None:
            return found, pages


def walk_by_page(client, query):
    found, page = [], 1
    while True:
        response = client.get(f"/api/v1/dossiers?{query}&page_size=100&page={page}")
        found += codes(response)
        if "next_page" not in meta(response):
            return found
        page += 1


def test_open_statuses_are_those_the_state_machine_can_still_move():
    assert set(OPEN_STATUSES) == {int(s) for s, targets in services.TRANSITIONS.items() if targets}
    assert set(CLOCK_STATUSES) == {Status.RECEIVED, Status.PROCESSING, Status.PAYMENT}


def test_inbox_shows_open_dossiers_by_default_and_closed_ones_on_request(officer, admin, seeded):
    open_code, stopped_code = receive(officer, seeded), receive(officer, seeded)
    assert move(officer, stopped_code, 4, 1).status_code == 200
    assert move(officer, stopped_code, 7, 2).status_code == 200  # withdrawn: still open (to be stopped)
    assert stopped_code in codes(officer.get("/api/v1/dossiers?page_size=100"))
    assert move(officer, stopped_code, 8, 3, comment="Công dân rút hồ sơ").status_code == 200  # stopped: final
    for client in (officer, admin):
        default = codes(client.get("/api/v1/dossiers?page_size=100"))
        assert open_code in default and stopped_code not in default
        assert stopped_code in codes(client.get("/api/v1/dossiers?state=closed&page_size=100"))
        assert open_code not in codes(client.get("/api/v1/dossiers?state=closed&page_size=100"))
        everything = codes(client.get("/api/v1/dossiers?state=all&page_size=100"))
        assert {open_code, stopped_code} <= set(everything)
        assert stopped_code in codes(client.get("/api/v1/dossiers?status=8&page_size=100"))  # status: any state
        assert codes(client.get("/api/v1/dossiers?status=8&state=open")) == []
    bad = officer.get("/api/v1/dossiers?state=finished")
    assert bad.status_code == 422 and "state" in bad.get_json()["errors"]


def test_cursor_pages_follow_the_order_of_numbered_pages(officer, admin, seeded):
    for _ in range(5):
        receive(officer, seeded)
    for client in (officer, admin):
        expected = walk_by_page(client, "state=all")
        assert len(expected) >= 5
        found, pages = walk_by_cursor(client, "state=all", page_size=2)
        assert found == expected  # same order, nothing skipped or repeated
        assert pages == (len(expected) + 1) // 2
    first = officer.get("/api/v1/dossiers?page_size=2")
    header = meta(first)
    assert header["total_exact"] is True and header["total"] >= 5 and header["page"] == 1
    assert header["next_page"] == 2 and header["last_page"] == header["total_pages"]
    following = officer.get(f"/api/v1/dossiers?page_size=2&cursor={header['next_cursor']}")
    assert codes(following) == codes(officer.get("/api/v1/dossiers?page_size=2&page=2"))
    after = meta(following)
    assert after["total"] == header["total"]  # the whole list, not just what follows the cursor
    assert "page" not in after and "next_page" not in after  # page numbers mean nothing after a cursor


def test_order_is_soonest_due_first_with_no_due_date_last(officer, admin, seeded, host_client):
    citizen = citizen_client(host_client, seeded)
    submitted = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online")).get_json()["code"]
    received = receive(officer, seeded)
    listed = walk_by_page(admin, "state=open")
    assert listed.index(received) < listed.index(submitted)  # an online submission has no due date yet
    found, _ = walk_by_cursor(admin, "state=open", page_size=3)
    assert found == listed


def test_total_is_exact_up_to_the_cap_then_more_than(officer, seeded, app, monkeypatch):
    runtime = app.extensions["motcua"]
    for _ in range(3):
        receive(officer, seeded)
    monkeypatch.setattr(runtime, "config", dataclasses.replace(runtime.config, list_count_cap=2))
    response = officer.get("/api/v1/dossiers?page_size=1")
    header = meta(response)
    assert header["total"] == 2 and header["total_exact"] is False
    assert "total_pages" not in header and "last_page" not in header
    assert header["page"] == 1 and header["next_page"] == 2 and header["next_cursor"]
    second = meta(officer.get("/api/v1/dossiers?page_size=1&page=2"))
    assert second["previous_page"] == 1 and second["total_exact"] is False
    monkeypatch.setattr(runtime, "config", dataclasses.replace(runtime.config, list_count_cap=100_000))
    exact = meta(officer.get("/api/v1/dossiers?page_size=1"))
    assert exact["total_exact"] is True and exact["total"] >= 3 and exact["last_page"] == exact["total"]


@pytest.mark.parametrize(
    "query",
    [
        "cursor=not-a-cursor",
        "cursor=WyJ4Il0",  # ["x"]: one value, and not a date
        "cursor=WyJ4IiwiMSJd",  # ["x","1"]: not a date
        "cursor=WyIyMDI2LTAxLTAxIiwiMSJd",  # ["2026-01-01","1"]: no time zone
        "cursor=WyJpbmZpbml0eSIsIjFhIl0",  # ["infinity","1a"]: not an id
        "cursor=WyJpbmZpbml0eSIsIjEiXQ&page=2",  # a valid cursor with a page number
        "cursor=WyJpbmZpbml0eSIsIjk5OTk5OTk5OTk5OTk5OTk5OTkiXQ",  # ["infinity","9999999999999999999"]: > bigint
        "cursor=WyJpbmZpbml0eSIsIi0tMSJd",  # ["infinity","--1"]
        "cursor=WyJpbmZpbml0eSIsIlx1MDBiMiJd",  # ["infinity","²"]: a digit to isdigit(), not to int()
    ],
)
def test_a_bad_cursor_is_a_422_naming_it(officer, query):
    response = officer.get(f"/api/v1/dossiers?{query}")
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == "validation_error"
    assert "cursor" in body["errors"]


def test_a_forged_but_well_formed_cursor_just_continues(officer, seeded):
    receive(officer, seeded)
    assert officer.get("/api/v1/dossiers?cursor=WyJpbmZpbml0eSIsIjEiXQ").status_code == 200  # ["infinity","1"]
    # an ISO week date is a date to Python; it reaches PostgreSQL re-written as an ordinary timestamp
    week_date = "WyIyMDI2LVc0Ny0xVDAwOjAwKzAwOjAwIiwiMSJd"  # ["2026-W47-1T00:00+00:00","1"]
    assert officer.get(f"/api/v1/dossiers?cursor={week_date}").status_code == 200


def test_every_filter_for_the_whole_tenant_and_for_a_commune(runtime, seeded, officer):
    """The province-level list has no unit condition; both must give the same answers for commune A."""
    code = receive(officer, seeded)
    units = seeded["alpha"].units
    binding = runtime.db.binding("alpha")
    with runtime.db.tenant_session(binding) as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        due = dossier.due_at
        root = units["root"]
        now_late = due + dt.timedelta(hours=1)

        def listed(unit, **filters):
            query = services.inbox_query(session, {unit}, services.InboxFilter(**filters), now=now_late)
            return [d.code for d in session.scalars(query.limit(1000))]

        for unit in (root, units["commune_a"]):
            assert code in listed(unit) and code in listed(unit, state="all")
            assert code not in listed(unit, state="closed")
            assert code in listed(unit, status=2) and code not in listed(unit, status=4)
            assert code in listed(unit, overdue=True) and code not in listed(unit, overdue=False)
            assert code in listed(unit, due_before=due + dt.timedelta(seconds=1))
            assert code not in listed(unit, due_before=due)
            assert code not in listed(unit, due_soon=8)  # already late
            assert code not in listed(unit, step_unit=True)  # not in processing
        assert code not in listed(units["commune_b"])


def test_a_commune_officers_all_states_list_is_every_dossier_of_its_units_in_order(
    officer, seeded, runtime, host_client
):
    """The commune's list is cut to the page on its keys before its rows are read: by page and by cursor it
    must still hold exactly the units' dossiers, open and finished, soonest due first, no due date last."""
    citizen = citizen_client(host_client, seeded)
    assert citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online")).status_code == 201
    stopped = receive(officer, seeded)
    for version, status in enumerate((4, 7, 8), start=1):  # processing, withdrawn, stopped: final
        assert move(officer, stopped, status, version, comment="Công dân rút hồ sơ").status_code == 200
    for _ in range(3):
        receive(officer, seeded)
    receive(host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"]), seeded)  # maybe elsewhere
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        mine = services.officer_units(session, {seeded["alpha"].units["commune_a"]})
        rows = session.scalars(select(Dossier).where(Dossier.receiving_unit_id.in_(mine))).all()
        infinity = dt.datetime.max.replace(tzinfo=dt.UTC)
        expected = [d.code for d in sorted(rows, key=lambda d: (d.effective_due_at or infinity, d.id))]
    assert len(expected) >= 5 and stopped in expected
    assert walk_by_page(officer, "state=all") == expected
    assert walk_by_cursor(officer, "state=all", page_size=2)[0] == expected
    assert meta(officer.get("/api/v1/dossiers?state=all&page_size=2"))["total"] == len(expected)


def test_an_officers_list_paged_without_a_cap_counts_the_whole_list(officer, seeded, runtime):
    """A commune officer's list picks its page's keys first (keys_first); the total must still count the
    whole list, not the rows the page kept."""
    from flask_smorest.pagination import PaginationParameters
    from motcua_platform.web.pagination import paginate

    for _ in range(4):
        receive(officer, seeded)
    commune = {seeded["alpha"].units["commune_a"]}
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        query = services.inbox_query(session, commune, services.InboxFilter())
        assert query.get_execution_options().get("keys_first")
        every = session.scalars(query).all()
        pagination = PaginationParameters(1, 2)
        page = paginate(session, query, pagination, keyset=services.inbox_order(query))
    assert len(every) >= 4 and len(page) == 2
    assert pagination.item_count == len(every) and pagination.total_exact
    assert [d.id for d in page] == [d.id for d in every[:2]]


def test_the_inbox_answer_is_byte_for_byte_the_summary_schemas_dump(officer, admin, seeded, runtime, app):
    """The list is read as columns and written without marshmallow (issue 14): the body must stay exactly
    what DossierSummarySchema and the app's JSON made of the whole dossiers, for a commune officer (keys
    first) and for the province admin (no unit condition)."""
    from motcua_onestop.dossiers.schemas import DossierSummarySchema

    for _ in range(3):
        receive(officer, seeded)
    for client in (officer, admin):
        response = client.get("/api/v1/dossiers?state=all&page_size=20")
        assert response.status_code == 200
        listed = [d["code"] for d in response.get_json()]
        assert len(listed) >= 3
        with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
            found = {d.code: d for d in session.scalars(select(Dossier).where(Dossier.code.in_(listed)))}
            with app.app_context():
                expected = app.json.response(DossierSummarySchema(many=True).dump([found[c] for c in listed]))
        assert response.get_data() == expected.get_data()


def test_a_list_of_a_known_shape_runs_its_compiled_statement_on_fresh_rows(officer, admin, seeded, runtime):
    """The statement of a list without a cursor or a clock is kept per scope and filters (issue 14): the
    next request runs it as plain SQL (tables named without a schema, the binding's search path finds
    them) and sees rows written since; another officer's scope has its own; a page past the end still
    counts; a cursor page is built as before."""
    from motcua_platform.web.pagination import PAGE_STATEMENTS
    from sqlalchemy import event

    PAGE_STATEMENTS.clear()
    for _ in range(3):
        receive(officer, seeded)
    before = officer.get("/api/v1/dossiers?page_size=2")
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(runtime.db.engine, "before_cursor_execute", record)
    try:
        added = receive(officer, seeded)
        statements.clear()
        after = officer.get("/api/v1/dossiers?page_size=2&state=open")  # the same filters, spelt out
        assert meta(after)["total"] == meta(before)["total"] + 1
        page = [s for s in statements if "_total" in s]
        assert len(page) == 1 and "FROM dossiers" in page[0] and "t_alpha." not in page[0], page
        # the page's size and offset in the SQL itself, not bound: a prepared statement's generic plan of a
        # bound limit expects a tenth of the table and joins the page back to its rows by hashing all of it
        assert "LIMIT 3 OFFSET 0" in page[0], page
        assert added in walk_by_page(officer, "state=open")
        elsewhere = admin.post(
            "/api/v1/dossiers", json=intake_body(seeded, receiving_unit_id=seeded["alpha"].units["commune_b"])
        )
        assert elsewhere.status_code == 201, elsewhere.get_json()
        everyone = admin.get("/api/v1/dossiers?page_size=2")
        assert (
            meta(everyone)["total"] > meta(after)["total"] == meta(officer.get("/api/v1/dossiers?page_size=2"))["total"]
        )
        past = officer.get("/api/v1/dossiers?page_size=2&page=999")
        assert codes(past) == [] and meta(past)["total"] == meta(after)["total"]
        statements.clear()
        by_cursor = officer.get(f"/api/v1/dossiers?page_size=2&cursor={meta(after)['next_cursor']}")
        assert by_cursor.status_code == 200
        assert any("t_alpha.dossiers" in s for s in statements), statements  # built per request
        assert any("LIMIT 3 OFFSET 0" in s for s in statements if "_total" in s), statements
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", record)
