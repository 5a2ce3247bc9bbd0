"""The tenant schema stays one that Citus's schema-based sharding can distribute as a unit
(docs/operations/scale-out.md, "Citus 12+"): a distributed schema may hold no foreign key to or from
another schema, no view or routine that reads another schema, no column of a type defined elsewhere,
and sequences no narrower than BIGINT. Read from the catalogue of a tenant migrated to head with every
plugin's tables, so a migration that breaks a rule fails here."""

import pytest
from sqlalchemy import text

# Schemas whose objects a tenant schema may use: PostgreSQL's own.
SYSTEM = "('pg_catalog', 'information_schema')"


@pytest.fixture
def schema(runtime, seeded) -> str:
    return runtime.db.binding(seeded["alpha"].slug).schema


def rows(runtime, sql: str, schema: str) -> list[tuple]:
    with runtime.db.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), {"s": schema})]


def test_the_schema_has_tables_to_check(runtime, schema):
    tables = rows(runtime, "SELECT count(*) FROM pg_class WHERE relnamespace = CAST(:s AS regnamespace) "
                  "AND relkind = 'r'", schema)  # fmt: skip
    assert tables[0][0] > 40  # the one-stop domain and the plugins' tables, not an empty schema


def test_no_foreign_key_crosses_the_schema(runtime, schema):
    crossing = rows(
        runtime,
        "SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
        "JOIN pg_class r ON r.oid = c.conrelid JOIN pg_class f ON f.oid = c.confrelid "
        "WHERE c.contype = 'f' AND (r.relnamespace = CAST(:s AS regnamespace)) "
        "<> (f.relnamespace = CAST(:s AS regnamespace))",
        schema,
    )
    assert crossing == []
    inside = rows(runtime, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                  "AND connamespace = CAST(:s AS regnamespace)", schema)  # fmt: skip
    assert inside[0][0] > 0  # the check above looked at real keys


def test_no_view_reads_another_schema(runtime, schema):
    reads = rows(
        runtime,
        "SELECT DISTINCT v.relname, n.nspname FROM pg_class v "
        "JOIN pg_rewrite w ON w.ev_class = v.oid JOIN pg_depend d ON d.objid = w.oid "
        "JOIN pg_class r ON r.oid = d.refobjid JOIN pg_namespace n ON n.oid = r.relnamespace "
        f"WHERE v.relnamespace = CAST(:s AS regnamespace) AND v.relkind IN ('v', 'm') "
        f"AND r.relnamespace <> v.relnamespace AND n.nspname NOT IN {SYSTEM}",
        schema,
    )
    assert reads == []


def test_no_column_has_a_type_from_another_schema(runtime, schema):
    foreign_types = rows(
        runtime,
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid "
        "JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE c.relnamespace = CAST(:s AS regnamespace) AND a.attnum > 0 AND NOT a.attisdropped "
        f"AND n.nspname NOT IN {SYSTEM} AND t.typnamespace <> c.relnamespace",
        schema,
    )
    assert foreign_types == []


def test_no_trigger_or_default_calls_a_routine_elsewhere(runtime, schema):
    triggers = rows(
        runtime,
        "SELECT c.relname, g.tgname, p.proname, n.nspname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
        "JOIN pg_proc p ON p.oid = g.tgfoid JOIN pg_namespace n ON n.oid = p.pronamespace "
        f"WHERE c.relnamespace = CAST(:s AS regnamespace) AND NOT g.tgisinternal AND n.nspname NOT IN {SYSTEM} "
        "AND p.pronamespace <> c.relnamespace",
        schema,
    )
    assert triggers == []
    defaults = rows(
        runtime,
        "SELECT c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d "
        "JOIN pg_class c ON c.oid = d.adrelid JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
        "WHERE c.relnamespace = CAST(:s AS regnamespace)",
        schema,
    )
    assert defaults  # identity columns and server defaults exist, so the next check reads real expressions
    elsewhere = [row for row in defaults if "control." in row[2] or "procrastinate." in row[2]]
    assert elsewhere == []


def test_sequences_are_bigint(runtime, schema):
    narrow = rows(
        runtime,
        "SELECT c.relname, format_type(s.seqtypid, NULL) FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid "
        "WHERE c.relnamespace = CAST(:s AS regnamespace) AND s.seqtypid <> 'bigint'::regtype",
        schema,
    )
    assert narrow == []
    counted = rows(runtime, "SELECT count(*) FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid "
                   "WHERE c.relnamespace = CAST(:s AS regnamespace)", schema)  # fmt: skip
    assert counted[0][0] > 0
