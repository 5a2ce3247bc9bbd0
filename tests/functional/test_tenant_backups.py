"""Per-tenant backup and restore against the real database and a real S3-compatible server (moto's):
back up a province with dossiers and documents, restore it as a new tenant, compare every row and every
object; damaged or newer backups refused with nothing created; an interrupted restore leaves no tenant;
the daily job writes backups and keeps the newest N (suspended tenants' too). Objects deleted while a backup
runs (a document, a submitted draft's file, a replaced logo) fail it; files are 0600, folders 0700, synced; a
restore whose COMMIT breaks keeps its objects only if it committed. Committed for real: a backup reads only
what is committed, in its own snapshot."""

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from dossier_support import intake_body
from motcua_app.testing.seed import seed_tenant
from motcua_platform.audit.models import ControlAuditEvent
from motcua_platform.cli import CliContext, main
from motcua_platform.directory.models import Tenant
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.storage.services import TenantObjects, object_store
from motcua_tenants.backups import services
from motcua_tenants.backups.manifest import Manifest
from motcua_tenants.backups.tables import fix_output, quote, tables
from motcua_tenants.migrations.config import alembic_config
from motcua_tenants.migrations.runner import downgrade_tenant_on, tenant_heads, upgrade_tenant_on
from sqlalchemy import delete, event, insert, select, text, update
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

pytestmark = pytest.mark.committed

PASSWORD = "Nui-cao-Song-dai-61"
ACTOR = services.Actor("system", None, "backup-test")
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x07" * 300
SOURCE = "bksrc"
RESTORED = (
    "bkcopy",
    "bkcut",
    "bkdamaged",
    "bknewer",
    "bkhalf",
    "bkkilled",
    "bkcli",
    "bkold",
    "bkup",
    "bkbroken",
    "bkstray",
    "bkcommit",
    "bknocommit",
    "bksusp",
    "bkmerged",
)


class JobContext:  # what procrastinate hands a task: the worker's runtime
    def __init__(self, runtime):
        self.additional_context = {"runtime": runtime}


def drop_tenant(runtime, slug):
    binding = runtime.db.binding(slug)
    with runtime.db.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{binding.schema}" CASCADE'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))
        conn.execute(delete(Tenant).where(Tenant.slug == slug))


@pytest.fixture(scope="module")
def s3_runtime(runtime, s3_endpoint):
    """The runtime with documents in the S3-compatible server, for this module."""
    patch = pytest.MonkeyPatch()
    patch.setattr(
        runtime,
        "config",
        runtime.config.with_overrides(
            storage="s3", s3_bucket="motcua-test", s3_endpoint_url=s3_endpoint, s3_region="us-east-1"
        ),
    )
    yield runtime
    patch.undo()


@pytest.fixture(scope="module")
def source(s3_runtime, app, seeded):
    """Tenant bksrc: seeded, two dossiers, three documents (committed through the HTTP API)."""
    runtime = s3_runtime
    for slug in (SOURCE, *RESTORED):
        drop_tenant(runtime, slug)
    tenant = seed_tenant(runtime, app, SOURCE, "Tỉnh Sao Lưu", "K01", password=PASSWORD)
    app.extensions["motcua"].resolver.invalidate()
    client = app.test_client()
    headers = {"Host": tenant.host, "Authorization": f"Bearer {tenant.tokens['officer']}", "Accept-Language": "en"}
    for body in (PDF, PNG):
        created = client.post("/api/v1/dossiers", headers=headers, json=intake_body({"alpha": tenant}))
        assert created.status_code == 201, created.get_json()
        code = created.get_json()["code"]
        for index, (data, name) in enumerate(((body, "a.pdf" if body is PDF else "a.png"), (PDF, "b.pdf"))):
            if body is PNG and index == 1:
                break
            boundary, payload = encode_multipart(
                {"component": str(index), "file": FileStorage(io.BytesIO(data), filename=name)}
            )
            uploaded = client.post(
                f"/api/v1/dossiers/{code}/documents",
                headers=headers,
                data=payload,
                content_type=f"multipart/form-data; boundary={boundary}",
            )
            assert uploaded.status_code == 201, uploaded.get_json()
    # A dossier received years ago and a kept statistics period covering it: the statistics trigger on
    # dossiers would forget that period if loading the dossier fired it (the restore turns triggers off).
    schema = runtime.db.binding(SOURCE).schema
    with runtime.db.engine.begin() as conn:
        conn.execute(
            text(
                f"UPDATE {schema}.dossiers SET received_at = received_at - interval '6 years' "
                f"WHERE id = (SELECT min(id) FROM {schema}.dossiers)"
            )
        )
        conn.execute(
            text(
                f"INSERT INTO {schema}.statistics_kept_periods (first_day, end_day, kept_at) "
                "SELECT d, d + 30, now() FROM (SELECT date_trunc('month', min(received_at))::date AS d "
                f"FROM {schema}.dossiers) AS m"
            )
        )
    yield tenant
    for slug in (SOURCE, *RESTORED):
        drop_tenant(runtime, slug)
    runtime.resolver.invalidate()


