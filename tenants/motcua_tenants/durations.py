"""How long provisioning a tenant and upgrading a tenant's schema took, for Prometheus
(``motcua_platform.metrics``): observed in the process that does the work (the job worker for provisioning,
``motcua db upgrade`` or ``motcua run``'s start for migrations), which reports them when it shares the
server's ``PROMETHEUS_MULTIPROC_DIR``."""

from __future__ import annotations

from prometheus_client import Histogram

BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

PROVISIONING = Histogram(
    "motcua_tenant_provisioning_seconds",
    "Time to provision a tenant (schema, role, migrations, seed), by outcome",
    ["outcome"],
    buckets=BUCKETS,
)
MIGRATION = Histogram(
    "motcua_tenant_migration_seconds",
    "Time to upgrade one tenant's schema to the head revision, by outcome",
    ["outcome"],
    buckets=BUCKETS,
)
