"""The expand/contract check (ADR 0051): scripts written into a temp folder, refused with the file, line and
operation named, or accepted; only revisions newer than the baseline are read; today's tree passes."""

import textwrap
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from motcua_tenants.migrations.expand_contract import check_new_migrations, check_script, new_scripts

SCRIPT = '''"""fixture revision"""

import sqlalchemy as sa
from alembic import op
from motcua_platform.db import migration_steps

revision = "{revision}"
down_revision = {down}
{attributes}


def upgrade() -> None:
{body}


def downgrade() -> None:
    op.drop_table("units")
    op.drop_column("units", "email")
'''


def write(folder: Path, body: str, *, attributes: str = "", revision: str = "f1", down: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"20261207_1800_{revision}_fixture.py"
    path.write_text(
        SCRIPT.format(
            revision=revision,
            down=repr(down),
            attributes=attributes,
            body=textwrap.indent(textwrap.dedent(body).strip(), "    "),
        ),
        encoding="utf-8",
    )
    return path


REFUSED = [
    ('op.drop_column("units", "old_code")', "op.drop_column('units', 'old_code')", "drops a column"),
    ('op.drop_table("units")', "op.drop_table('units')", "drops a table"),
    ('op.rename_table("units", "offices")', "op.rename_table('units', 'offices')", "renames a table"),
    (
        'op.alter_column("units", "code", new_column_name="unit_code")',
        "new_column_name='unit_code'",
        "renames a column",
    ),
    ('op.alter_column("units", "code", type_=sa.Text())', "type_=sa.Text()", "changes a column's type"),
    ('op.alter_column("units", "email", nullable=False)', "nullable=False", "sets NOT NULL on an existing column"),
    (
        'op.drop_constraint("uq_units_code", "units")',
        "op.drop_constraint('uq_units_code', 'units')",
        "drops a constraint",
    ),
    ('op.execute("ALTER TABLE units RENAME COLUMN code TO unit_code")', "RENAME COLUMN CODE", "renames a table or"),
    ('op.execute("ALTER TABLE units DROP COLUMN old_code")', "ALTER TABLE UNITS DROP COLUMN", "drops a column"),
    (
        'op.execute("ALTER TABLE units ALTER COLUMN code TYPE text")',
        "ALTER COLUMN CODE TYPE",
        "changes a column's type",
    ),
    ('op.execute("ALTER TABLE units ALTER COLUMN email SET NOT NULL")', "SET NOT NULL", "sets NOT NULL"),
    ('op.execute("DROP TABLE IF EXISTS units")', "DROP TABLE IF EXISTS UNITS", "drops a table"),
    ('with op.batch_alter_table("units") as batch:\n    batch.drop_column("old_code")', "batch.drop_column", "drops a"),
    ('op.execute(sa.text("ALTER TABLE units DROP CONSTRAINT ck_units_kind"))', "DROP CONSTRAINT", "drops a constraint"),
    ('op.create_index("ix_units_code", "units", ["code"])', "op.create_index('ix_units_code'", "existing table units"),
    ('op.execute("CREATE INDEX ix_units_code ON units (code)")', "CREATE INDEX IX_UNITS_CODE", "existing table units"),
    ('op.create_unique_constraint("uq_units_code", "units", ["code"])', "create_unique_constraint", "existing table"),
    ('op.execute("ALTER TABLE units ADD CONSTRAINT uq_units_code UNIQUE (code)")', "ADD CONSTRAINT", "existing table"),
    (
        'op.create_index("ix_units_code", "units", ["code"], postgresql_concurrently=True)',
        "postgresql_concurrently=True",
        "CONCURRENTLY cannot run inside the migration's transaction",
    ),
    ('op.execute("CREATE INDEX CONCURRENTLY ix_u ON units (code)")', "CONCURRENTLY IX_U", "cannot run inside"),
    ('op.execute("DROP INDEX CONCURRENTLY ix_units_code")', "DROP INDEX CONCURRENTLY", "migration_steps.drop_index"),
    (
        'with op.get_context().autocommit_block():\n    op.execute("SELECT 1")',
        "autocommit_block()",
        "outside_transaction",
    ),
    ("op.execute(make_sql())", "op.execute(…)", "SQL the check cannot read"),
    # SQL run on any connection is read as SQL, and must be readable
    (
        'op.get_bind().execute(sa.text("ALTER TABLE units DROP COLUMN old_code"))',
        "op.get_bind().execute(ALTER TABLE UNITS DROP COLUMN OLD_CODE)",
        "drops a column",
    ),
    (
        "with migration_steps.outside_transaction() as connection:\n"
        '    connection.execute(sa.text("DROP TABLE IF EXISTS units"))',
        "connection.execute(DROP TABLE IF EXISTS UNITS)",
        "drops a table",
    ),
    (
        'op.get_bind().exec_driver_sql("ALTER TABLE units RENAME TO offices")',
        "exec_driver_sql(ALTER TABLE UNITS RENAME TO OFFICES)",
        "renames a table",
    ),
    ("op.get_bind().execute(units.delete())", "op.get_bind().execute(…)", "SQL the check cannot read"),
    ("op.get_bind().scalar(query)", "op.get_bind().scalar(…)", "SQL the check cannot read"),
    ('op.execute(f"DROP {kind} units")', "op.execute(DROP {…} units)", "a hole of the f-string could be 'TABLE'"),
    (
        'op.execute(f"ALTER TABLE units {change} old_code")',
        "op.execute(ALTER TABLE units {…} old_code)",
        "could be 'DROP' (drops a column)",
    ),
    # alembic.op under another name, and code the check cannot see into
    (
        'from alembic import op as o\no.drop_column("units", "old_code")',
        "o.drop_column('units', 'old_code')",
        "drops a",
    ),
    ('import alembic\nalembic.op.drop_table("units")', "alembic.op.drop_table('units')", "drops a table"),
    ('from alembic.op import drop_column\ndrop_column("units", "old_code")', "drop_column('units'", "drops a column"),
    (
        "from motcua_tenants.cleanup import drop_old_codes\ndrop_old_codes()",
        "drop_old_codes()",
        "calls motcua_tenants.cleanup.drop_old_codes, imported from another module",
    ),
    ('getattr(op, "drop_column")("units", "old_code")', "getattr(op, 'drop_column')", "the check cannot read it"),
    # a step commits what comes before it; re-run after a failed step, that fails
    (
        'op.add_column("units", sa.Column("email", sa.Text()))\n'
        'migration_steps.backfill("units", "email = lower(name)", "email IS NULL")',
        "op.add_column('units', sa.Column('email', sa.Text()))",
        "comes before migration_steps.backfill (line 14), which commits it",
    ),
    (
        'op.execute("ALTER TABLE units ADD COLUMN email text")\n'
        'migration_steps.create_index("ix_units_email", "units", ["email"])',
        "op.execute(ALTER TABLE UNITS ADD COLUMN EMAIL TEXT)",
        "comes before migration_steps.create_index (line 14)",
    ),
    (
        "with migration_steps.outside_transaction() as connection:\n"
        '    connection.execute(sa.text("ALTER TABLE units ADD COLUMN email text"))',
        "connection.execute(ALTER TABLE UNITS ADD COLUMN EMAIL TEXT)",
        "runs in autocommit inside migration_steps.outside_transaction()",
    ),
    # NOT NULL breaks old code's inserts: only in a contract step, or with a server default
    (
        'migration_steps.backfill("units", "email = lower(name)", "email IS NULL")\n'
        'op.alter_column("units", "email", nullable=False)',
        "op.alter_column('units', 'email', nullable=False)",
        "sets NOT NULL on an existing column",
    ),
    (
        "op.execute(\"UPDATE units SET email = '' WHERE email IS NULL; "
        'ALTER TABLE units ALTER COLUMN email SET NOT NULL")',
        "ALTER COLUMN EMAIL SET NOT NULL",
        "sets NOT NULL on an existing column",
    ),
    (
        'op.add_column("units", sa.Column("email", sa.Text()))\nop.alter_column("units", "email", nullable=False)',
        "op.alter_column('units', 'email', nullable=False)",
        "sets NOT NULL on an existing column",
    ),
    (
        'op.add_column("units", sa.Column("email", sa.Text(), nullable=False))',
        "op.add_column('units', sa.Column('email', sa.Text(), nullable=False))",
        "adds a NOT NULL column with no server default",
    ),
    (
        'op.execute("ALTER TABLE units ADD COLUMN email text NOT NULL")',
        "ADD COLUMN EMAIL TEXT NOT NULL",
        "adds a NOT NULL column with no server default",
    ),
]


@pytest.mark.parametrize(("body", "operation", "reason"), REFUSED, ids=[r[0][:50] for r in REFUSED])
def test_a_new_revision_is_refused_naming_its_file_and_operation(tmp_path, body, operation, reason):
    path = write(tmp_path, body)
    found = check_script(path, "tenant")
    assert len(found) == 1, found
    message = str(found[0])
    assert message.startswith("20261207_1800_f1_fixture.py:1"), message  # upgrade() starts on line 1x
    assert operation in message and reason in message, message


def test_contract_operations_are_refused_in_the_control_environment_too(tmp_path):
    path = write(tmp_path, 'op.drop_column("tenants", "old_name", schema="control")')
    assert [v.reason.split(";")[0] for v in check_script(path, "control")] == ["drops a column"]


def test_an_operation_in_a_module_function_upgrade_calls_is_read(tmp_path):
    path = write(tmp_path, "_drop()")
    path.write_text(path.read_text() + '\n\ndef _drop() -> None:\n    op.drop_table("units")\n', encoding="utf-8")
    assert [v.operation for v in check_script(path, "tenant")] == ["op.drop_table('units')"]


def test_a_marked_contract_step_may_drop_rename_and_tighten(tmp_path):
    body = """
        op.drop_column("units", "old_code")
        op.alter_column("units", "code", new_column_name="unit_code")
        op.alter_column("units", "email", nullable=False)
        op.execute("DROP TABLE unit_aliases")
    """
    path = write(tmp_path, body, attributes='phase = "contract"\nunused_since = "0.1.0"')
    assert check_script(path, "tenant") == []


def test_a_contract_step_still_builds_indexes_concurrently(tmp_path):
    body = 'op.create_index("ix_units_code", "units", ["code"])'
    path = write(tmp_path, body, attributes='phase = "contract"\nunused_since = "0.1.0"')
    assert [v.reason for v in check_script(path, "tenant")] == [
        "builds an index on the existing table units under a lock that stops its writes: "
        "use migration_steps.create_index (CONCURRENTLY, outside the transaction)"
    ]


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ('phase = "contract"', "names the release whose code stopped using the old shape"),
        ('phase = "contract"\nunused_since = "next"', "names the release whose code stopped using the old shape"),
        ('phase = "contract"\nunused_since = "99.0"', "names a release after this one"),
    ],
)
def test_a_contract_step_must_name_a_release_already_made(tmp_path, attributes, reason):
    path = write(tmp_path, 'op.drop_column("units", "old_code")', attributes=attributes)
    found = check_script(path, "tenant")
    assert [v.reason.split(";")[0] for v in found] == [found[0].reason, "drops a column"]
    assert reason in found[0].reason, found[0]