@pytest.fixture(scope="module")
def backup(s3_runtime, source, tmp_path_factory) -> Path:
    return services.backup_tenant(
        s3_runtime.db, object_store(s3_runtime.config), SOURCE, tmp_path_factory.mktemp("backups"), actor=ACTOR
    )


def insert_tenant(runtime, slug: str, status: str) -> None:
    """A control row only, without a schema."""
    with runtime.db.engine.begin() as conn:
        conn.execute(
            insert(Tenant).values(
                slug=slug,
                name="Tỉnh Hỏng",
                status=status,
                unit_code="000.00.00.Z99",
                display_name="Tỉnh Hỏng",
                locale="vi",
                timezone="Asia/Ho_Chi_Minh",
                primary_color="#b71c1c",
                secondary_color="#ffc107",
            )
        )


def store(runtime):
    return object_store(runtime.config)


def rows_of(runtime, slug) -> dict[str, list[str]]:
    """Every table's rows as text, sorted: what "the same data" means."""
    schema = runtime.db.binding(slug).schema
    with runtime.db.engine.connect() as conn, conn.begin():
        fix_output(conn)
        return {
            table.name: conn.scalars(
                text(f"SELECT t::text FROM {quote(schema)}.{quote(table.name)} AS t ORDER BY 1")
            ).all()
            for table in tables(conn, schema)
        } | {"alembic_version": sorted(conn.scalars(text(f"SELECT version_num FROM {quote(schema)}.alembic_version")))}


def objects_of(runtime, slug) -> dict[str, bytes]:
    view = TenantObjects(store(runtime), slug)
    result = {}
    for key in list(view.all_keys()):
        with view.open(key) as stream:
            result[key] = stream.read()
    return result


