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
        op.create_table("notes", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("unit_id", sa.Integer()))
        op.create_index("ix_notes_unit_id", "notes", ["unit_id"])
        op.execute("CREATE TABLE tags (id bigint PRIMARY KEY, name text)")
        op.execute("CREATE INDEX ix_tags_name ON tags (name)")
        op.add_column("units", sa.Column("email", sa.Text(), nullable=True))
        op.add_column("units", sa.Column("kind", sa.Text(), server_default="office", nullable=False))
        migration_steps.create_index("ix_units_email", "units", ["email"])
        migration_steps.backfill("units", "email = lower(name)", "email IS NULL")
        op.alter_column("units", "email", nullable=False)
        op.execute("UPDATE dossiers SET channel = 'counter' WHERE channel IS NULL")
        op.execute("ALTER TABLE dossiers ALTER COLUMN channel SET NOT NULL")
        op.execute("ALTER TABLE units ALTER COLUMN kind DROP DEFAULT, ALTER COLUMN code DROP NOT NULL")
        # a check widened: dropped and created again under its name
        op.drop_constraint("ck_units_kind", "units")
        op.create_check_constraint("ck_units_kind", "units", "kind IN ('office', 'ward', 'commune')")
        op.drop_column("notes", "unit_id")  # made by this revision
        migration_steps.create_index("uq_units_code", "units", ["code"], unique=True)
        op.execute("ALTER TABLE units ADD CONSTRAINT uq_units_code UNIQUE USING INDEX uq_units_code")
    """
    assert check_script(write(tmp_path, body), "tenant") == []


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