def test_expand_steps_pass(tmp_path):
    body = """
        # before a step, only what can run twice
        op.execute("ALTER TABLE units ADD COLUMN IF NOT EXISTS email text")
        op.add_column("units", sa.Column("phone", sa.Text()), if_not_exists=True)
        migration_steps.create_index("ix_units_email", "units", ["email"])
        migration_steps.backfill("units", "email = lower(name)", "email IS NULL")
        with migration_steps.outside_transaction() as connection:
            connection.execute(sa.text("ALTER TYPE unit_kind ADD VALUE IF NOT EXISTS 'ward'"))
        migration_steps.create_index("uq_units_code", "units", ["code"], unique=True)
        # after the last step, in the revision's transaction
        op.create_table("notes", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("unit_id", sa.Integer()))
        op.create_index("ix_notes_unit_id", "notes", ["unit_id"])
        op.alter_column("notes", "unit_id", nullable=False)  # made by this revision
        op.execute("CREATE TABLE tags (id bigint PRIMARY KEY, name text)")
        op.execute("CREATE INDEX ix_tags_name ON tags (name)")
        op.add_column("units", sa.Column("fax", sa.Text(), nullable=True))
        op.add_column("units", sa.Column("kind", sa.Text(), server_default="office", nullable=False))
        op.alter_column("units", "kind", nullable=False)
        op.execute("ALTER TABLE units ADD COLUMN channel text NOT NULL DEFAULT 'counter'")
        op.execute("ALTER TABLE units ALTER COLUMN kind DROP DEFAULT, ALTER COLUMN code DROP NOT NULL")
        # a check widened: dropped and created again under its name
        op.drop_constraint("ck_units_kind", "units")
        op.create_check_constraint("ck_units_kind", "units", "kind IN ('office', 'ward', 'commune')")
        op.drop_column("notes", "unit_id")  # made by this revision
        op.execute("ALTER TABLE units ADD CONSTRAINT uq_units_code UNIQUE USING INDEX uq_units_code")
        # SQL on the migration's connection, read as SQL; f-string holes for names and values
        if op.get_bind().scalar(sa.text("SELECT count(*) FROM units WHERE fax = ''")):
            op.get_bind().execute(sa.text("UPDATE units SET fax = NULL WHERE fax = :empty"), {"empty": ""})
        for table in ("notes", "tags"):
            op.execute(f"ANALYZE {table}")
            op.execute(f"COMMENT ON TABLE {table} IS 'made by {revision}'")
        op.get_bind().exec_driver_sql(f"UPDATE units SET kind = '{kind}' WHERE kind IS NULL")
    """
    assert check_script(write(tmp_path, body), "tenant") == []


