"""The ``motcua`` command: the kernel's own commands (run, stop, worker, openapi…). The areas' groups live
beside their areas and come from the installed areas (``motcua_app`` installs them)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from structlog.contextvars import bind_contextvars, unbind_contextvars

from motcua_platform import areas, metrics, worker_metrics
from motcua_platform.config import Config, ConfigError, load_config
from motcua_platform.db.embedded import embedded_running, stop_embedded
from motcua_platform.plugins.base import PluginError
from motcua_platform.runtime import Runtime, build_runtime
from motcua_platform.supervisor import WorkerSupervisor

RUN_PID_FILE = "run.pid"  # in the instance folder, while `motcua run` serves it (read by `motcua stop`)
# gunicorn's settings are a module of the package, not a file of the source tree: an installed wheel has them too
GUNICORN_SETTINGS = "python:motcua_platform.gunicorn_settings"


def cli_config() -> Config:
    try:
        return load_config()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def embedded_pgdata(config: Config) -> Path:
    return config.instance_path / "pgdata"


class CliContext:
    """Builds the runtime on first use, so `motcua --help` never touches a database.

    A command that had to start the embedded PostgreSQL (no MOTCUA_DATABASE_URL, server not running) stops
    it again when it ends, so no command leaves a database server behind; one that found it running leaves
    it running for whoever started it."""

    def __init__(self):
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            config = cli_config()
            started_embedded = not config.database_url and not embedded_running(embedded_pgdata(config))
            try:
                self._runtime = build_runtime(config)
            except (ConfigError, PluginError) as exc:
                raise click.ClickException(str(exc)) from None
            context = click.get_current_context(silent=True)
            if started_embedded and context is not None:
                context.call_on_close(self._stop_embedded)
        return self._runtime

    def _stop_embedded(self) -> None:
        runtime = self._runtime
        runtime.jobs.close()
        runtime.db.dispose()
        stop_embedded(embedded_pgdata(runtime.config))
        click.echo(f"Stopped the embedded PostgreSQL ({embedded_pgdata(runtime.config)})", err=True)


pass_cli = click.make_pass_decorator(CliContext, ensure=True)


class AreasGroup(click.Group):
    """The kernel's commands, then each installed area's group. Every record a command logs carries the
    ``command`` it is (``db upgrade``)."""

    def _area_groups(self) -> dict[str, click.Command]:
        groups = (areas.load(path) for path in areas.installed().cli_groups)
        return {group.name: group for group in groups}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._area_groups()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._area_groups().get(name)

    def resolve_command(self, ctx, args):
        bind_contextvars(command=command_name(self, ctx, args))
        return super().resolve_command(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        finally:  # a command run in-process (tests, CliRunner) leaves nothing bound behind it
            unbind_contextvars("command")


def command_name(group: click.Group, ctx: click.Context, args: list[str]) -> str:
    """The sub-command names at the head of ``args`` (``tenants create``), never an argument or option value."""
    words: list[str] = []
    command: click.Command | None = group
    for arg in args:
        command = command.get_command(ctx, arg) if isinstance(command, click.Group) else None
        if command is None:
            break
        words.append(arg)
    return " ".join(words)


@click.group(cls=AreasGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Motcua Cloud: the electronic one-stop shop that provinces lease as a service.

    Configuration comes from MOTCUA_* environment variables (docs/configuration.md). With no
    MOTCUA_DATABASE_URL an embedded PostgreSQL is started under ./instance and reused.
    """
    ctx.ensure_object(CliContext)


def repo_file(*parts: str) -> Path:
    return Path(__file__).resolve().parents[2].joinpath(*parts)