def leaves_nothing(runtime, slug) -> None:
    binding = runtime.db.binding(slug)
    with runtime.db.engine.connect() as conn:
        assert conn.scalar(select(Tenant.id).where(Tenant.slug == slug)) is None
        assert conn.scalar(text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": binding.schema}) == 0
        assert conn.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": binding.role}) == 0
    assert objects_of(runtime, slug) == {}


def damaged_copy(backup: Path, tmp_path: Path) -> Path:
    copy = tmp_path / backup.name
    shutil.copytree(backup, copy)
    return copy


def rewrite_table(folder: Path, table: str, change) -> None:
    """Change a table's file and record its new size and SHA-256 in the manifest, so only the database's
    own comparison can notice."""
    manifest = json.loads((folder / "manifest.json").read_text())
    path = folder / manifest["tables"][table]["file"]
    path.write_bytes(change(path.read_bytes()))
    from motcua_tenants.backups.manifest import file_digest

    manifest["tables"][table]["bytes"], manifest["tables"][table]["sha256"] = file_digest(path)
    (folder / "manifest.json").write_text(json.dumps(manifest))


# -- the round trip ------------------------------------------------------------------------------
def test_a_backup_holds_the_snapshot_and_the_documents(s3_runtime, backup):
    manifest = Manifest.read(backup)
    assert backup.name.startswith(f"{SOURCE}-") and not list(backup.parent.glob(".*"))  # no partial left
    assert backup.stat().st_mode & 0o777 == 0o700
    assert manifest.slug == SOURCE and manifest.tenant["name"] == "Tỉnh Sao Lưu"
    assert set(manifest.revisions) == tenant_heads()
    live = rows_of(s3_runtime, SOURCE)
    assert {name: entry.rows for name, entry in manifest.tables.items()} == {
        name: len(rows) for name, rows in live.items() if name != "alembic_version"
    }
    assert manifest.tables["dossiers"].rows == 2 and manifest.tables["dossier_documents"].rows == 3
    assert manifest.tables["statistics_kept_periods"].rows == 1
    documents = objects_of(s3_runtime, SOURCE)
    assert len(documents) == 3 and sorted(documents.values()) == sorted([PDF, PDF, PNG])
    import hashlib

    assert {(o.key, o.bytes, o.sha256) for o in manifest.objects} == {
        (key, len(data), hashlib.sha256(data).hexdigest()) for key, data in documents.items()
    }
    assert all((backup / "objects" / key).read_bytes() == data for key, data in documents.items())


def test_restore_as_a_new_slug_is_identical_and_leaves_the_live_tenant_alone(s3_runtime, app, source, backup):
    runtime = s3_runtime
    before = rows_of(runtime, SOURCE)
    steps: list[str] = []
    report = services.restore_tenant(
        runtime.db, store(runtime), backup, slug="bkcopy", actor=ACTOR, on_step=steps.append
    )
    assert (report.slug, report.source_slug, report.migrated) == ("bkcopy", SOURCE, False)
    assert "comparing row counts and checksums" in steps
    assert rows_of(runtime, "bkcopy") == before  # every table, every row, and the revisions
    assert objects_of(runtime, "bkcopy") == objects_of(runtime, SOURCE)
    assert rows_of(runtime, SOURCE) == before  # the live tenant untouched
    with runtime.db.control_session() as session:
        copy = session.scalar(select(Tenant).where(Tenant.slug == "bkcopy"))
        assert copy.status == "suspended" and copy.domains == [] and "restore of bksrc" in copy.name
        actions = session.scalars(
            select(ControlAuditEvent.action).where(ControlAuditEvent.tenant_slug.in_([SOURCE, "bkcopy"]))
        ).all()
        assert {"tenant.backup", "tenant.restored"} <= set(actions)
    runtime.resolver.invalidate()
    client = app.test_client()
    assert client.get("/api/v1/portal", headers={"Host": "bkcopy.motcua.test"}).status_code == 503  # not served
    served = client.get(
        "/api/v1/dossiers", headers={"Host": source.host, "Authorization": f"Bearer {source.tokens['officer']}"}
    )
    assert served.status_code == 200 and len(served.get_json()) == 2  # the original still served
    # the restored copy is a working tenant once resumed: its officer signs in and sees its dossiers
    with runtime.db.engine.begin() as conn:
        conn.execute(text("UPDATE control.tenants SET status = 'active' WHERE slug = 'bkcopy'"))
    runtime.resolver.invalidate()
    login = client.post(
        "/api/v1/auth/login",
        headers={"Host": "bkcopy.motcua.test"},
        json={"email": f"officer@{SOURCE}.test", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.77"},
    )
    assert login.status_code == 201, login.get_json()
    listed = client.get(
        "/api/v1/dossiers",
        headers={"Host": "bkcopy.motcua.test", "Authorization": f"Bearer {login.get_json()['token']}"},
    ).get_json()
    assert sorted(d["code"] for d in listed) == sorted(d["code"] for d in served.get_json())


def test_a_live_tenant_or_a_taken_slug_is_never_overwritten(s3_runtime, backup):
    runtime = s3_runtime
    with pytest.raises(Conflict, match="--replace"):
        services.restore_tenant(runtime.db, store(runtime), backup, actor=ACTOR)
    with pytest.raises(Conflict, match="is active"):
        services.restore_tenant(runtime.db, store(runtime), backup, replace=True, actor=ACTOR)
    with pytest.raises(Conflict, match="already exists"):
        services.restore_tenant(runtime.db, store(runtime), backup, slug="alpha", actor=ACTOR)


def test_an_older_backup_is_loaded_at_its_revision_then_migrated_to_head(s3_runtime, backup, tmp_path):
    runtime = s3_runtime
    services.restore_tenant(runtime.db, store(runtime), backup, slug="bkold", actor=ACTOR)
    script = ScriptDirectory.from_config(alembic_config("tenant"))
    head = next(r for r in map(script.get_revision, script.get_heads()) if r.down_revision)
    with runtime.db.engine.connect() as conn, conn.begin():
        downgrade_tenant_on(conn, runtime.db.binding("bkold"), head.down_revision)
    older = services.backup_tenant(runtime.db, store(runtime), "bkold", tmp_path, actor=ACTOR)
    assert head.down_revision in Manifest.read(older).revisions and head.revision not in Manifest.read(older).revisions
    report = services.restore_tenant(runtime.db, store(runtime), older, slug="bkup", actor=ACTOR)
    assert report.migrated
    # at head again, every row as the same schema migrated in place to head: what the downgrade dropped (a
    # column the head migration adds, with its values) is missing from both; everything else is the source's
    with runtime.db.engine.connect() as conn, conn.begin():
        upgrade_tenant_on(conn, runtime.db.binding("bkold"))
    assert rows_of(runtime, "bkup") == rows_of(runtime, "bkold")
    source, restored = rows_of(runtime, SOURCE), rows_of(runtime, "bkup")
    assert restored.keys() == source.keys()
    # only tables the head migration names may differ from the source (its downgrade dropped their new
    # columns or the tables themselves), and those by their values only: every row is there
    changed = {name for name in source if restored[name] != source[name]}
    named = Path(head.module.__file__).read_text()
    assert all(re.search(rf"\b{name}\b", named) for name in changed), changed
    assert all(len(restored[name]) == len(source[name]) for name in changed)


def test_restoring_over_an_archived_tenant_needs_the_flag_and_brings_it_back(s3_runtime, backup, tmp_path):
    from motcua_platform.db.embedded import pg_binary
    from motcua_tenants.registry import services as registry

    runtime = s3_runtime
    services.restore_tenant(runtime.db, store(runtime), backup, slug="bkcut", actor=ACTOR)
    own = services.backup_tenant(runtime.db, store(runtime), "bkcut", tmp_path / "own", actor=ACTOR)
    before = rows_of(runtime, "bkcut")
    with runtime.db.control_session() as session:
        job = registry.request_archive(session, ACTOR, "bkcut")
        session.commit()
    registry.archive(runtime.db, job.id, archive_dir=tmp_path / "archives", pg_dump=pg_binary("pg_dump"))
    with pytest.raises(Conflict, match="--replace"):
        services.restore_tenant(runtime.db, store(runtime), own, actor=ACTOR)
    report = services.restore_tenant(runtime.db, store(runtime), own, replace=True, actor=ACTOR)
    assert report.slug == "bkcut"
    assert rows_of(runtime, "bkcut") == before
    with runtime.db.control_session() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == "bkcut"))
        assert (tenant.status, tenant.archive_path) == ("suspended", None)
        assert len(session.scalars(select(Tenant).where(Tenant.slug == "bkcut")).all()) == 1


