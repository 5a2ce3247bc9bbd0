"""Non-transactional migration steps under the real runner (ADR 0051): a test-only plugin, ``zzonline``,
brings a table with rows and a revision that builds a unique index concurrently and backfills in batches.
The index ends valid and the revision is recorded after the steps; a run that fails or is killed part-way
leaves the previous revision, and the next run finishes the work without doing any row twice."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from motcua_platform.db.database import Database, TenantBinding
from motcua_platform.plugins.engine import activate, active, load_plugins
from motcua_tenants.migrations import runner
from plugin_support import install_in_place
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError

PLUGIN = Path(__file__).parent / "zzonline_plugin"
INDEX = "ix_zzonline_items_code"
ROWS = 400

# What a `motcua db upgrade` worker process does for one tenant, in a process the test can kill.
CHILD = """
import sys
import motcua_app  # the composition root installs the areas
from motcua_platform.db.database import Database
from motcua_platform.plugins.engine import activate, load_plugins
from motcua_tenants.migrations import runner
activate(load_plugins(sys.argv[2].split(",")))
db = Database(sys.argv[1], pool_size=1)
runner.upgrade_tenant(db, db.binding(sys.argv[3]))
"""


@pytest.fixture
def zzonline(tmp_path, monkeypatch) -> Iterator[list[str]]:
    """The test plugin discoverable (here and in the processes the runner spawns) and in the allow-list."""
    import_path = install_in_place(PLUGIN, tmp_path / "site")
    for folder in reversed(import_path):
        monkeypatch.syspath_prepend(folder)
    previous = active()
    activate(load_plugins([*previous.names, "zzonline"]))
    try:
        yield import_path
    finally:
        activate(previous)
        for module in [m for m in sys.modules if m.split(".")[0] == "motcua_plugin_zzonline"]:
            del sys.modules[module]


@contextmanager
def bare_tenant(db: Database, slug: str) -> Iterator[TenantBinding]:
    """A tenant schema and role with none of the core tables: the plugin's branch stands alone."""
    binding = db.binding(slug)
    with db.engine.begin() as conn:
        runner.create_role_and_schema(conn, binding)
    try:
        yield binding
    finally:
        with db.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{binding.schema}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))


def state(db: Database, binding: TenantBinding) -> dict:
    """Read as the migrating user: the plugin's revisions, the index (valid? owner?), the rows' backfill."""
    schema = binding.schema
    with db.engine.connect() as conn, conn.begin():
        index = conn.execute(
            text(
                "SELECT i.indisvalid AS valid, pg_get_userbyid(c.relowner) AS owner FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = :name AND c.relnamespace = CAST(:schema AS regnamespace)"
            ),
            {"name": INDEX, "schema": schema},
        ).all()
        rows = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE doubled IS NOT NULL) AS done, "
                "count(*) FILTER (WHERE touched > 1) AS twice, "
                "count(*) FILTER (WHERE doubled IS NOT NULL AND (doubled <> amount * 2 OR touched <> 1)) AS wrong "
                f'FROM "{schema}".zzonline_items'
            )
        ).one()
        revisions = sorted(conn.scalars(text(f'SELECT version_num FROM "{schema}".alembic_version')))
    revisions = [r for r in revisions if r.startswith("zo")]  # the plugin's branch (a full run adds core's)
    return {
        "revisions": revisions,
        "index": [tuple(r) for r in index],
        "done": rows.done,
        "twice": rows.twice,
        "wrong": rows.wrong,
    }


@pytest.mark.committed
def test_the_runner_builds_the_index_concurrently_backfills_and_records_the_revision_after(runtime, seeded, zzonline):
    db = runtime.db
    tenants = [t.slug for t in runner.tenant_revisions(db)]
    try:
        report = runner.upgrade_all(db, workers=2)
        assert not report.failed, [(t.slug, t.error) for t in report.failed]
        assert {t.slug: t.outcome for t in report.tenants} == dict.fromkeys(tenants, "upgraded")
        assert all(t.at_head for t in runner.tenant_revisions(db))
        assert "zo0002" in runner.tenant_heads()
        for slug in ("alpha", "beta"):
            binding = db.binding(slug)
            # Valid, in the tenant's schema and owned by its role: the step ran bound to the tenant.
            assert state(db, binding) == {
                "revisions": ["zo0002"],
                "index": [(True, binding.role)],
                "done": ROWS,
                "twice": 0,
                "wrong": 0,
            }
    finally:
        with db.engine.connect() as conn:
            for slug in tenants:
                with conn.begin():
                    runner.downgrade_tenant_on(conn, db.binding(slug), "zzonline@base")


@pytest.mark.committed
def test_inside_a_callers_transaction_the_steps_run_inline_and_roll_back_with_it(runtime, zzonline):
    """Provisioning and the checks migrate inside their own transaction: there the index is built without
    CONCURRENTLY (which a transaction refuses) and the backfill joins the transaction."""
    db = runtime.db
    binding = TenantBinding("zzinline", "t_zzinline", f"{db.role_prefix}_t_zzinline")
    with db.engine.connect() as conn:
        trans = conn.begin()
        try:
            runner.create_role_and_schema(conn, binding)
            runner.upgrade_tenant_on(conn, binding, "zzonline@head")
            conn.execute(text("SET LOCAL ROLE NONE"))
            assert conn.scalar(
                text("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_zzinline.ix_zzonline_items_code'::regclass")
            )
            assert (
                conn.scalar(
                    text("SELECT count(*) FROM t_zzinline.zzonline_items WHERE touched = 1 AND doubled = amount * 2")
                )
                == ROWS
            )
            assert conn.scalar(text("SELECT version_num FROM t_zzinline.alembic_version")) == "zo0002"
        finally:
            trans.rollback()
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT to_regnamespace('t_zzinline')")) is None  # all of it rolled back


