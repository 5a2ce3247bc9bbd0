"""The plugin-author guide's promises: the quickstart takes a new procedure group from nothing to enabled on
a tenant with passing tests, and the example's own tests pass."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from motcua_app.cli import main
from motcua_platform.plugins.engine import BUILT_IN, activate, active, load_plugins
from plugin_support import install_in_place

REPO = Path(__file__).resolve().parents[2]
NAME = "harbour"


def run_plugin_tests(project: Path, import_path: list[str] = ()) -> subprocess.CompletedProcess:
    """``pytest`` in the plugin's folder, as its author runs it: a session of its own, with its own test
    database (named after that folder, so it never meets this run's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "MOTCUA_PLUGINS"))}
    env["PYTHONPATH"] = os.pathsep.join([*import_path, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture
def scaffolded(tmp_path, monkeypatch):
    """Quickstart steps 1 and 2: ``motcua plugins new`` into a fresh folder, then installed."""
    project = tmp_path / "plugins" / NAME
    monkeypatch.chdir(tmp_path)  # the default --path is ./plugins/NAME
    result = CliRunner().invoke(main, ["plugins", "new", NAME])
    assert result.exit_code == 0, result.output
    assert f"plugin {NAME} written to plugins/{NAME}/" in result.output
    import_path = install_in_place(project, tmp_path / "site")
    for folder in reversed(import_path):
        monkeypatch.syspath_prepend(folder)
    yield project, import_path
    for module in [m for m in sys.modules if m.split(".")[0] == f"motcua_plugin_{NAME}"]:
        del sys.modules[module]


def test_the_quickstart_takes_a_new_plugin_to_enabled_on_a_tenant_with_passing_tests(
    scaffolded, platform, host_client, seeded
):
    project, import_path = scaffolded
    # Step 3: allow-listed, the plugin loads through its entry point and passes the start-up checks.
    registry = load_plugins([*BUILT_IN, NAME])
    plugin = registry.get(NAME)
    assert type(plugin).__module__ == f"motcua_plugin_{NAME}.plugin"
    code = plugin.procedures[0].code
    previous = active()
    activate(registry)
    try:
        # Step 4: enabled for a tenant through the platform API; its procedure joins that catalogue only.
        enabled = platform.put(f"/api/v1/tenants/alpha/plugins/{NAME}", json={"enabled": True})
        assert enabled.status_code == 200, enabled.get_json()
        assert enabled.get_json()["settings"] == {"discount_percent": 0}
        alpha, beta = host_client(seeded["alpha"].host), host_client(seeded["beta"].host)
        assert [p["code"] for p in alpha.get(f"/api/v1/procedures?plugin={NAME}").get_json()] == [code]
        assert beta.get(f"/api/v1/procedures/{code}").status_code == 404
        form = {"full_name": "Nguyễn Văn An", "citizen_id": "066085001234", "copies": 2}
        checked = alpha.post(f"/api/v1/procedures/{code}/form/check", json=form)
        assert checked.status_code == 200, checked.get_json()
        assert checked.get_json()["total_fee"] == 100_000
    finally:
        activate(previous)
    # Step 5: the plugin's own tests pass, run as its author runs them.
    run = run_plugin_tests(project, import_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "4 passed" in run.stdout


def test_the_scaffold_is_lint_clean(scaffolded):
    project, _ = scaffolded
    for command in (["check"], ["format", "--check"]):
        run = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "."], cwd=project, capture_output=True, text=True, check=False
        )
        assert run.returncode == 0, run.stdout + run.stderr


def test_the_example_plugins_own_tests_pass():
    run = run_plugin_tests(REPO / "plugins" / "example_fishing")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "5 passed" in run.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Harbour"], "'Harbour' is not a valid plugin name: use lower-case letters, digits and underscores"),
        (["9lives"], "'9lives' is not a valid plugin name"),
        (["water-supply"], "'water-supply' is not a valid plugin name"),
        (["a" * 61], "at most 60 characters"),
        (["land"], "a plugin named 'land' is already installed; choose another name"),
        (["fishing"], "a plugin named 'fishing' is already installed"),
        (["harbour", "--path", "."], "already exists; choose another --path or remove it first"),
    ],
)
def test_new_refuses_bad_names_and_existing_folders(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["plugins", "new", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written