def test_alembic_op_under_another_name_is_read_like_op(tmp_path):
    body = """
        from alembic import op as o
        import alembic
        o.add_column("units", sa.Column("email", sa.Text(), nullable=True))
        alembic.op.add_column("units", sa.Column("phone", sa.Text(), nullable=True))
        migration_steps.create_index("ix_units_email", "units", ["email"])
    """
    found = check_script(write(tmp_path, body), "tenant")
    assert [(v.line, v.operation.split("(")[0]) for v in found] == [(15, "o.add_column"), (16, "alembic.op.add_column")]
    assert all("comes before migration_steps.create_index (line 17)" in v.reason for v in found), found


def test_a_contract_step_may_set_not_null_after_the_expand_release(tmp_path):
    body = """
        migration_steps.backfill("units", "email = lower(name)", "email IS NULL")
        op.alter_column("units", "email", nullable=False)
        op.add_column("units", sa.Column("phone", sa.Text(), nullable=False))
        op.execute("ALTER TABLE units ALTER COLUMN fax SET NOT NULL")
    """
    path = write(tmp_path, body, attributes='phase = "contract"\nunused_since = "0.1.0"')
    assert check_script(path, "tenant") == []


def test_operations_before_a_step_are_the_tenant_rule_only(tmp_path):
    # control runs its steps inline, in its one transaction: nothing before a step is committed early
    body = """
        op.add_column("tenants", sa.Column("region", sa.Text()), schema="control")
        migration_steps.backfill("tenants", "region = 'south'", "region IS NULL")
    """
    assert check_script(write(tmp_path, body), "control") == []