def gunicorn_command() -> list[str]:
    """gunicorn (beside this Python's executable) serving the app with the packaged settings."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    return [gunicorn, "motcua_app.wsgi:app", "-c", GUNICORN_SETTINGS]


@main.command()
@click.option("--workers", type=int, help="gunicorn workers (default MOTCUA_WEB_WORKERS).")
@click.option("--bind", help="host:port (default MOTCUA_BIND, 127.0.0.1:8000).")
@click.option(
    "--with-worker/--no-worker",
    default=True,
    show_default=True,
    help="Also run a job worker (notifications, usage, billing, provisioning), restarted if it dies.",
)
@pass_cli
def run(cli: CliContext, workers: int | None, bind: str | None, with_worker: bool) -> None:
    """Serve the platform with gunicorn (motcua_platform.gunicorn_settings) and a supervised job worker.

    Stop it with Ctrl-C, SIGTERM or `motcua stop`. The embedded PostgreSQL, if this command started it,
    is stopped when the server has stopped."""
    config = cli.runtime.config.with_overrides(**({"bind": bind} if bind else {}))
    env = dict(
        os.environ,
        MOTCUA_DATABASE_URL=config.database_url,
        MOTCUA_SECRET_KEY=config.secret_key,
        MOTCUA_INSTANCE_PATH=str(config.instance_path),
    )
    if workers:
        env["MOTCUA_WEB_WORKERS"] = str(workers)
    # every process of this server (web workers, job worker) counts into one folder, emptied at each start
    # (motcua_platform.metrics); a folder given in the environment is the operator's own
    if not env.get(metrics.MULTIPROCESS_ENV):
        folder = config.instance_path / "metrics"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        env[metrics.MULTIPROCESS_ENV] = str(folder)
    env["MOTCUA_BIND"] = config.bind
    command = gunicorn_command()
    # the worker counts into the web's folder, so the web's /metrics holds its figures: a port of its own
    # would serve them a second time (docs/operations/observability.md#the-job-workers-metrics)
    worker_env = {name: value for name, value in env.items() if name != "MOTCUA_WORKER_METRICS_BIND"}
    worker_command = [sys.executable, "-m", "motcua_app.cli", "worker"]
    supervisor = WorkerSupervisor(worker_command, worker_env) if with_worker else None
    click.echo(f"Platform host: {config.public_url(config.base_domain)}/api/docs")
    config.instance_path.mkdir(parents=True, exist_ok=True)  # absent with an external database
    pid_file = config.instance_path / RUN_PID_FILE
    pid_file.write_text(str(os.getpid()))
    server = subprocess.Popen(command, env=env)
    if supervisor is not None:
        supervisor.start()

    def forward(signum, _frame):  # a stop request for `motcua run` is one for gunicorn (graceful)
        if supervisor is not None:
            supervisor.stopping = True  # Ctrl-C reaches the worker too: that exit is no crash
        server.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        while True:
            try:
                server.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if supervisor is not None:
                    supervisor.check()
    finally:
        if supervisor is not None:
            supervisor.stop()
        pid_file.unlink(missing_ok=True)
    sys.exit(server.returncode or 0)


@main.command()
@click.option("--timeout", default=60, show_default=True, help="Seconds to wait for `motcua run` to stop.")
def stop(timeout: int) -> None:
    """Stop this instance (MOTCUA_INSTANCE_PATH): its `motcua run`, then its embedded PostgreSQL."""
    config = cli_config()
    pid_file = config.instance_path / RUN_PID_FILE
    pid = _running_motcua(pid_file)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        # Wait for the process itself, not its pid file: after removing the file it still stops the
        # embedded database it started, and two stops of one server would race.
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            raise click.ClickException(f"motcua run (pid {pid}) did not stop within {timeout} s")
        click.echo(f"Stopped motcua run (pid {pid})")
    pgdata = embedded_pgdata(config)
    if config.database_url:
        click.echo("MOTCUA_DATABASE_URL is set: this instance has no embedded PostgreSQL to stop")
    elif embedded_running(pgdata):
        stop_embedded(pgdata)
        click.echo(f"Stopped the embedded PostgreSQL ({pgdata})")
    else:
        click.echo(f"The embedded PostgreSQL is not running ({pgdata})")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a child of the caller that exited stays a zombie until reaped: that is stopped too
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return not Path("/proc").is_dir()


def _running_motcua(pid_file: Path) -> int | None:
    """The pid in ``pid_file`` if that process is alive and is a motcua command (not a reused pid)."""
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes() if Path("/proc").is_dir() else b"motcua"
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid if b"motcua" in cmdline else None


@main.command()
@click.option("--once", is_flag=True, help="Run queued jobs, then exit when the queue is empty.")
@pass_cli
def worker(cli: CliContext, once: bool) -> None:
    """Run background jobs (procrastinate worker).

    With MOTCUA_WORKER_METRICS_BIND set, also answers Prometheus at GET /metrics on that address."""
    runtime = cli.runtime
    bind = runtime.config.worker_metrics_bind
    try:
        server = worker_metrics.MetricsServer(runtime, bind) if bind else None
    except OSError as exc:
        raise click.ClickException(f"MOTCUA_WORKER_METRICS_BIND: cannot listen on {bind} ({exc})") from None
    click.echo("Job worker started" + (" (until the queue is empty)" if once else ""), err=True)
    if server is not None:
        click.echo(f"Job worker metrics at http://{bind}/metrics", err=True)
    try:
        runtime.jobs.run_worker(wait=not once, context={"runtime": runtime})
    finally:
        if server is not None:
            server.stop()


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
