"""`motcua run` serves with the packaged gunicorn settings wherever the code is installed: the command names a
module of the package (never a file of the source tree), that module ships in the wheel, and gunicorn's own
config loader, started away from the source tree, takes every setting and hook from it."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import motcua_platform.gunicorn_settings as settings_module
from motcua_platform.cli import GUNICORN_SETTINGS, gunicorn_command

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter in an empty folder: gunicorn's loader as `gunicorn -c …` runs it, printing what it set.
LOADER = """
import json, sys
from gunicorn.app.wsgiapp import WSGIApplication
sys.argv = ["gunicorn", *sys.argv[1:]]
cfg = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg
print(json.dumps({
    "bind": cfg.bind, "workers": cfg.workers, "worker_class": cfg.worker_class_str, "preload_app": cfg.preload_app,
    "max_requests": cfg.max_requests, "max_requests_jitter": cfg.max_requests_jitter, "timeout": cfg.timeout,
    "graceful_timeout": cfg.graceful_timeout, "keepalive": cfg.keepalive,
    "logger_class": cfg.settings["logger_class"].get(), "accesslog": cfg.accesslog, "loglevel": cfg.loglevel,
    "proc_name": cfg.proc_name, "control_socket": cfg.control_socket,
    "post_fork": cfg.post_fork.__module__, "child_exit": cfg.child_exit.__module__,
}))
"""


def test_motcua_run_names_the_packaged_settings_module_and_no_file():
    command = gunicorn_command()
    assert command[1:] == ["motcua_app.wsgi:app", "-c", GUNICORN_SETTINGS]
    assert f"python:{settings_module.__name__}" == GUNICORN_SETTINGS


def test_the_settings_module_ships_in_the_wheel():
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    module = Path(settings_module.__file__).resolve()
    assert any(module.is_relative_to(ROOT / package) for package in wheel["packages"]), module
    assert not (ROOT / "infra" / "gunicorn.conf.py").exists()  # one copy of the settings


def test_gunicorn_loads_every_setting_and_hook_from_the_module_outside_the_source_tree(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "MOTCUA_BIND": "0.0.0.0:8123",
        "MOTCUA_WEB_WORKERS": "3",
        "MOTCUA_LOG_LEVEL": "WARNING",
        "MOTCUA_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    result = subprocess.run(
        [sys.executable, "-c", LOADER, *gunicorn_command()[1:]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "bind": ["0.0.0.0:8123"],
        "workers": 3,
        "worker_class": "motcua_platform.web_worker.JsonErrorSyncWorker",
        "preload_app": True,
        "max_requests": 100000,
        "max_requests_jitter": 10000,
        "timeout": 30,
        "graceful_timeout": 20,
        "keepalive": 5,
        "logger_class": "motcua_platform.web_worker.GunicornLogger",
        "accesslog": None,
        "loglevel": "warning",
        "proc_name": "motcua",
        "control_socket": str(tmp_path / "instance" / "gunicorn.ctl"),
        "post_fork": "motcua_platform.gunicorn_settings",
        "child_exit": "motcua_platform.gunicorn_settings",
    }
