import pytest
from click.testing import CliRunner
from motcua_platform.cli import CliContext, main
from sqlalchemy import text


@pytest.fixture
def motcua(runtime, seeded):
    context = CliContext()
    context._runtime = runtime

    def invoke(*args, stdin=None):
        result = CliRunner().invoke(main, list(args), obj=context, input=stdin, catch_exceptions=False)
        return result

    return invoke


def test_help_needs_no_database():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "worker", "demo", "db", "tenants", "operators", "openapi"):
        assert command in result.output
    assert CliRunner().invoke(main, ["tenants", "--help"]).exit_code == 0


@pytest.mark.committed
def test_tenant_lifecycle_from_the_command_line(motcua, runtime):
    try:
        created = motcua(
            "tenants",
            "create",
            "theta",
            "--name",
            "Tỉnh Theta",
            "--unit-code",
            "000.00.00.T01",
            "--admin-email",
            "quantri@theta.gov.vn",
            "--admin-password",
            "Nui-cao-Song-dai-61",
        )
        assert created.exit_code == 0, created.output
        assert "tenant theta is active" in created.output
        listed = motcua("tenants", "list")
        assert "theta" in listed.output and "active" in listed.output
        shown = motcua("tenants", "show", "theta")
        assert "t_theta" in shown.output and "provision" in shown.output and "succeeded" in shown.output
        assert "now suspended" in motcua("tenants", "suspend", "theta").output
        again = motcua("tenants", "suspend", "theta")
        assert again.exit_code == 1 and "theta' is suspended" in again.output
        assert "now active" in motcua("tenants", "resume", "theta").output
        archived = motcua("tenants", "archive", "theta", "--yes")
        assert archived.exit_code == 0, archived.output
        assert "archived to" in archived.output and ".dump" in archived.output
    finally:
        binding = runtime.db.binding("theta")
        with runtime.db.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{binding.schema}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))
            conn.execute(text("DELETE FROM control.tenants WHERE slug = 'theta'"))


def test_bad_slug_from_the_command_line_explains_and_writes_nothing(motcua, runtime):
    result = motcua("tenants", "create", "Bad-Slug", "--name", "X", "--unit-code", "X.1", "--no-wait")
    assert result.exit_code == 1
    assert "slug: Slug must be lower-case" in result.output
    with runtime.db.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM control.tenants WHERE lower(slug) = 'bad-slug'")) == 0


def test_db_status_upgrade_and_check(motcua):
    status = motcua("db", "status")
    assert status.exit_code == 0
    from motcua_tenants.migrations.runner import control_heads

    assert f"control: {', '.join(sorted(control_heads()))} (at head)" in status.output
    assert "alpha" in status.output and "tenant(s) at head" in status.output
    upgrade = motcua("db", "upgrade")
    assert upgrade.exit_code == 0, upgrade.output
    check = motcua("db", "check")
    assert check.exit_code == 0 and "models match migrations" in check.output
    assert "new migrations follow the expand/contract rule" in check.output


def test_db_check_refuses_migrations_that_break_expand_contract(motcua, monkeypatch):
    from motcua_tenants.migrations import expand_contract

    # With no baseline every revision is new, and some of the first ones dropped what code had just stopped using.
    monkeypatch.setattr(expand_contract, "BASELINE", {})
    check = motcua("db", "check")
    assert check.exit_code == 1
    assert "expand/contract rule broken" in check.output and "models match" not in check.output
    assert (
        "20261206_1200_5c8e1f7a2d64_catalogue_trigram_search.py:38: op.drop_column('procedures', 'search_vector'): "
        "drops a column; only in a contract step" in check.output
    )


def test_openapi_write_matches_the_committed_document(motcua, tmp_path):
    from pathlib import Path

    target = tmp_path / "openapi.json"
    assert motcua("openapi", "write", str(target)).exit_code == 0
    committed = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
    assert target.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")


def test_operator_create_validates(motcua):
    result = motcua("operators", "create", "--email", "x@vendor.test", "--name", "X", "--password", "weak")
    assert result.exit_code == 1 and "password" in result.output


def test_plugins_and_catalogue_from_the_command_line(motcua, tmp_path):
    listed = motcua("plugins", "list", "--tenant", "alpha")
    assert listed.exit_code == 0
    assert "civil_status" in listed.output and "fishing" in listed.output  # installed but not allow-listed
    disabled = motcua("plugins", "disable", "land", "--tenant", "alpha")
    assert disabled.exit_code == 0 and "plugin land disabled for alpha" in disabled.output
    enabled = motcua(
        "plugins", "enable", "household_business", "--tenant", "alpha", "--set", "online_discount_percent=30"
    )
    assert enabled.exit_code == 0 and "'online_discount_percent': 30" in enabled.output
    bad = motcua("plugins", "enable", "civil_status", "--tenant", "alpha", "--set", "nonsense=1")
    assert bad.exit_code == 1 and "nonsense: Unknown setting for plugin civil_status." in bad.output
    exported = tmp_path / "alpha.csv"
    result = motcua("catalogue", "export", "alpha", str(exported))
    assert result.exit_code == 0 and "11 procedure(s)" in result.output  # land's 4 are hidden
    broken = tmp_path / "broken.csv"
    broken.write_text(exported.read_text(encoding="utf-8"), encoding="utf-8")
    refused = motcua("catalogue", "import", "beta", str(broken))
    assert refused.exit_code == 1
    assert "row 1, ma_thu_tuc: Code" in refused.output and "row 1, nguon:" in refused.output
    assert motcua("catalogue", "export", "nobody", str(tmp_path / "x.json")).exit_code == 1
