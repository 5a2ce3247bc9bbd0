"""What a process needs to do work: configuration, database and job queue. Built once per process by the
web app, the CLI and the job worker alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from motcua_platform import error_reporting, tracing
from motcua_platform.config import Config, ensure_secret_key, load_config
from motcua_platform.db.database import Database
from motcua_platform.db.embedded import start_embedded
from motcua_platform.directory.placement import place
from motcua_platform.jobs import JobQueue
from motcua_platform.log_setup import configure_logging
from motcua_platform.plugins.engine import activate, active, load_plugins
from motcua_platform.tenant_context import TenantContext, load_context

if TYPE_CHECKING:
    from motcua_platform.tenancy import TenantResolver


@dataclass
class Runtime:
    config: Config
    db: Database
    jobs: JobQueue
    resolver: TenantResolver | None = None  # set by the web app

    def tenant_context(self, slug: str) -> TenantContext:
        """Tenant ``slug``'s context, read from the directory: a job builds it once, when it starts."""
        return load_context(self.db, self.config, slug, active())


def resolve_database_url(config: Config) -> Config:
    if config.database_url:
        return config
    return config.with_overrides(database_url=start_embedded(config.instance_path / "pgdata"))


def build_runtime(config: Config | None = None) -> Runtime:
    config = config or load_config()
    # first, so that starting the embedded database is logged too
    configure_logging(config.log_level, config.log_format)
    error_reporting.start(config)  # every process (web, worker, CLI) builds its runtime here
    tracing.start(config)  # before the Database: its engines are traced as they are created
    config = ensure_secret_key(resolve_database_url(config))
    assert config.database_url
    activate(load_plugins(config.plugins))  # fails fast, naming the plugin, when one is invalid
    db = Database(config.database_url, servers=dict(config.database_servers), pool_size=config.db_pool_size)
    place(db, config.tenant_cache_seconds)
    return Runtime(config=config, db=db, jobs=JobQueue(config.database_url))