def test_a_schema_left_without_a_tenant_is_not_restored_into(s3_runtime, backup):
    runtime = s3_runtime
    with runtime.db.engine.begin() as conn:
        conn.execute(text('CREATE SCHEMA "t_bkstray"'))
    with pytest.raises(Conflict, match="t_bkstray already exists"):
        services.restore_tenant(runtime.db, store(runtime), backup, slug="bkstray", actor=ACTOR)
    with runtime.db.engine.connect() as conn:
        assert conn.scalar(select(Tenant.id).where(Tenant.slug == "bkstray")) is None
        assert conn.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = 't_bkstray'")) == 0


# -- refusals ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: _flip_byte(b / "tables" / "dossiers.copy"), id="changed-table-byte"),
        pytest.param(lambda b: _flip_byte(_first_object(b)), id="changed-document"),
        pytest.param(lambda b: _first_object(b).unlink(), id="missing-document"),
        pytest.param(lambda b: (b / "tables" / "units.copy").unlink(), id="missing-table"),
    ],
)
def test_a_damaged_backup_is_refused_with_nothing_created(s3_runtime, backup, tmp_path, damage):
    copy = damaged_copy(backup, tmp_path)
    damage(copy)
    with pytest.raises(InvalidInput, match="damaged") as refused:
        services.restore_tenant(s3_runtime.db, store(s3_runtime), copy, slug="bkdamaged", actor=ACTOR)
    assert refused.value.errors["files"]
    leaves_nothing(s3_runtime, "bkdamaged")


def _first_object(folder: Path) -> Path:
    return sorted(p for p in (folder / "objects").rglob("*") if p.is_file())[0]


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "change, found",
    [
        # one row fewer (the first event; nothing points to audit events): the count differs
        pytest.param(lambda data: data.split(b"\n", 1)[1], "18 rows", id="row-missing"),
        # one character of a value changed: the same count, the checksum differs
        pytest.param(lambda data: data.replace(b"staff:2\t", b"staff:9\t", 1), "19 rows", id="value-changed"),
    ],
)
def test_rows_that_differ_from_the_manifest_undo_the_restore(s3_runtime, backup, tmp_path, change, found):
    assert Manifest.read(backup).tables["audit_events"].rows == 19
    copy = damaged_copy(backup, tmp_path)
    rewrite_table(copy, "audit_events", change)
    with pytest.raises(InvalidInput, match="differ from the backup") as refused:
        services.restore_tenant(s3_runtime.db, store(s3_runtime), copy, slug="bkdamaged", actor=ACTOR)
    (difference,) = refused.value.errors["tables"]
    assert difference.startswith(f"audit_events: {found}, checksum ") and "the backup has 19, " in difference
    leaves_nothing(s3_runtime, "bkdamaged")


