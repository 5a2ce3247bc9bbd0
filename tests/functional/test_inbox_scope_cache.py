"""The units an officer's inbox covers are read once and kept with the officer's principal (ADR 0037): the next
list runs no unit statement, yet a unit moved out of (or into) the officer's subtree counts in every process
once the move commits, whoever made it, because a trigger on ``units`` notifies the channel every process's
principal cache listens on.

The other process is a real gunicorn worker whose cache may keep an entry for 300 s: without the trigger,
the test that waits a few seconds for a move to reach it would fail."""

import datetime as dt
import http.client
import json
import time

import pytest
from motcua_app.testing.gunicorn import gunicorn_server
from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.units.models import Unit
from motcua_platform.web.principals import principal_cache
from sqlalchemy import delete, event, select, update
from test_principal_cache import _eventually

OTHER_PROCESS_CACHE_SECONDS = 300


@pytest.fixture(scope="module")
def other_process(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("inbox-scope-instance")
    with gunicorn_server(database_url, instance, MOTCUA_TOKEN_CACHE_SECONDS=str(OTHER_PROCESS_CACHE_SECONDS)) as port:
        yield port


def _total(port: int, host: str, token: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(
            "GET", "/api/v1/dossiers?state=all&page_size=1", headers={"Host": host, "Authorization": f"Bearer {token}"}
        )
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200, body
        return json.loads(response.headers["X-Pagination"])["total"]
    finally:
        conn.close()


def _move(runtime, unit_id: int, parent_id: int) -> None:
    """A move written straight to the table, as a script or another tool would: no API, no version bump."""
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        session.execute(update(Unit).where(Unit.id == unit_id).values(parent_id=parent_id))
        session.commit()


def test_the_next_list_reads_no_units(app, runtime, seeded, host_client):
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    with app.app_context():
        assert principal_cache().wait_listening()
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    assert officer.get("/api/v1/dossiers").status_code == 200
    event.listen(runtime.db.engine, "before_cursor_execute", record)
    try:
        assert officer.get("/api/v1/dossiers?state=all").status_code == 200
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", record)
    assert statements and not [s for s in statements if "units" in s], statements


@pytest.fixture
def outside_unit(runtime, seeded):
    """A unit under the province, outside the officer's subtree, with one open dossier; written straight to
    the tables (nothing audited or metered) and committed, as the other process must see them; removed
    afterwards."""
    alpha = seeded["alpha"]
    now = dt.datetime.now(dt.UTC)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        unit = Unit(kind="commune", code=f"000.00.99.X{time.monotonic_ns() % 100:02d}", name="Outside",
                    parent_id=alpha.units["root"])  # fmt: skip
        session.add(unit)
        session.flush()
        dossier = Dossier(
            code=f"SCOPE-{time.monotonic_ns()}", procedure_id=session.scalar(select(Procedure.id).limit(1)),
            receiving_unit_id=unit.id, channel="counter", applicant_name="Nguyễn Văn A", form_data={}, fees=[],
            total_fee=0, status=2, submitted_at=now, received_at=now, due_at=now + dt.timedelta(days=7),
        )  # fmt: skip
        session.add(dossier)
        session.commit()
        unit_id, dossier_id = unit.id, dossier.id
    yield unit_id
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        session.execute(delete(Dossier).where(Dossier.id == dossier_id))
        session.execute(delete(Unit).where(Unit.id == unit_id))
        session.commit()


@pytest.mark.committed
def test_a_unit_moved_into_and_out_of_an_officers_subtree_counts_in_another_process(
    runtime, seeded, outside_unit, other_process
):
    alpha = seeded["alpha"]
    token = alpha.tokens["officer"]  # officer of commune_a
    before = _total(other_process, alpha.host, token)
    time.sleep(0.5)  # the first request started the worker's listener; from now on the scope is kept
    assert _total(other_process, alpha.host, token) == before
    _move(runtime, outside_unit, alpha.units["commune_a"])
    assert _eventually(lambda: _total(other_process, alpha.host, token) == before + 1), (
        "the other process does not list the dossier of a unit moved into the officer's subtree"
    )
    _move(runtime, outside_unit, alpha.units["root"])
    assert _eventually(lambda: _total(other_process, alpha.host, token) == before), (
        "the other process still lists the dossier of a unit moved out of the officer's subtree"
    )
