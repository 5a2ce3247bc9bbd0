"""Words for the control plane's codes (tenant status, job status and steps, operator roles), in the
reader's language; an unknown code is shown as it is."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext

TENANT_STATUS = {
    "provisioning": lazy_gettext("Provisioning"),
    "active": lazy_gettext("Active"),
    "suspended": lazy_gettext("Suspended"),
    "archived": lazy_gettext("Archived"),
    "merged": lazy_gettext("Merged"),
}
TENANT_STATUS_TAG = {
    "active": "tag-ok",
    "provisioning": "tag-warn",
    "suspended": "tag-bad",
    "archived": "",
    "merged": "",
}
JOB_STATUS = {
    "queued": lazy_gettext("Waiting for a worker"),
    "running": lazy_gettext("Running"),
    "succeeded": lazy_gettext("Finished"),
    "failed": lazy_gettext("Failed"),
}
# The steps the provisioning and archiving jobs report (registry.services.provision, archive), in order.
JOB_STEPS = {
    "provision": (
        ("queued", lazy_gettext("Queued")),
        ("starting", lazy_gettext("Starting")),
        ("creating schema and role", lazy_gettext("Creating the schema and database role")),
        ("applying migrations", lazy_gettext("Applying the migrations")),
        ("seeding", lazy_gettext("Seeding the province’s first data")),
        ("done", lazy_gettext("Done")),
    ),
    "archive": (
        ("queued", lazy_gettext("Queued")),
        ("starting", lazy_gettext("Starting")),
        ("dumping schema with pg_dump", lazy_gettext("Writing the schema’s dump with pg_dump")),
        ("removing schema and role", lazy_gettext("Removing the schema and database role")),
        ("done", lazy_gettext("Done")),
    ),
}
STEP_STATE = {
    "done": lazy_gettext("Done:"),
    "current": lazy_gettext("Now:"),
    "failed": lazy_gettext("Failed:"),
    "todo": lazy_gettext("Next:"),
}
ROLES = {
    "operator": lazy_gettext("Operator"),
    "finance": lazy_gettext("Finance"),
    "admin": lazy_gettext("Administrator"),
}


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