def test_a_backup_from_newer_code_is_refused(s3_runtime, backup, tmp_path):
    copy = damaged_copy(backup, tmp_path)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["revisions"] = [*manifest["revisions"][:-1], "f00dfeedbeef"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InvalidInput, match="newer version") as refused:
        services.restore_tenant(s3_runtime.db, store(s3_runtime), copy, slug="bknewer", actor=ACTOR)
    assert refused.value.errors["revisions"] == ["f00dfeedbeef"]
    leaves_nothing(s3_runtime, "bknewer")


# -- interruptions -------------------------------------------------------------------------------
def test_a_restore_failing_after_its_last_step_leaves_nothing_and_can_be_run_again(s3_runtime, backup):
    runtime = s3_runtime

    def fail_at_commit(step: str) -> None:
        if step == "committing":  # every row loaded and compared, every object copied
            assert len(objects_of(runtime, "bkhalf")) == 3
            raise RuntimeError("injected failure")

    with pytest.raises(RuntimeError, match="injected"):
        services.restore_tenant(runtime.db, store(runtime), backup, slug="bkhalf", actor=ACTOR, on_step=fail_at_commit)
    leaves_nothing(runtime, "bkhalf")
    services.restore_tenant(runtime.db, store(runtime), backup, slug="bkhalf", actor=ACTOR)
    assert rows_of(runtime, "bkhalf") == rows_of(runtime, SOURCE)


KILLED_RESTORE = """
import os, signal, sys
from pathlib import Path
from motcua_app.areas import AREAS
from motcua_platform.areas import install
from motcua_platform.audit.services import Actor
from motcua_platform.db.database import Database
from motcua_platform.plugins.engine import activate, load_plugins
from motcua_platform.storage.s3 import S3ObjectStore
from motcua_tenants.backups.services import restore_tenant

install(AREAS)
activate(load_plugins(tuple(sys.argv[4].split(","))))

def die(step):
    if step == "committing":
        os.kill(os.getpid(), signal.SIGKILL)

restore_tenant(
    Database(sys.argv[1], pool_size=1),
    S3ObjectStore("motcua-test", endpoint_url=sys.argv[2], region="us-east-1"),
    Path(sys.argv[3]),
    slug="bkkilled",
    actor=Actor("system", None, "backup-test"),
    on_step=die,
)
"""


