"""Words the administration pages show for unit kinds, staff roles and audited actions."""

from __future__ import annotations

from motcua_platform.i18n import gettext as _

from motcua_console.labels import N_

KINDS = {
    "province": N_("Province"),
    "department": N_("Department"),
    "service_centre": N_("Public-administration service centre"),
    "commune": N_("Commune"),
    "sector_office": N_("Sector office"),
}
ROLES = {
    "tenant_admin": N_("Administrator"),
    "officer": N_("Officer"),
    "finance_viewer": N_("Finance viewer"),
}
# The province's audited actions, said as what happened; an action not listed shows its code.
ACTIONS = {
    "auth.login": N_("Logged in"),
    "auth.locked": N_("Login locked after failed attempts"),
    "staff.create": N_("Created a staff account"),
    "staff.update": N_("Changed a staff account"),
    "staff.activate": N_("Reactivated a staff account"),
    "staff.deactivate": N_("Deactivated a staff account"),
    "staff.password_reset": N_("Reset a staff member’s password"),
    "staff.password": N_("Changed their own password"),
    "staff.unlock": N_("Unlocked a staff account"),
    "unit.create": N_("Created a unit"),
    "unit.update": N_("Changed a unit"),
    "unit.delete": N_("Deleted a unit"),
    "dossier.intake": N_("Took in a dossier"),
    "dossier.transition": N_("Changed a dossier’s status"),
    "dossier.comment": N_("Commented on a dossier"),
    "dossier.extend": N_("Extended a dossier’s due date"),
    "calendar.day_add": N_("Added a calendar day"),
    "calendar.day_remove": N_("Removed a calendar day"),
    "calendar.seed": N_("Seeded the calendar"),
    "procedure.create": N_("Added a procedure"),
    "procedure.publish": N_("Published a procedure"),
    "procedure.retire": N_("Retired a procedure"),
    "branding.update": N_("Changed the portal’s branding"),
    "branding.logo": N_("Changed the portal’s logo"),
    "plugin.enable": N_("Enabled a plugin"),
    "signing.seal_registered": N_("Registered the seal’s signing certificate"),
    "signing.officer_certificate_registered": N_("Registered an officer’s signing certificate"),
    "signing.certificate_retired": N_("Retired a signing certificate"),
    "faq.create": N_("Added a question and answer"),
    "faq.update": N_("Changed a question and answer"),
    "faq.delete": N_("Deleted a question and answer"),
    "faq.generate": N_("Made questions and answers from the catalogue"),
    "citizen.register": N_("A citizen registered"),
    "citizen.update": N_("A citizen changed their details"),
    "citizen.password": N_("A citizen changed their password"),
}


def kind(code: str | None) -> str:
    return _(KINDS[code]) if code in KINDS else (code or "")


def role(code: str | None) -> str:
    return _(ROLES[code]) if code in ROLES else (code or "")


def action(code: str | None) -> str:
    return _(ACTIONS[code]) if code in ACTIONS else (code or "")