@pytest.mark.committed
def test_a_failed_concurrent_build_and_a_failed_backfill_are_finished_by_the_next_run(runtime, zzonline):
    db = runtime.db
    with bare_tenant(db, "zzfail") as binding:
        assert runner.upgrade_tenant(db, binding, "zo0001") == ["zo0001"]
        items = f'"{binding.schema}".zzonline_items'
        with db.engine.begin() as conn:  # a duplicate code: the unique build fails after its first scan
            conn.execute(text(f"UPDATE {items} SET code = 'c1' WHERE id = 2"))
        with pytest.raises(IntegrityError, match="ix_zzonline_items_code"):
            runner.upgrade_tenant(db, binding)
        failed = state(db, binding)  # the version untouched, the index left invalid, no row backfilled
        assert (failed["revisions"], failed["index"], failed["done"]) == (["zo0001"], [(False, binding.role)], 0)

        with db.engine.begin() as conn:  # the duplicate gone, row 300 overflows the backfill's smallint
            conn.execute(text(f"UPDATE {items} SET code = 'c2' WHERE id = 2"))
            conn.execute(text(f"UPDATE {items} SET amount = 40000 WHERE id = 300"))
        with pytest.raises(DataError, match="out of range"):
            runner.upgrade_tenant(db, binding)
        assert state(db, binding) == {
            "revisions": ["zo0001"],  # the step did not finish: the revision is not recorded
            "index": [(True, binding.role)],  # the invalid one dropped and built again
            "done": 250,  # five batches of 50 committed before the one holding row 300
            "twice": 0,
            "wrong": 0,
        }

        with db.engine.begin() as conn:
            conn.execute(text(f"UPDATE {items} SET amount = 300 WHERE id = 300"))
        assert "zo0002" in runner.upgrade_tenant(db, binding)
        assert state(db, binding) == {
            "revisions": ["zo0002"],
            "index": [(True, binding.role)],
            "done": ROWS,
            "twice": 0,
            "wrong": 0,
        }


@pytest.mark.committed
def test_a_runner_killed_in_the_middle_of_a_backfill_is_resumed_without_doing_a_row_twice(runtime, zzonline):
    db = runtime.db
    with bare_tenant(db, "zzkill") as binding:
        runner.upgrade_tenant(db, binding, "zo0001")
        schema = binding.schema
        with db.engine.begin() as conn:  # slow rows, so the test can kill the process between batches
            conn.execute(
                text(
                    f'CREATE FUNCTION "{schema}".zz_slow() RETURNS trigger LANGUAGE plpgsql '
                    "AS $$ BEGIN PERFORM pg_sleep(0.01); RETURN NEW; END $$"
                )
            )
            conn.execute(
                text(
                    f'CREATE TRIGGER zz_slow BEFORE UPDATE ON "{schema}".zzonline_items '
                    f'FOR EACH ROW EXECUTE FUNCTION "{schema}".zz_slow()'
                )
            )
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([*zzonline, os.environ.get("PYTHONPATH", "")])}
        with subprocess.Popen(
            [sys.executable, "-c", CHILD, db.url, ",".join(active().names), binding.slug],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        ) as child:
            try:
                deadline = time.monotonic() + 120
                while state(db, binding)["done"] < 100:  # at least two batches committed
                    assert child.poll() is None, child.stderr.read()
                    assert time.monotonic() < deadline, "the child made no progress"
                    time.sleep(0.02)
            finally:
                child.send_signal(signal.SIGKILL)  # no-op if it has ended already
                child.wait(timeout=60)
        assert child.returncode == -signal.SIGKILL
        killed = state(db, binding)
        assert killed["revisions"] == ["zo0001"] and killed["index"] == [(True, binding.role)]
        assert 100 <= killed["done"] < ROWS and killed["twice"] == killed["wrong"] == 0

        with db.engine.begin() as conn:
            conn.execute(text(f'DROP TRIGGER zz_slow ON "{schema}".zzonline_items'))
        assert "zo0002" in runner.upgrade_tenant(db, binding)
        assert state(db, binding) == {
            "revisions": ["zo0002"],
            "index": [(True, binding.role)],
            "done": ROWS,
            "twice": 0,
            "wrong": 0,
        }


@pytest.mark.committed
def test_a_batch_still_holding_its_rows_when_the_run_starts_does_not_end_the_backfill(runtime, zzonline):
    """The batch of a killed run may still be finishing when the next run starts (its server-side transaction
    outlives the client): the next run's first batch picks the same rows, waits for their locks, then finds
    them done. That is not the end of the table."""
    db = runtime.db
    with bare_tenant(db, "zzheld") as binding:
        runner.upgrade_tenant(db, binding, "zo0001")
        schema = binding.schema
        with db.engine.begin() as conn:  # built by the earlier run: kept, so the next run goes straight on
            conn.execute(text(f'CREATE UNIQUE INDEX {INDEX} ON "{schema}".zzonline_items (code)'))
        held = db.engine.connect()
        batch = held.begin()
        held.execute(
            text(
                f'UPDATE "{schema}".zzonline_items SET doubled = amount * 2, touched = touched + 1 '
                f'WHERE id IN (SELECT id FROM "{schema}".zzonline_items ORDER BY id LIMIT 50)'
            )
        )
        release = threading.Timer(1.0, batch.commit)
        release.start()
        try:
            assert "zo0002" in runner.upgrade_tenant(db, binding)
        finally:
            release.join()
            held.close()
        assert state(db, binding) == {
            "revisions": ["zo0002"],
            "index": [(True, binding.role)],
            "done": ROWS,
            "twice": 0,
            "wrong": 0,
        }
