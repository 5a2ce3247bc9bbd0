"""Merging one province's tenant into another's (``motcua tenants merge``; ADR 0059), against real PostgreSQL,
through the real CLI, HTTP API and object storage: two tenants seeded for real (units, staff, one person with
an account in both, shared and source-only procedures, dossiers with history, steps and stored documents,
calendar days, audit), merged; then every count, every foreign key, the codes' tracking, the person's one
account, the tree, the documents and the sequences checked. The dry run writes nothing; a blocking conflict
refuses with nothing written; a merge killed mid-copy or failing at its control step finishes on a re-run."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import motcua_app.models  # noqa: F401 - every model, the plugins' included
import pytest
from click.testing import CliRunner
from dossier_support import intake_body
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_app.testing.seed import seed_tenant
from motcua_platform.audit.models import ControlAuditEvent
from motcua_platform.cli import CliContext, main
from motcua_platform.db.base import TenantBase
from motcua_platform.directory.models import Tenant
from motcua_platform.storage.services import tenant_objects
from motcua_tenants.merges import layout, run
from motcua_tenants.merges.policy import POLICIES
from motcua_tenants.registry.models import TenantJob
from sqlalchemy import Integer, String, delete, select, text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

pytestmark = pytest.mark.committed

SOURCE, TARGET = "mergesrc", "mergetgt"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + bytes(range(256)) * 16
SOURCE_ONLY = "9.999001"
ISSUED_FORM_KEY = "forms/" + "f" * 32
SHARED_DAY, SOURCE_DAY = dt.date(2026, 10, 14), dt.date(2026, 10, 15)


# -- the declared policies cover every table ----------------------------------------------------------------
def test_every_tenant_table_has_a_merge_policy_and_every_id_column_a_mapping():
    """A table or an id column added later fails here until its merge is decided (policy.py)."""
    tables = TenantBase.metadata.tables
    assert set(tables) - set(POLICIES) == set(), "tables without a merge policy"
    assert set(POLICIES) - set(tables) == set(), "policies for tables that do not exist"
    undeclared = []
    for table in tables.values():
        declared = POLICIES[table.name].ids
        for column in table.columns:
            if not isinstance(column.type, Integer) or not column.name.endswith(("_id", "_by")):
                continue
            if not column.foreign_keys and column.name not in declared:
                undeclared.append(f"{table.name}.{column.name}")
    assert undeclared == [], "integer id columns with neither a foreign key nor a declared mapping"
    # text columns naming who did something (``staff:12:lan@…``) are rewritten like ids, or the copied rows
    # would name the target's other accounts
    unnamed = [
        f"{table.name}.{column.name}"
        for table in tables.values()
        for column in table.columns
        if isinstance(column.type, String)
        and (column.name.endswith("_by") or column.name == "actor")
        and POLICIES[table.name].kind in ("append", "match")
        and column.name not in POLICIES[table.name].text_ids
    ]
    assert unnamed == [], "text actor columns of copied tables whose ids are not rewritten"
    # and the layout the copy uses is read from the same metadata
    assert {t.name for t in layout.tables()} == set(tables)


# -- fixtures ------------------------------------------------------------------------------------------------
@pytest.fixture
def motcua(runtime):
    context = CliContext()
    context._runtime = runtime

    def invoke(*args):
        return CliRunner().invoke(main, list(args), obj=context, catch_exceptions=False)

    return invoke


def _drop(runtime, slugs) -> None:
    with runtime.db.engine.begin() as conn:
        for slug in slugs:
            binding = runtime.db.binding(slug, server="main")
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{binding.schema}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))
        ids = select(Tenant.id).where(Tenant.slug.in_(slugs))
        conn.execute(delete(TenantJob).where(TenantJob.tenant_id.in_(ids)))
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in ("billing_usage_daily", "billing_usage_events"):
            conn.execute(
                text(
                    f"DELETE FROM control.{table} WHERE tenant_id IN (SELECT id FROM control.tenants "
                    "WHERE slug = ANY(:s))"
                ),
                {"s": list(slugs)},
            )
        conn.execute(delete(Tenant).where(Tenant.slug.in_(slugs)))


def _upload(app, tenant, code: str, content: bytes, name: str) -> None:
    boundary, data = encode_multipart({"component": "0", "file": FileStorage(io.BytesIO(content), filename=name)})
    response = app.test_client().post(
        f"/api/v1/dossiers/{code}/documents",
        data=data,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Host": tenant.host, "Authorization": f"Bearer {tenant.tokens['officer']}"},
    )
    assert response.status_code == 201, response.get_json()


def _dossier(app, tenant, *, online: bool = False) -> str:
    body = intake_body(
        {"alpha": tenant}, "online" if online else "counter", receiving_unit_id=tenant.units["commune_a"]
    )
    token = tenant.citizen_token if online else tenant.tokens["officer"]
    response = app.test_client().post(
        "/api/v1/dossiers", json=body, headers={"Host": tenant.host, "Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


@pytest.fixture
def pair(runtime, app, seeded):
    """Source and target seeded for real: the same person (national id) in both with another e-mail, a shared
    procedure and one only the source has, dossiers 1..3 in each (one online by the person in each, each with
    its notification queued) with stored documents,
    a calendar day in both with another meaning and one only the source has."""
    try:
        source = seed_tenant(runtime, app, SOURCE, "Tỉnh Nguồn", "S01", password=TEST_PASSWORD)
        target = seed_tenant(runtime, app, TARGET, "Tỉnh Đích", "T01", password=TEST_PASSWORD)
        source.codes = [_dossier(app, source), _dossier(app, source), _dossier(app, source, online=True)]
        # both provinces number their dossiers from 1: the target's 2 and 3 are counter intakes like the
        # source's, so their notifications' keys (``dossier:<id>:intake:sms``) are the same text in both
        target.codes = [_dossier(app, target, online=True), _dossier(app, target), _dossier(app, target)]
        _upload(app, source, source.codes[0], PDF, "to-khai.pdf")
        _upload(app, source, source.codes[1], PDF + b"2", "giay-to.pdf")
        _upload(app, target, target.codes[0], PDF, "don.pdf")
        # a form the source issued sealed (forms.signing): its row names an object of the source's storage
        tenant_objects(runtime.config, SOURCE).put(ISSUED_FORM_KEY, io.BytesIO(PDF), content_type="application/pdf")
        with runtime.db.engine.begin() as conn:
            src, tgt = f"t_{SOURCE}", f"t_{TARGET}"
            conn.execute(
                text(
                    f"INSERT INTO {src}.issued_forms (dossier_id, number, storage_key, sha256, size_bytes, "
                    "verify_token, fingerprint, signer_name, issued_by, issued_by_id) SELECT id, '01', :k, :h, :n, "
                    f"'t{'k' * 42}', :f, 'UBND tỉnh Nguồn', :by, :staff FROM {src}.dossiers WHERE code = :c"
                ),
                {
                    "k": ISSUED_FORM_KEY,
                    "h": hashlib.sha256(PDF).hexdigest(),
                    "n": len(PDF),
                    "f": "0" * 64,
                    "by": f"staff:{source.staff['officer']}:officer@{SOURCE}.test",
                    "staff": source.staff["officer"],
                    "c": source.codes[1],
                },
            )
            others = [c.name for c in TenantBase.metadata.tables["procedures"].columns if c.name not in ("id", "code")]
            conn.execute(
                text(
                    f"INSERT INTO {src}.procedures (code, {', '.join(others)}) SELECT :code, "
                    f"{', '.join(others)} FROM {src}.procedures ORDER BY id LIMIT 1"
                ),
                {"code": SOURCE_ONLY},
            )
            for schema, day, kind in (
                (src, SHARED_DAY, "day_off"),
                (tgt, SHARED_DAY, "working_day"),
                (src, SOURCE_DAY, "holiday"),
            ):
                conn.execute(
                    text(
                        f"INSERT INTO {schema}.calendar_days (date, kind, name, source) "
                        "VALUES (:d, :k, 'Ngày', 'admin')"
                    ),
                    {"d": day, "k": kind},
                )
            conn.execute(text(f"UPDATE {tgt}.citizen_accounts SET email = 'other@example.test'"))
            # another person (a business) in the source whose e-mail the target's citizen holds
            conn.execute(
                text(
                    f"INSERT INTO {src}.citizen_accounts (kind, email, phone, full_name, tax_code, password_hash, "
                    "active) VALUES ('business', 'other@example.test', '0987654321', 'Công ty B', '0301234567', "
                    "'x', true)"
                )
            )
            # a goal for the whole province in both, the same year and metric
            from motcua_onestop.statistics.models import METRICS

            for schema in (src, tgt):
                conn.execute(
                    text(
                        f"INSERT INTO {schema}.statistics_targets (year, metric, target, set_by) "
                        "VALUES (:y, :m, 80, 'test')"
                    ),
                    {"y": dt.date.today().year, "m": METRICS[0]},
                )
            # the same officer in both provinces (one login): the source's finance staff is the target's
            conn.execute(
                text(
                    f"UPDATE {tgt}.staff_accounts SET email = 'finance@{SOURCE}.test' "
                    f"WHERE email = 'finance@{TARGET}.test'"
                )
            )
        runtime.resolver.invalidate()
        yield source, target
    finally:
        for slug in (SOURCE, TARGET):
            objects = tenant_objects(runtime.config, slug)
            for key in list(objects.all_keys()):
                objects.delete(key)
        _drop(runtime, (SOURCE, TARGET))
        runtime.resolver.invalidate()


# -- helpers -------------------------------------------------------------------------------------------------
def counts(runtime, schema: str) -> dict[str, int]:
    with runtime.db.engine.connect() as conn:
        names = conn.scalars(
            text("SELECT relname FROM pg_class WHERE relnamespace = CAST(:s AS regnamespace) AND relkind = 'r'"),
            {"s": schema},
        ).all()
        return {n: conn.scalar(text(f'SELECT count(*) FROM "{schema}"."{n}"')) for n in names}


def checksums(runtime, schema: str) -> dict[str, str]:
    with runtime.db.engine.connect() as conn:
        names = conn.scalars(
            text("SELECT relname FROM pg_class WHERE relnamespace = CAST(:s AS regnamespace) AND relkind = 'r'"),
            {"s": schema},
        ).all()
        return {
            n: conn.scalar(
                text(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{schema}\".\"{n}\" t")
            )
            for n in names
        }


def every_fk_resolves(runtime, schema: str) -> None:
    """No single-column foreign key of the schema points at a row that is not there."""
    with runtime.db.engine.connect() as conn:
        for child, column, parent in conn.execute(
            text(
                "SELECT c.relname, a.attname, r.relname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
                "JOIN pg_class r ON r.oid = k.confrelid JOIN pg_attribute a ON a.attrelid = c.oid "
                "AND a.attnum = k.conkey[1] WHERE k.contype = 'f' AND c.relnamespace = CAST(:s AS regnamespace)"
                " AND array_length(k.conkey, 1) = 1"
            ),
            {"s": schema},
        ):
            dangling = conn.scalar(
                text(
                    f'SELECT count(*) FROM "{schema}"."{child}" c WHERE c."{column}" IS NOT NULL AND NOT EXISTS '
                    f'(SELECT 1 FROM "{schema}"."{parent}" p WHERE p.id = c."{column}")'
                )
            )
            assert dangling == 0, f"{child}.{column} -> {parent}"


def status_of(runtime, slug: str) -> str:
    with runtime.db.control_session() as session:
        return session.scalar(select(Tenant.status).where(Tenant.slug == slug))


def content_versions(runtime, slug: str) -> tuple[int, int]:
    with runtime.db.control_session() as session:
        return session.execute(select(Tenant.units_version, Tenant.catalogue_version).where(Tenant.slug == slug)).one()


ON = dt.date.today() + dt.timedelta(days=1)  # units seeded today close by today at the latest


# -- the merge -----------------------------------------------------------------------------------------------
def test_the_dry_run_lists_the_conflicts_and_writes_nothing(runtime, pair, motcua):
    before = checksums(runtime, f"t_{SOURCE}") | {f"T.{k}": v for k, v in checksums(runtime, f"t_{TARGET}").items()}
    result = motcua("tenants", "merge", SOURCE, "--into", TARGET, "--on", ON.isoformat(), "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    import json

    plan = json.loads(result.output)
    kinds = {c["kind"] for c in plan["conflicts"]}
    assert {"citizen_details", "calendar_day", "citizen_login"} <= kinds, plan["conflicts"]
    clash = next(c for c in plan["conflicts"] if c["kind"] == "citizen_login")
    assert "other@example.test" in clash["source"] and not clash["blocking"]
    assert plan["blocking"] == 0
    person = next(c for c in plan["conflicts"] if c["kind"] == "citizen_details")
    assert "079090001111" in person["source"] and "target's details" in person["outcome"]
    # the source's roles on its root (which closes) are listed by account, for the target's admin to re-assign
    on_root = [c for c in plan["conflicts"] if c["kind"] == "root_role"]
    assert on_root and not any(c["blocking"] for c in on_root)
    assert any(f"finance@{SOURCE}.test" in c["source"] and "000.00.00.S01" in c["source"] for c in on_root), on_root
    tables = {t["table"]: t for t in plan["tables"]}
    assert tables["citizen_accounts"]["matched"] == 1 and tables["dossiers"]["source_rows"] == 3
    assert tables["calendar_settings"]["policy"] == "skip"
    after = checksums(runtime, f"t_{SOURCE}") | {f"T.{k}": v for k, v in checksums(runtime, f"t_{TARGET}").items()}
    assert after == before
    assert status_of(runtime, SOURCE) == "active"
    # the human-readable form too
    shown = motcua("tenants", "merge", SOURCE, "--into", TARGET, "--on", ON.isoformat(), "--dry-run")
    assert shown.exit_code == 0 and "citizen_details" in shown.output


def test_a_merge_moves_everything_and_old_codes_track_on_the_target(runtime, app, pair, motcua, host_client):
    source, target = pair
    src_before, tgt_before = counts(runtime, f"t_{SOURCE}"), counts(runtime, f"t_{TARGET}")
    versions = content_versions(runtime, TARGET)
    result = motcua(
        "tenants", "merge", SOURCE, "--into", TARGET, "--on", ON.isoformat(), "--yes", "--settle-seconds", "0"
    )
    assert result.exit_code == 0, result.output
    after = counts(runtime, f"t_{TARGET}")

    # counts add up exactly, table by table, by policy
    for name, policy in POLICIES.items():
        if name == "audit_events":
            continue  # checked below: plus the merge's own event
        if policy.kind == "append" and not policy.keep_target_on_clash and not policy.where:
            assert after[name] == tgt_before[name] + src_before[name], name
        elif policy.kind == "skip" and name != "tenant_merges":
            assert after[name] == tgt_before[name], name
    # the one person matched; the business copied
    assert after["citizen_accounts"] == tgt_before["citizen_accounts"] + 1
    assert after["procedures"] == tgt_before["procedures"] + 1  # the source-only procedure
    assert after["calendar_days"] == tgt_before["calendar_days"] + 1  # the day the target lacked
    assert after["staff_accounts"] == tgt_before["staff_accounts"] + src_before["staff_accounts"] - 1
    assert after["audit_events"] == tgt_before["audit_events"] + src_before["audit_events"] + 1
    assert after["tenant_merges"] == 1
    every_fk_resolves(runtime, f"t_{TARGET}")

    with runtime.db.engine.connect() as conn:
        tgt = f"t_{TARGET}"
        # the source's root closed the day before, under the target's root with its children
        root = conn.execute(text(f"SELECT id, valid_to, parent_id FROM {tgt}.units WHERE code = '000.00.00.S01'")).one()
        target_root = conn.scalar(text(f"SELECT id FROM {tgt}.units WHERE code = '000.00.00.T01'"))
        assert root.valid_to == ON - dt.timedelta(days=1) and root.parent_id == target_root
        parents = dict(conn.execute(text(f"SELECT code, parent_id FROM {tgt}.units WHERE code LIKE '%.S01'")).all())
        assert parents["000.00.51.S01"] == target_root and parents["000.00.01.S01"] == target_root
        commune = conn.scalar(text(f"SELECT id FROM {tgt}.units WHERE code = '000.00.51.S01'"))
        assert parents["000.00.53.S01"] == commune  # deeper units keep their parent
        # the person's dossiers of both provinces under the target's account
        owners = conn.execute(
            text(f"SELECT code, citizen_account_id FROM {tgt}.dossiers WHERE code = ANY(:c)"),
            {"c": [source.codes[2], target.codes[0]]},
        ).all()
        assert len(owners) == 2 and {o.citizen_account_id for o in owners} == {target.citizen_id}
        # the target's details kept
        assert (
            conn.scalar(text(f"SELECT email FROM {tgt}.citizen_accounts WHERE id = :i"), {"i": target.citizen_id})
            == "other@example.test"
        )
        assert (
            conn.scalar(text(f"SELECT kind FROM {tgt}.calendar_days WHERE date = :d"), {"d": SHARED_DAY})
            == "working_day"
        )
        keys = conn.scalars(
            text(
                f"SELECT storage_key FROM {tgt}.dossier_documents d JOIN {tgt}.dossiers x "
                "ON x.id = d.dossier_id WHERE x.code = ANY(:c)"
            ),
            {"c": source.codes},
        ).all()
        assert len(keys) == 2 and all(k.startswith(f"merged/{SOURCE}/documents/") for k in keys)
        # the source's sealed form comes along, its object copied under the merge's prefix
        issued = conn.execute(
            text(f"SELECT f.storage_key, x.code FROM {tgt}.issued_forms f JOIN {tgt}.dossiers x ON x.id = f.dossier_id")
        ).all()
        assert [(row.storage_key, row.code) for row in issued] == [
            (f"merged/{SOURCE}/{ISSUED_FORM_KEY}", source.codes[1])
        ]
        with tenant_objects(runtime.config, TARGET).open(issued[0].storage_key) as copied:
            assert copied.read() == PDF
        # the source's province-wide goal is its former root's; the target's stays the province's
        goals = (
            conn.execute(
                text(
                    f"SELECT u.code FROM {tgt}.statistics_targets g LEFT JOIN {tgt}.units u "
                    "ON u.id = g.unit_id ORDER BY 1"
                )
            )
            .scalars()
            .all()
        )
        assert goals == ["000.00.00.S01", None]
        # the one officer has the roles of both provinces, the source's on the copied units
        roles = conn.scalars(
            text(
                f"SELECT u.code FROM {tgt}.staff_roles r JOIN {tgt}.staff_accounts s ON s.id = r.staff_id "
                f"JOIN {tgt}.units u ON u.id = r.unit_id WHERE s.email = 'finance@{SOURCE}.test'"
            )
        ).all()
        assert sorted(roles) == ["000.00.00.S01", "000.00.00.T01"]
        # every notification's key names its own owner's id in the target (the copied ones rewritten)
        outbox = conn.execute(
            text(
                f"SELECT idempotency_key, coalesce(dossier_id, citizen_account_id, feedback_item_id) AS owner "
                f"FROM {tgt}.notification_outbox WHERE report_id IS NULL"
            )
        ).all()
        assert len(outbox) >= 6
        assert [r for r in outbox if r.idempotency_key.split(":")[1] != str(r.owner)] == []
        # an upload's audit event names its document's new id (details.document_id): the document of that id
        # is the one uploaded (its bytes' hash), on the dossier the event names
        uploads = conn.execute(
            text(
                f"SELECT e.target, e.details ->> 'sha256' AS sha256, x.code, d.sha256 AS stored "
                f"FROM {tgt}.audit_events e LEFT JOIN {tgt}.dossier_documents d "
                f"ON d.id = (e.details ->> 'document_id')::bigint LEFT JOIN {tgt}.dossiers x ON x.id = d.dossier_id "
                "WHERE e.details ? 'document_id'"
            )
        ).all()
        assert len(uploads) == 3
        assert [u for u in uploads if (u.target, u.sha256) != (f"dossier:{u.code}", u.stored)] == []
        # every staff or citizen id named in an audit actor (copied ones rewritten) is an account of the target
        for table, column in (("staff", "staff_accounts"), ("citizen", "citizen_accounts")):
            named = conn.scalars(
                text(
                    f"SELECT DISTINCT split_part(actor, ':', 2)::bigint FROM {tgt}.audit_events "
                    f"WHERE actor ~ '^{table}:[0-9]+:'"
                )
            ).all()
            present = set(conn.scalars(text(f"SELECT id FROM {tgt}.{column}")).all())
            assert named and set(named) <= present, (table, named, present)
        assert conn.scalar(text(f"SELECT bytes FROM {tgt}.document_storage_totals")) == 3 * len(PDF) + 1

    # the target's cached unit lists and catalogue searches are stale: their versions moved
    assert all(after_ > before_ for after_, before_ in zip(content_versions(runtime, TARGET), versions, strict=True))
    # the source is merged into the target (its hosts redirect there); its old codes track on the target, over HTTP
    assert status_of(runtime, SOURCE) == "merged"
    with runtime.db.control_session() as session:
        merged = session.scalars(
            select(ControlAuditEvent).where(
                ControlAuditEvent.action == "tenant.merge", ControlAuditEvent.target == f"tenant:{SOURCE}"
            )
        ).all()
        assert len(merged) == 1
    runtime.resolver.invalidate()
    client = host_client(target.host)
    for code in source.codes:
        tracked = client.get(f"/api/v1/track/{code}")
        assert tracked.status_code == 200, (code, tracked.get_json())
        page = client.get(f"/track/{code}")  # the portal's page, where the QR codes on old receipts land
        assert page.status_code == 200 and code in page.get_data(as_text=True)
        # and on the source's own host, which sends the old link on to the target's with its path kept
        moved = host_client(source.host).get(f"/track/{code}")
        assert moved.status_code == 308, (code, moved.status_code)
        location = urlsplit(moved.headers["Location"])
        assert (location.hostname, location.path) == (target.host, f"/track/{code}"), moved.headers["Location"]
    # documents downloadable from the target by its officers (the source's officer is the target's now)
    officer = host_client(target.host, target.admin_token)
    listed = officer.get(f"/api/v1/dossiers/{source.codes[0]}/documents")
    assert listed.status_code == 200, listed.get_json()
    document = listed.get_json()[0] if isinstance(listed.get_json(), list) else listed.get_json()["items"][0]
    content = officer.get(document["download"])
    body = content.get_data()
    content.close()  # as a WSGI server would: the stored file is closed
    assert content.status_code == 200 and body == PDF
    # the person sees the dossiers of both provinces
    person = host_client(target.host, target.citizen_token)
    for code in (source.codes[2], target.codes[0]):
        mine = person.get(f"/api/v1/my/dossiers/{code}")
        assert mine.status_code == 200, (code, mine.get_json())
    # sequences continue: a new dossier on the target takes a fresh id above the copied ones
    new_code = _dossier(app, target)
    with runtime.db.engine.connect() as conn:
        ids = conn.execute(text(f"SELECT code, id FROM t_{TARGET}.dossiers ORDER BY id")).all()
    assert ids[-1].code == new_code and len({i.id for i in ids}) == len(ids)

    # a second run finds the merge done and changes nothing
    again = motcua(
        "tenants", "merge", SOURCE, "--into", TARGET, "--on", ON.isoformat(), "--yes", "--settle-seconds", "0"
    )
    assert again.exit_code == 0, again.output
    assert counts(runtime, f"t_{TARGET}")["dossiers"] == after["dossiers"] + 1


def test_the_dry_run_counts_and_lists_faq_entries_left_out_for_the_targets_of_the_same_topic(runtime, pair, motcua):
    """FAQ entries are unique per (procedure, topic) through a partial index: a source entry of a topic the
    target has is left out. The dry run counts it, and lists it when the source's province wrote it (edited)."""
    import json

    with runtime.db.engine.begin() as conn:
        for schema, topic, edited in (
            (f"t_{SOURCE}", "phi", True), (f"t_{SOURCE}", "thoi-han", False), (f"t_{SOURCE}", "rieng", True),
            (f"t_{TARGET}", "phi", False), (f"t_{TARGET}", "thoi-han", False),
        ):  # fmt: skip
            conn.execute(
                text(
                    f"INSERT INTO {schema}.faq_entries (unit_id, procedure_code, topic, question, answer, edited, "
                    f"search_question, search_prefixes) SELECT min(id), '1.000001', :topic, 'Lệ phí bao nhiêu?', "
                    f"'Miễn phí.', :edited, 'le phi', ARRAY['le'] FROM {schema}.units"
                ),
                {"topic": topic, "edited": edited},
            )
    dry = motcua("tenants", "merge", SOURCE, "--into", TARGET, "--on", ON.isoformat(), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    plan = json.loads(dry.output)
    faq = next(t for t in plan["tables"] if t["table"] == "faq_entries")
    assert faq["matched"] == 2 and "2 left out" in faq["note"]
    listed = [c for c in plan["conflicts"] if c["kind"] == "faq_edited_left_out"]
    assert len(listed) == 1 and " phi:" in listed[0]["source"] and not listed[0]["blocking"]


def test_the_dry_run_reports_a_document_missing_from_the_sources_storage_as_blocking(runtime, pair, motcua):
    with runtime.db.engine.connect() as conn:
        key = conn.scalar(text(f"SELECT storage_key FROM t_{SOURCE}.dossier_documents ORDER BY id LIMIT 1"))
    tenant_objects(runtime.config, SOURCE).delete(key)
    dry = motcua("tenants", "merge", SOURCE, "--into", TARGET, "--on", ON.isoformat(), "--dry-run")
    assert dry.exit_code == 1 and "BLOCKING missing_object" in dry.output and key in dry.output, dry.output


def test_the_targets_own_later_notification_with_a_copied_ones_event_is_queued(runtime, pair, motcua):
    """Both provinces have a dossier 2; the source's has had its result message. After the merge the target's
    dossier 2 gets its own: the copied message's key names the copied dossier, so the target's is not taken
    for it (``ON CONFLICT DO NOTHING`` would drop it without a word)."""
    from motcua_onestop.notifications.models import Event, NotifyChannel
    from motcua_onestop.notifications.services import QUEUE, idempotency_key

    def message(dossier_id: int) -> dict:
        return {
            "dossier_id": dossier_id, "event": Event.DONE, "channel": NotifyChannel.SMS, "recipient": "0901234567",
            "subject": "Kết quả", "body": "Kết quả", "status": "pending", "attempts": 0,
            "idempotency_key": idempotency_key(f"dossier:{dossier_id}", Event.DONE, NotifyChannel.SMS),
        }  # fmt: skip

    with runtime.db.engine.begin() as conn:
        source = conn.execution_options(schema_translate_map={None: f"t_{SOURCE}"})
        assert len(source.execute(QUEUE, [message(2)]).all()) == 1
    dry = motcua("tenants", "merge", SOURCE, "--into", TARGET, "--on", ON.isoformat(), "--dry-run")
    assert dry.exit_code == 0 and "BLOCKING" not in dry.output, dry.output
    result = motcua(*COMMAND)
    assert result.exit_code == 0, result.output
    with runtime.db.engine.begin() as conn:
        target = conn.execution_options(schema_translate_map={None: f"t_{TARGET}"})
        own = target.scalar(text(f"SELECT id FROM t_{TARGET}.dossiers WHERE code = :c"), {"c": pair[1].codes[1]})
        assert own == 2
        assert len(target.execute(QUEUE, [message(own)]).all()) == 1  # queued, not dropped
        copied = target.scalar(
            text(f"SELECT dossier_id FROM t_{TARGET}.notification_outbox WHERE event = 'done' AND dossier_id <> :i"),
            {"i": own},
        )
        assert copied is not None and copied != own


def test_a_unit_code_in_both_refuses_the_merge_and_writes_nothing(runtime, pair, motcua):
    with runtime.db.engine.begin() as conn:
        conn.execute(text(f"UPDATE t_{TARGET}.units SET code = '000.00.52.S01' WHERE code = '000.00.52.T01'"))
        conn.execute(
            text(
                "UPDATE control.tenant_plugins SET enabled = false WHERE plugin = 'civil_status' AND tenant_id = "
                "(SELECT id FROM control.tenants WHERE slug = :t)"
            ),
            {"t": TARGET},
        )
    before = checksums(runtime, f"t_{SOURCE}") | {f"T.{k}": v for k, v in checksums(runtime, f"t_{TARGET}").items()}
    dry = motcua("tenants", "merge", SOURCE, "--into", TARGET, "--on", ON.isoformat(), "--dry-run")
    assert dry.exit_code == 1 and "BLOCKING unit_code" in dry.output
    assert "BLOCKING plugin: civil_status" in dry.output
    real = motcua(
        "tenants", "merge", SOURCE, "--into", TARGET, "--on", ON.isoformat(), "--yes", "--settle-seconds", "0"
    )
    assert real.exit_code == 1 and "blocking" in real.output
    after = checksums(runtime, f"t_{SOURCE}") | {f"T.{k}": v for k, v in checksums(runtime, f"t_{TARGET}").items()}
    assert after == before and status_of(runtime, SOURCE) == "active"


def _env(runtime, tmp_path, **extra) -> dict:
    return {
        **os.environ,
        "MOTCUA_DATABASE_URL": runtime.db.url,
        "MOTCUA_BASE_DOMAIN": runtime.config.base_domain,
        "MOTCUA_SECRET_KEY": runtime.config.secret_key,
        "MOTCUA_INSTANCE_PATH": str(runtime.config.instance_path),
        **extra,
    }


COMMAND = ["tenants", "merge", SOURCE, "--into", TARGET, "--on", ON.isoformat(), "--yes", "--settle-seconds", "0"]


def test_a_merge_killed_mid_copy_is_finished_by_running_it_again(runtime, pair, tmp_path):
    src_before, tgt_before = counts(runtime, f"t_{SOURCE}"), counts(runtime, f"t_{TARGET}")
    motcua_bin = str(Path(sys.executable).parent / "motcua")
    merger = subprocess.Popen(
        [motcua_bin, *COMMAND],
        env=_env(runtime, tmp_path, **{run.PAUSE_HOOK: "60"}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in merger.stdout:
        if line.strip() == f"{SOURCE}: copied":  # every row inserted, not committed: the worst moment to die
            merger.send_signal(signal.SIGKILL)
            break
    merger.wait(timeout=60)
    merger.stdout.close()
    assert merger.returncode == -signal.SIGKILL
    assert counts(runtime, f"t_{TARGET}") == tgt_before  # rolled back whole
    assert status_of(runtime, SOURCE) == "suspended"

    rerun = subprocess.run(
        [motcua_bin, *COMMAND], env=_env(runtime, tmp_path), capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    after = counts(runtime, f"t_{TARGET}")
    assert after["dossiers"] == tgt_before["dossiers"] + src_before["dossiers"]  # nothing lost, nothing doubled
    assert after["dossier_documents"] == tgt_before["dossier_documents"] + src_before["dossier_documents"]
    assert after["tenant_merges"] == 1
    every_fk_resolves(runtime, f"t_{TARGET}")


def test_a_second_run_during_a_merge_is_refused_before_it_suspends_copies_or_resumes(runtime, pair, tmp_path):
    """A run holds the source's merge lock from its plan to its end: a second run meanwhile is refused before it
    does anything, and in particular never resumes the source under the first run's copy."""
    from motcua_app.testing.seed import SEED_ACTOR
    from motcua_platform.errors import Conflict

    motcua_bin = str(Path(sys.executable).parent / "motcua")
    first = subprocess.Popen(
        [motcua_bin, *COMMAND],
        env=_env(runtime, tmp_path, **{run.PAUSE_HOOK: "60"}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for line in first.stdout:
            if line.strip() == f"{SOURCE}: copied":  # the first run mid-copy, its transaction open
                break
        assert status_of(runtime, SOURCE) == "suspended"
        steps = []
        with pytest.raises(Conflict, match="Another process is merging"):
            run.merge(runtime.db, runtime.config, SEED_ACTOR, SOURCE, TARGET, ON, settle_seconds=0,
                      on_step=steps.append)  # fmt: skip
        assert steps == []  # refused before its plan: nothing suspended, copied or resumed
        assert status_of(runtime, SOURCE) == "suspended"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)
        first.stdout.close()
    with runtime.db.control_session() as session:
        abandoned = select(ControlAuditEvent.id).where(ControlAuditEvent.action == "tenant.merge_abandoned")
        assert session.scalars(abandoned.where(ControlAuditEvent.target == f"tenant:{SOURCE}")).all() == []


def test_a_rerun_into_another_target_or_on_another_day_than_the_pending_merge_is_refused(runtime, pair, motcua):
    """A run that died after suspending the source left a merge pending (into TARGET on ON, as its
    ``tenant.merge_started`` event says): a re-run finishes that one, and one with another --into or --on is
    refused, naming it, with nothing changed."""
    from motcua_app.testing.seed import SEED_ACTOR
    from motcua_platform.errors import Conflict

    with runtime.db.control_session() as session:
        source_id = session.scalar(select(Tenant.id).where(Tenant.slug == SOURCE))
    run._suspend(runtime.db, source_id, SEED_ACTOR, TARGET, ON)  # where a killed run leaves it
    before = checksums(runtime, f"t_{TARGET}") | {f"A.{k}": v for k, v in checksums(runtime, "t_alpha").items()}
    later = ON + dt.timedelta(days=1)
    for into, on in ((TARGET, later), ("alpha", ON)):
        with pytest.raises(Conflict, match=f"merge into '{TARGET}' on {ON.isoformat()} that has not finished"):
            run.merge(runtime.db, runtime.config, SEED_ACTOR, SOURCE, into, on, settle_seconds=0)
        dry = motcua("tenants", "merge", SOURCE, "--into", into, "--on", on.isoformat(), "--dry-run")
        assert dry.exit_code == 1 and "BLOCKING pending_merge" in dry.output, dry.output
    after = checksums(runtime, f"t_{TARGET}") | {f"A.{k}": v for k, v in checksums(runtime, "t_alpha").items()}
    assert after == before and status_of(runtime, SOURCE) == "suspended"
    finished = motcua(*COMMAND)  # the pending one itself goes through
    assert finished.exit_code == 0, finished.output
    assert status_of(runtime, SOURCE) == "merged"


def test_a_merge_whose_control_step_fails_writes_nothing_and_a_rerun_finishes_it(runtime, pair, tmp_path):
    """On one server the control step commits with the data: its failure rolls the data back too, and the
    re-run does both."""
    tgt_before = counts(runtime, f"t_{TARGET}")
    motcua_bin = str(Path(sys.executable).parent / "motcua")
    flag = tmp_path / "failed-once"
    env = _env(runtime, tmp_path, **{run.FAIL_CONTROL_HOOK: str(flag)})
    first = subprocess.run([motcua_bin, *COMMAND], env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode != 0 and flag.exists(), first.stdout + first.stderr
    assert counts(runtime, f"t_{TARGET}") == tgt_before
    assert status_of(runtime, SOURCE) == "active"  # nothing merged: the source serves again
    copies = [k for k in tenant_objects(runtime.config, TARGET).all_keys() if k.startswith(f"merged/{SOURCE}/")]
    assert copies == []  # the documents it had copied are removed with it
    with runtime.db.control_session() as session:
        resumed = session.scalars(
            select(ControlAuditEvent).where(
                ControlAuditEvent.action == "tenant.merge_abandoned", ControlAuditEvent.target == f"tenant:{SOURCE}"
            )
        ).all()
        assert len(resumed) == 1 and resumed[0].details["into"] == TARGET
    second = subprocess.run([motcua_bin, *COMMAND], env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert counts(runtime, f"t_{TARGET}")["tenant_merges"] == 1
    with runtime.db.control_session() as session:
        assert session.scalar(
            select(ControlAuditEvent.id).where(
                ControlAuditEvent.action == "tenant.merge", ControlAuditEvent.target == f"tenant:{SOURCE}"
            )
        )


def test_tenants_on_different_servers_are_refused_with_the_move_to_make_first(runtime, seeded, two_servers, motcua):
    from server_support import SLUG as ON_SECOND
    from server_support import create_on

    create_on(two_servers, runtime, "second")
    for extra in (("--dry-run",), ("--yes", "--settle-seconds", "0")):
        result = motcua("tenants", "merge", ON_SECOND, "--into", "alpha", "--on", ON.isoformat(), *extra)
        assert result.exit_code == 1, result.output
        assert f"motcua tenants move {ON_SECOND} --to main" in result.output
    assert status_of(runtime, ON_SECOND) == "active" and status_of(runtime, "alpha") == "active"


def test_on_another_server_a_control_step_that_failed_after_the_data_committed_is_finished_by_a_rerun(
    runtime, seeded, two_servers, monkeypatch, tmp_path
):
    """Tenants on a server other than main: the data commits there, the control step after it on main. When
    that fails once, the data stays merged (the marker says so) and the re-run does the control step only."""
    from motcua_app.testing.seed import SEED_ACTOR
    from motcua_tenants.registry import services as registry
    from server_support import SLUG as ON_SECOND
    from server_support import create_on

    db, other = two_servers, "secondb"
    try:
        create_on(db, runtime, "second")
        spec = registry.TenantSpec(slug=other, name="Tỉnh B", unit_code="000.00.00.H98", server="second")
        with db.control_session() as session:
            job = registry.create_tenant(session, SEED_ACTOR, spec, base_domain=runtime.config.base_domain,
                                         servers=db.servers)  # fmt: skip
            session.commit()
        registry.provision(db, job.id)

        def rows(table: str) -> int:
            with db.engine_for("second").connect() as conn:
                return conn.scalar(text(f"SELECT count(*) FROM t_{other}.{table}"))

        units, staff = rows("units"), rows("staff_accounts")
        monkeypatch.setenv(run.FAIL_CONTROL_HOOK, str(tmp_path / "failed-once"))
        with pytest.raises(RuntimeError, match="control step failed"):
            run.merge(db, runtime.config, SEED_ACTOR, ON_SECOND, other, ON, settle_seconds=0)
        assert rows("tenant_merges") == 1 and rows("units") == units + 1  # the data committed on "second"
        assert rows("staff_accounts") == staff + 1
        with db.control_session() as session:
            done = select(ControlAuditEvent.id).where(ControlAuditEvent.action == "tenant.merge",
                                                      ControlAuditEvent.target == f"tenant:{ON_SECOND}")  # fmt: skip
            assert session.scalar(done) is None
        outcome = run.merge(db, runtime.config, SEED_ACTOR, ON_SECOND, other, ON, settle_seconds=0)
        assert outcome.data_done_before and outcome.counts == {}  # nothing copied again
        assert rows("units") == units + 1 and rows("tenant_merges") == 1
        with db.control_session() as session:
            assert len(session.scalars(done).all()) == 1
        run.merge(db, runtime.config, SEED_ACTOR, ON_SECOND, other, ON, settle_seconds=0)  # and once only
        with db.control_session() as session:
            assert len(session.scalars(done).all()) == 1
    finally:
        with db.engine_for("second").begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "t_{other}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{db.binding(other, server="second").role}"'))
        _drop(runtime, (other,))


@pytest.fixture
def billing_committed(runtime):
    """This module's tests commit (``committed``): the billing rows a test makes through the API stay, and the
    next test's ``contract`` would find its plan made already. Removed after the test (the metrics stay: they
    come with the migrations)."""
    yield
    with runtime.db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # in any order
        for table in (
            "billing_usage_claims", "billing_payments", "billing_invoice_signatures", "billing_invoice_lines",
            "billing_invoices", "billing_invoice_counters", "billing_charges", "billing_price_versions",
            "billing_contracts", "billing_accounts", "billing_alerts", "billing_usage_daily", "billing_usage_events",
            "billing_plans",
        ):  # fmt: skip
            conn.execute(text(f"DELETE FROM control.{table}"))


def test_the_dry_run_lists_the_control_steps_refusals_as_blocking(
    runtime, seeded, billing_committed, finance, contract
):
    """Billing refuses a merge dated inside a period already invoiced and finalized: the dry run says so (the
    control step's checks run in a control transaction rolled back), rather than the real run after its copy."""
    from billing_support import dossiers, ingest

    ingest(finance, dossiers(10))
    made = finance.post("/api/v1/billing/runs", json={"period": "2026-10"})
    assert made.status_code == 200, made.get_json()
    invoice_id = made.get_json()["invoice_ids"][0]
    assert finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize").status_code == 200
    plan = run.dry_run(runtime.db, "alpha", "beta", dt.date(2026, 10, 15))
    refusals = [c for c in plan.blocking if c.kind == "control"]
    assert len(refusals) == 1 and "finalized for 2026-10-01 – 2026-10-31" in refusals[0].outcome, plan.conflicts
    assert status_of(runtime, "alpha") == "active"
    with runtime.db.control_session() as session:  # the rolled-back control step left no trace
        merged = select(ControlAuditEvent.id).where(
            ControlAuditEvent.action == "tenant.merge", ControlAuditEvent.target == "tenant:alpha"
        )
        assert session.scalar(merged) is None


def test_on_another_server_a_control_refusal_found_before_the_commit_commits_no_data(runtime, seeded, two_servers):
    """Tenants on a server other than main: their data commits before the control step, so the control step's
    checks run again just before that commit; a refusal then (here: the target archived meanwhile) rolls the
    copy back instead of leaving the target holding the source's data with the control step refused."""
    from motcua_app.testing.seed import SEED_ACTOR
    from motcua_tenants.registry import services as registry
    from server_support import SLUG as ON_SECOND
    from server_support import create_on

    db, other = two_servers, "secondc"
    try:
        create_on(db, runtime, "second")
        spec = registry.TenantSpec(slug=other, name="Tỉnh C", unit_code="000.00.00.H97", server="second")
        with db.control_session() as session:
            job = registry.create_tenant(session, SEED_ACTOR, spec, base_domain=runtime.config.base_domain,
                                         servers=db.servers)  # fmt: skip
            session.commit()
        registry.provision(db, job.id)

        def rows(table: str) -> int:
            with db.engine_for("second").connect() as conn:
                return conn.scalar(text(f"SELECT count(*) FROM t_{other}.{table}"))

        units = rows("units")

        def archive_target(name: str) -> None:
            if name == "copied":  # the copy made, not committed
                with runtime.db.engine.begin() as conn:
                    conn.execute(text("UPDATE control.tenants SET status = 'archived' WHERE slug = :s"), {"s": other})

        with pytest.raises(run.Refused) as refused:
            run.merge(db, runtime.config, SEED_ACTOR, ON_SECOND, other, ON, settle_seconds=0, on_step=archive_target)
        assert "archived" in refused.value.plan.blocking[0].outcome
        assert rows("tenant_merges") == 0 and rows("units") == units  # nothing committed on "second"
        assert status_of(runtime, ON_SECOND) == "active"  # this run suspended it, and resumed it
    finally:
        with db.engine_for("second").begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "t_{other}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{db.binding(other, server="second").role}"'))
        _drop(runtime, (other,))