def test_each_refusal_in_a_revision_is_listed(tmp_path):
    body = """
        op.add_column("units", sa.Column("email", sa.Text(), nullable=False))
        with migration_steps.outside_transaction() as connection:
            connection.execute(sa.text("DROP TABLE units"))
    """
    found = [(v.line, v.reason.split(":")[0].split(";")[0]) for v in check_script(write(tmp_path, body), "tenant")]
    assert found == [
        (13, "adds a NOT NULL column with no server default"),
        (13, "comes before migration_steps.outside_transaction (line 14), which commits it when the step starts"),
        (15, "runs in autocommit inside migration_steps.outside_transaction()"),
        (15, "drops a table"),
    ]


def test_indexes_on_existing_control_tables_are_not_the_tenant_rule(tmp_path):
    path = write(tmp_path, 'op.create_index("ix_tenants_name", "tenants", ["name"], schema="control")')
    assert check_script(path, "control") == []


def test_only_revisions_newer_than_the_baseline_are_read(tmp_path):
    versions = tmp_path / "versions"
    paths = [
        write(versions, 'op.drop_table("units")', revision=revision, down=down)
        for revision, down in [("r1", None), ("r2", "r1"), ("r3", "r2")]
    ]
    script = ScriptDirectory(str(tmp_path), version_locations=[str(versions)])
    assert new_scripts(script, ["r2"]) == [paths[2]]
    assert new_scripts(script, ["r3"]) == []
    assert new_scripts(script, []) == sorted(paths)


def test_the_migrations_in_the_tree_follow_the_rule():
    assert check_new_migrations() == []
