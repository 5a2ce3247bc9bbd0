"""What the tenants area contributes to the kernel's hooks: the readiness check that the schemas are at the
code's revisions. The composition root calls ``connect`` once per process."""

from __future__ import annotations

from typing import Any

from motcua_platform import readiness

from motcua_tenants.migrations.runner import control_heads, control_revision, tenant_revisions


def migrations_at_head(runtime: Any) -> str | None:
    if control_revision(runtime.db) != set(control_heads()):
        return "the control schema is not at the code's revision: run `motcua db upgrade`"
    behind = [t.slug for t in tenant_revisions(runtime.db) if not t.at_head]
    if behind:
        named = ", ".join(behind[:5])
        return f"{len(behind)} tenant schema(s) not at the code's revision ({named}): run `motcua db upgrade`"
    return None


def connect() -> None:
    readiness.add_check("migrations", migrations_at_head)
