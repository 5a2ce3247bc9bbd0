"""Words for the control plane's codes (tenant status, job status and steps, operator roles), in the
reader's language; an unknown code is shown as it is."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

TENANT_STATUS = {
    "provisioning": _l("Provisioning"),
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "archived": _l("Archived"),
}
TENANT_STATUS_TAG = {"active": "tag-ok", "provisioning": "tag-warn", "suspended": "tag-bad", "archived": ""}
JOB_STATUS = {
    "queued": _l("Waiting for a worker"),
    "running": _l("Running"),
    "succeeded": _l("Finished"),
    "failed": _l("Failed"),
}
# The steps the provisioning and archiving jobs report (registry.services.provision, archive), in order.
JOB_STEPS = {
    "provision": (
        ("queued", _l("Queued")),
        ("starting", _l("Starting")),
        ("creating schema and role", _l("Creating the schema and database role")),
        ("applying migrations", _l("Applying the migrations")),
        ("seeding", _l("Seeding the province’s first data")),
        ("done", _l("Done")),
    ),
    "archive": (
        ("queued", _l("Queued")),
        ("starting", _l("Starting")),
        ("dumping schema with pg_dump", _l("Writing the schema’s dump with pg_dump")),
        ("removing schema and role", _l("Removing the schema and database role")),
        ("done", _l("Done")),
    ),
}
STEP_STATE = {"done": _l("Done:"), "current": _l("Now:"), "failed": _l("Failed:"), "todo": _l("Next:")}
ROLES = {"operator": _l("Operator"), "finance": _l("Finance"), "admin": _l("Administrator")}


def tenant_status(code: str) -> str:
    return str(TENANT_STATUS.get(code, code))


def job_status(code: str) -> str:
    return str(JOB_STATUS.get(code, code))


def role(code: str) -> str:
    return str(ROLES.get(code, code))


def step(kind: str, code: str) -> str:
    return str(dict(JOB_STEPS.get(kind, ())).get(code, code))


def percent(value) -> str:
    return _("%(percent)s%%", percent=value) if value is not None else "—"