def test_a_restore_killed_mid_way_leaves_no_tenant_and_runs_again(s3_runtime, backup, s3_endpoint):
    from motcua_platform.plugins.engine import active

    runtime = s3_runtime
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RESTORE, runtime.db.url, s3_endpoint, str(backup), ",".join(active().names)],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    binding = runtime.db.binding("bkkilled")
    with runtime.db.engine.connect() as conn:  # the server rolled the killed transaction back
        assert conn.scalar(select(Tenant.id).where(Tenant.slug == "bkkilled")) is None
        assert conn.scalar(text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": binding.schema}) == 0
    services.restore_tenant(runtime.db, store(runtime), backup, slug="bkkilled", actor=ACTOR)
    assert rows_of(runtime, "bkkilled") == rows_of(runtime, SOURCE)
    assert objects_of(runtime, "bkkilled") == objects_of(runtime, SOURCE)


# -- command line --------------------------------------------------------------------------------
def test_backup_and_restore_commands(s3_runtime, source, tmp_path):
    context = CliContext()
    context._runtime = s3_runtime

    def motcua(*args):
        return CliRunner().invoke(main, list(args), obj=context, catch_exceptions=False)

    written = motcua("tenants", "backup", SOURCE, "--to", str(tmp_path))
    assert written.exit_code == 0, written.output
    (folder,) = tmp_path.iterdir()
    assert f"backed up to {folder}" in written.output
    wrong = motcua("tenants", "restore", "alpha", "--from", str(folder), "--as", "bkcli")
    assert wrong.exit_code == 1 and "a backup of tenant 'bksrc', not 'alpha'" in wrong.output
    restored = motcua("tenants", "restore", SOURCE, "--from", str(folder), "--as", "bkcli")
    assert restored.exit_code == 0, restored.output
    assert "as tenant bkcli, suspended" in restored.output
    assert rows_of(s3_runtime, "bkcli") == rows_of(s3_runtime, SOURCE)


# -- the schedule --------------------------------------------------------------------------------
def test_the_daily_job_is_scheduled(runtime):
    periodic = {task.task.name: task.cron for task in runtime.jobs.app.periodic_registry.periodic_tasks.values()}
    assert periodic["backups:backup_tenants"] == "30 19 * * *"


def test_the_daily_job_backs_up_every_active_tenant_and_keeps_the_newest(
    s3_runtime, source, backup, tmp_path, monkeypatch
):
    from motcua_tenants.backups import tasks

    runtime = s3_runtime
    assert tasks.backup_tenants.func(JobContext(runtime), timestamp=0) == {}  # off while unset
    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(backup_dir=tmp_path, backup_keep=2))
    with runtime.db.control_session() as session:
        active = sorted(session.scalars(select(Tenant.slug).where(Tenant.status == "active")))
    assert SOURCE in active
    # once through the real queue: deferred, then worked
    runtime.jobs.defer("backups:backup_tenants", timestamp=0)
    runtime.jobs.run_worker(wait=False, context={"runtime": runtime})
    first = services.finished_backups(tmp_path / SOURCE)
    assert len(first) == 1 and sorted(p.name for p in tmp_path.iterdir()) == active
    # a suspended tenant with three backups from when it was active: not backed up, but pruned to two
    insert_tenant(runtime, "bksusp", "suspended")
    suspended = [tmp_path / "bksusp" / f"bksusp-2026010{day}T000000.000000Z" for day in (1, 2, 3)]
    for path in suspended:
        shutil.copytree(backup, path)
    # a merged one likewise (ADR 0060): its province went into another, nothing changes in its schema
    insert_tenant(runtime, "bkmerged", "suspended")
    with runtime.db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE control.tenants SET status = 'merged', merged_on = current_date, merged_into_id = "
                "(SELECT id FROM control.tenants WHERE slug = 'alpha') WHERE slug = 'bkmerged'"
            )
        )
    merged = [tmp_path / "bkmerged" / f"bkmerged-2026010{day}T000000.000000Z" for day in (1, 2, 3)]
    for path in merged:
        shutil.copytree(backup, path)
    for _ in range(2):
        tasks.backup_tenants.func(JobContext(runtime), timestamp=0)
    kept = services.finished_backups(tmp_path / SOURCE)
    assert len(kept) == 2 and first[0] not in kept and not first[0].exists()  # the oldest went
    assert Manifest.read(kept[-1]).slug == SOURCE
    assert services.finished_backups(tmp_path / "bksusp") == suspended[1:]  # the oldest pruned, none written
    assert services.finished_backups(tmp_path / "bkmerged") == merged[1:]


def test_a_tenant_whose_backup_fails_is_recorded_and_the_others_are_still_backed_up(
    s3_runtime, source, tmp_path, monkeypatch
):
    from motcua_tenants.backups import tasks

    runtime = s3_runtime
    insert_tenant(runtime, "bkbroken", "active")  # active, but it has no schema: its backup cannot be read
    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(backup_dir=tmp_path, backup_keep=2))
    with pytest.raises(RuntimeError, match=r"backups failed for 1 tenant.*bkbroken"):
        tasks.backup_tenants.func(JobContext(runtime), timestamp=0)
    assert len(services.finished_backups(tmp_path / SOURCE)) == 1
    assert list((tmp_path / "bkbroken").iterdir()) == []  # no partial folder left behind
    with runtime.db.control_session() as session:
        failed = session.scalars(
            select(ControlAuditEvent).where(
                ControlAuditEvent.tenant_slug == "bkbroken", ControlAuditEvent.action == "tenant.backup_failed"
            )
        ).all()
    assert len(failed) == 1 and "t_bkbroken" in failed[0].details["error"]


# -- changes while a backup runs -----------------------------------------------------------------
def _set_logo_url(runtime, slug, url) -> None:
    with runtime.db.engine.begin() as conn:
        conn.execute(update(Tenant).where(Tenant.slug == slug).values(logo_url=url))


