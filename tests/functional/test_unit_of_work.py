"""One unit of work per request and per job: the request commits once after a successful view, an error
leaves nothing written, after-commit callbacks run only after that commit and never fail the answer."""

import logging

import pytest
from motcua_onestop.units import services as unit_services
from motcua_onestop.units.models import Unit
from motcua_platform.db.unit_of_work import UnitOfWork
from motcua_platform.directory.models import Tenant
from motcua_platform.errors import Conflict
from motcua_platform.jobs import unit_of_work
from motcua_platform.web.context import on_commit
from sqlalchemy import select


def unit_body(seeded, code):
    return {"kind": "department", "code": code, "name": "Sở Thử", "parent_id": seeded["alpha"].units["root"]}


def unit_exists(runtime, code) -> bool:
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        return session.scalar(select(Unit.id).where(Unit.code == code)) is not None


def units_version(runtime) -> int:
    with runtime.db.control_session() as control:
        return control.scalar(select(Tenant.units_version).where(Tenant.slug == "alpha"))


@pytest.fixture
def create_unit_then(monkeypatch):
    """Make the units service create the unit (and write its audit record), then do ``after()``."""

    def patch(after):
        original = unit_services.create_unit

        def create_unit(session, *args, **kwargs):
            unit = original(session, *args, **kwargs)
            session.flush()  # the rows are in the database's transaction
            after()
            return unit

        monkeypatch.setattr(unit_services, "create_unit", create_unit)

    return patch


def test_a_view_that_commits_nothing_by_hand_is_committed_with_its_cache_bump(alpha, seeded, runtime):
    before = units_version(runtime)
    created = alpha.post("/api/v1/units", json=unit_body(seeded, "000.00.31.A01"))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["id"] is not None  # flushed before the answer was written
    assert unit_exists(runtime, "000.00.31.A01")
    assert units_version(runtime) == before + 1  # the after-commit bump ran


@pytest.mark.parametrize(
    ("failure", "status"),
    [(Conflict("refused after writing"), 409), (RuntimeError("a bug after writing"), 500)],
)
def test_a_view_that_fails_after_writing_leaves_nothing(alpha, seeded, runtime, create_unit_then, failure, status):
    def fail():
        raise failure

    before = units_version(runtime)
    create_unit_then(fail)
    response = alpha.post("/api/v1/units", json=unit_body(seeded, "000.00.32.A01"))
    assert response.status_code == status
    assert not unit_exists(runtime, "000.00.32.A01")
    assert [e["action"] for e in alpha.get("/api/v1/tenant-audit").get_json()].count("unit.create") == 0
    assert units_version(runtime) == before  # content_changed registered its bump; it never ran


def test_after_commit_callbacks_run_once_after_a_success_and_never_after_a_failure(
    alpha, seeded, runtime, create_unit_then
):
    calls = []
    create_unit_then(lambda: on_commit(lambda: calls.append(unit_exists(runtime, "000.00.33.A01"))))
    assert alpha.post("/api/v1/units", json=unit_body(seeded, "000.00.33.A01")).status_code == 201
    assert calls == [True]  # once, and the unit was committed by then

    def register_then_fail():
        on_commit(lambda: calls.append("ran"))
        raise Conflict("no")

    create_unit_then(register_then_fail)
    assert alpha.post("/api/v1/units", json=unit_body(seeded, "000.00.34.A01")).status_code == 409
    assert calls == [True]


def test_a_failing_after_commit_callback_does_not_fail_the_answer(alpha, seeded, runtime, create_unit_then, caplog):
    def boom():
        raise RuntimeError("cache server down")

    create_unit_then(lambda: on_commit(boom))
    with caplog.at_level(logging.ERROR, logger="motcua_platform.db.unit_of_work"):
        created = alpha.post("/api/v1/units", json=unit_body(seeded, "000.00.35.A01"))
    assert created.status_code == 201, created.get_json()
    assert unit_exists(runtime, "000.00.35.A01")
    assert "cache server down" in caplog.text


class JobContext:
    def __init__(self, runtime):
        self.additional_context = {"runtime": runtime}


def test_a_job_that_raises_leaves_nothing_and_runs_no_callback(runtime, seeded):
    calls = []
    with pytest.raises(RuntimeError), unit_of_work(JobContext(runtime)) as work:
        session = work.tenant_session(runtime.db.binding("alpha"))
        session.add(
            Unit(kind="department", code="000.00.36.A01", name="Sở Thử", parent_id=seeded["alpha"].units["root"])
        )
        session.flush()
        work.on_commit(lambda: calls.append("ran"))
        raise RuntimeError("the job fails half-way")
    assert not unit_exists(runtime, "000.00.36.A01")
    assert calls == []


def test_a_job_that_returns_is_committed_tenant_and_control_plane_alike(runtime, seeded):
    calls = []
    with unit_of_work(JobContext(runtime)) as work:
        session = work.tenant_session(runtime.db.binding("alpha"))
        session.add(
            Unit(kind="department", code="000.00.37.A01", name="Sở Thử", parent_id=seeded["alpha"].units["root"])
        )
        tenant = work.control_session().scalar(select(Tenant).where(Tenant.slug == "alpha"))
        tenant.units_version += 1
        expected = tenant.units_version
        work.on_commit(lambda: calls.append(unit_exists(runtime, "000.00.37.A01")))
    assert calls == [True]
    assert unit_exists(runtime, "000.00.37.A01")
    assert units_version(runtime) == expected


def test_a_unit_of_work_never_spans_two_tenants(runtime, seeded):
    with UnitOfWork(runtime.db) as work:
        work.tenant_session(runtime.db.binding("alpha"))
        with pytest.raises(ValueError, match="alpha"):
            work.tenant_session(runtime.db.binding("beta"))
