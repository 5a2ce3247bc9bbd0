"""What the tenants area contributes to the kernel's hooks: the readiness check that the schemas are at the
code's revisions. The composition root calls ``connect`` once per process."""

from __future__ import annotations

from typing import Any

from motcua_platform import readiness

from motcua_tenants.migrations.runner import control_heads, control_revision, tenant_revisions


def migrations_at_head(runtime: Any) -> str | None:
    if control_revision(runtime.db) != set(control_heads()):
        return "the control schema is not at the code's revision: run `motcua db upgrade`"
    # a tenant being moved (its schema fenced) or on a server that does not answer is not served anyway, and must
    # not take every process out of rotation (the others' provinces with it)
    revisions = tenant_revisions(runtime.db, skip_unreachable=True)
    behind = [t.slug for t in revisions if not t.at_head and not t.moving and not t.unreachable]
    if behind:
        named = ", ".join(behind[:5])
        return f"{len(behind)} tenant schema(s) not at the code's revision ({named}): run `motcua db upgrade`"
    return None


def connect() -> None:
    readiness.add_check("migrations", migrations_at_head)