def test_a_document_deleted_after_the_snapshot_fails_the_backup_and_leaves_none(s3_runtime, source, tmp_path):
    """A draft submitted or a document replaced while the backup runs: the snapshot's rows still name the
    object, which is gone before it could be copied. The backup must fail, not look whole."""
    runtime = s3_runtime
    view = TenantObjects(store(runtime), SOURCE)
    kept = objects_of(runtime, SOURCE)
    named = sorted(key for key in kept if key.startswith("documents/"))[0]

    def delete_one(step: str) -> None:
        if step == "copying the stored objects":  # after the snapshot and the listing
            view.delete(named)

    try:
        with pytest.raises(Conflict, match=f"Tenant '{SOURCE}' changed while it was backed up") as refused:
            services.backup_tenant(runtime.db, store(runtime), SOURCE, tmp_path, actor=ACTOR, on_step=delete_one)
    finally:
        view.put(named, io.BytesIO(kept[named]), content_type="application/pdf")
    assert refused.value.errors["objects"] == [named] and named in str(refused.value)
    assert list(tmp_path.iterdir()) == [] and services.finished_backups(tmp_path) == []  # not even a partial


def test_a_draft_submitted_during_the_backup_fails_it(s3_runtime, source, tmp_path):
    """A draft's files are named inside its JSON (``portal_drafts.documents``), not by a column of their own."""
    runtime = s3_runtime
    view = TenantObjects(store(runtime), SOURCE)
    schema = runtime.db.binding(SOURCE).schema
    key = "drafts/" + "d" * 32
    entry = {"key": key, "filename": "a.pdf", "size": len(PDF), "content_type": "application/pdf", "sha256": "0" * 64}
    view.put(key, io.BytesIO(PDF), content_type="application/pdf")
    with runtime.db.engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO {schema}.portal_drafts (citizen_account_id, procedure_code, form, documents) "
                "VALUES (:citizen, 'BK-DRAFT', '{}', CAST(:documents AS jsonb))"
            ),
            {"citizen": source.citizen_id, "documents": json.dumps({"0": entry})},
        )

    def submit(step: str) -> None:  # submitting moves the file into a dossier's document and removes the draft's
        if step == "copying the stored objects":
            with runtime.db.engine.begin() as conn:
                conn.execute(text(f"DELETE FROM {schema}.portal_drafts WHERE procedure_code = 'BK-DRAFT'"))
            view.delete(key)

    try:
        with pytest.raises(Conflict, match="changed while it was backed up") as refused:
            services.backup_tenant(runtime.db, store(runtime), SOURCE, tmp_path, actor=ACTOR, on_step=submit)
    finally:
        with runtime.db.engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {schema}.portal_drafts WHERE procedure_code = 'BK-DRAFT'"))
        view.delete(key)
    assert refused.value.errors["objects"] == [key]
    assert list(tmp_path.iterdir()) == []


def test_a_logo_replaced_during_the_backup_fails_it(s3_runtime, source, tmp_path):
    from motcua_platform.branding import logo_key, logo_url

    runtime = s3_runtime
    view = TenantObjects(store(runtime), SOURCE)
    with runtime.db.engine.connect() as conn:
        original = conn.scalar(select(Tenant.logo_url).where(Tenant.slug == SOURCE))
    old, new = "a" * 32, "b" * 32
    view.put(logo_key(old), io.BytesIO(PNG), content_type="image/png")
    _set_logo_url(runtime, SOURCE, logo_url(old))

    def replace_logo(step: str) -> None:  # what branding's logo upload does: the new one in, the old one out
        if step == "copying the stored objects":
            view.put(logo_key(new), io.BytesIO(PNG + b"\x01"), content_type="image/png")
            _set_logo_url(runtime, SOURCE, logo_url(new))
            view.delete(logo_key(old))

    try:
        with pytest.raises(Conflict, match="changed while it was backed up") as refused:
            services.backup_tenant(runtime.db, store(runtime), SOURCE, tmp_path, actor=ACTOR, on_step=replace_logo)
        assert refused.value.errors["objects"] == [logo_key(old)]
        assert services.finished_backups(tmp_path) == [] and list(tmp_path.iterdir()) == []
    finally:
        _set_logo_url(runtime, SOURCE, original)
        view.delete(logo_key(old))
        view.delete(logo_key(new))


