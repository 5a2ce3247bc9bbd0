"""The ``motcua`` command. Sub-groups live beside their areas and are attached here."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import click

from motcua_platform.config import ConfigError, load_config
from motcua_platform.plugins.base import PluginError
from motcua_platform.runtime import Runtime, build_runtime


class CliContext:
    """Builds the runtime on first use, so `motcua --help` never touches a database."""

    def __init__(self):
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            try:
                self._runtime = build_runtime(load_config())
            except (ConfigError, PluginError) as exc:
                raise click.ClickException(str(exc)) from None
        return self._runtime


pass_cli = click.make_pass_decorator(CliContext, ensure=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Motcua Cloud: the electronic one-stop shop that provinces lease as a service.

    Configuration comes from MOTCUA_* environment variables (docs/configuration.md). With no
    MOTCUA_DATABASE_URL an embedded PostgreSQL is started under ./instance and reused.
    """
    ctx.ensure_object(CliContext)


def repo_file(*parts: str) -> Path:
    return Path(__file__).resolve().parents[2].joinpath(*parts)


@main.command()
@click.option("--workers", type=int, help="gunicorn workers (default MOTCUA_WEB_WORKERS).")
@click.option("--bind", help="host:port (default MOTCUA_BIND, 127.0.0.1:8000).")
@click.option(
    "--with-worker/--no-worker",
    default=True,
    show_default=True,
    help="Also run a job worker (provisioning, archiving) beside the web server.",
)
@pass_cli
def run(cli: CliContext, workers: int | None, bind: str | None, with_worker: bool) -> None:
    """Serve the platform with gunicorn (infra/gunicorn.conf.py)."""
    config = cli.runtime.config
    env = dict(
        os.environ,
        MOTCUA_DATABASE_URL=config.database_url,
        MOTCUA_SECRET_KEY=config.secret_key,
        MOTCUA_INSTANCE_PATH=str(config.instance_path),
    )
    if workers:
        env["MOTCUA_WEB_WORKERS"] = str(workers)
    if bind:
        env["MOTCUA_BIND"] = bind
    conf = repo_file("infra", "gunicorn.conf.py")
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    command = [gunicorn, "motcua_platform.wsgi:app"] + (["-c", str(conf)] if conf.exists() else [])
    worker = subprocess.Popen([sys.executable, "-m", "motcua_platform.cli", "worker"], env=env) if with_worker else None
    host_port = env.get("MOTCUA_BIND", config.bind)
    click.echo(f"Platform host: http://{config.base_domain}:{host_port.rsplit(':', 1)[-1]}/api/docs")
    server = subprocess.Popen(command, env=env)

    def forward(signum, _frame):  # a stop request for `motcua run` is one for gunicorn (graceful)
        server.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        server.wait()
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    sys.exit(server.returncode or 0)


@main.command()
@click.option("--once", is_flag=True, help="Run queued jobs, then exit when the queue is empty.")
@pass_cli
def worker(cli: CliContext, once: bool) -> None:
    """Run background jobs (procrastinate worker)."""
    runtime = cli.runtime
    click.echo("Job worker started" + (" (until the queue is empty)" if once else ""), err=True)
    runtime.jobs.run_worker(wait=not once, context={"runtime": runtime})


@main.group()
def openapi() -> None:
    """The committed OpenAPI document (docs/openapi.json)."""


def spec_json(app) -> str:
    """The app's OpenAPI document as committed in docs/openapi.json (stable key order)."""
    import json

    with app.app_context():
        spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return json.dumps(spec, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@openapi.command("write")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=repo_file("docs", "openapi.json"))
@pass_cli
def openapi_write(cli: CliContext, path: Path) -> None:
    """Write the OpenAPI document to PATH."""
    from motcua_platform.app import create_app

    path.write_text(spec_json(create_app(runtime=cli.runtime)), encoding="utf-8")
    click.echo(f"wrote {path}")


def _attach_groups() -> None:
    from motcua_billing.cli import billing
    from motcua_tenants.catalogue.cli import catalogue
    from motcua_tenants.demo import demo
    from motcua_tenants.migrations.cli import db
    from motcua_tenants.registry.cli import tenants
    from motcua_tenants.tenant_plugins.cli import plugins

    from motcua_platform.auth.cli import operators

    for command in (db, tenants, operators, plugins, catalogue, billing, demo):
        main.add_command(command)


_attach_groups()

if __name__ == "__main__":
    main()