def test_an_unnamed_object_deleted_during_the_backup_is_left_out(s3_runtime, source, tmp_path):
    """A discarded upload no row names may vanish between the listing and its reading: not an error."""
    runtime = s3_runtime
    view = TenantObjects(store(runtime), SOURCE)
    stray = "drafts/" + "c" * 32
    view.put(stray, io.BytesIO(PDF), content_type="application/pdf")

    def discard(step: str) -> None:
        if step == "copying the stored objects":
            view.delete(stray)

    try:
        folder = services.backup_tenant(runtime.db, store(runtime), SOURCE, tmp_path, actor=ACTOR, on_step=discard)
    finally:
        view.delete(stray)
    keys = {o.key for o in Manifest.read(folder).objects}
    assert stray not in keys and keys == set(objects_of(runtime, SOURCE))


# -- durability and permissions ------------------------------------------------------------------
def test_every_file_and_folder_of_a_backup_is_the_service_accounts_only(s3_runtime, source, tmp_path):
    previous = os.umask(0)  # the most permissive umask: the modes must not depend on it
    try:
        folder = services.backup_tenant(s3_runtime.db, store(s3_runtime), SOURCE, tmp_path, actor=ACTOR)
    finally:
        os.umask(previous)
    paths = [folder, *folder.rglob("*")]
    assert {p.stat().st_mode & 0o777 for p in paths if p.is_dir()} == {0o700}
    assert {p.stat().st_mode & 0o777 for p in paths if p.is_file()} == {0o600}
    assert len([p for p in paths if p.is_file()]) > 3  # the manifest, tables and objects were all checked


def test_the_manifest_and_the_folders_are_synced_before_and_after_the_rename(s3_runtime, source, tmp_path, monkeypatch):
    synced: set[tuple[int, int]] = set()
    fsync = os.fsync

    def recording(fd: int) -> None:
        found = os.fstat(fd)
        synced.add((found.st_dev, found.st_ino))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", recording)
    folder = services.backup_tenant(s3_runtime.db, store(s3_runtime), SOURCE, tmp_path, actor=ACTOR)

    def identity(path: Path) -> tuple[int, int]:
        found = path.stat()
        return found.st_dev, found.st_ino

    wanted = [folder / "manifest.json", folder, tmp_path, folder / "tables", folder / "objects" / "documents"]
    assert [p for p in wanted if identity(p) not in synced] == []


def test_a_backup_with_a_broken_manifest_is_not_counted_and_prune_keeps_the_good_ones(backup, tmp_path):
    old, good, broken = (tmp_path / f"{SOURCE}-2026010{day}T000000.000000Z" for day in (1, 2, 3))
    for path in (old, good, broken):
        shutil.copytree(backup, path)
    manifest = broken / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:100])  # cut short by a crash before it was synced
    assert services.finished_backups(tmp_path) == [old, good]
    assert services.prune(tmp_path, 1) == [old]
    assert good.exists() and not old.exists()


# -- a restore whose commit fails ----------------------------------------------------------------
@pytest.mark.parametrize("committed", [True, False], ids=["committed-then-error", "not-committed"])
def test_a_restore_whose_commit_raises_keeps_or_removes_the_objects_as_the_database_decided(
    s3_runtime, backup, committed
):
    """The connection breaks at COMMIT: the server may have committed or not. The objects are removed only
    when the tenant is not there."""
    runtime = s3_runtime
    slug = "bkcommit" if committed else "bknocommit"
    fired = []

    def broken_commit(conn) -> None:
        if fired:
            return
        fired.append(True)
        if committed:  # the server commits, then the answer is lost
            conn.connection.dbapi_connection.commit()
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    event.listen(runtime.db.engine, "commit", broken_commit)
    try:
        if committed:
            report = services.restore_tenant(runtime.db, store(runtime), backup, slug=slug, actor=ACTOR)
            assert report.slug == slug
        else:
            with pytest.raises(OperationalError, match="server closed"):
                services.restore_tenant(runtime.db, store(runtime), backup, slug=slug, actor=ACTOR)
    finally:
        event.remove(runtime.db.engine, "commit", broken_commit)
    assert fired
    if committed:  # compared with the backup: the live source may have changed since (its outboxes sent)
        manifest = Manifest.read(backup)
        restored = {name: len(rows) for name, rows in rows_of(runtime, slug).items() if name != "alembic_version"}
        assert restored == {name: entry.rows for name, entry in manifest.tables.items()}
        assert objects_of(runtime, slug) == {o.key: (backup / "objects" / o.key).read_bytes() for o in manifest.objects}
    else:
        leaves_nothing(runtime, slug)
