"""Words the consoles show for the dossiers' codes, marked for the catalogue (translated where shown)."""

from __future__ import annotations

from motcua_onestop.dossiers.labels import status
from motcua_platform.i18n import gettext as _


def N_(message: str) -> str:
    return message


# The statuses in words are the one-stop domain's (motcua_onestop.dossiers.labels).
# What the button that moves a dossier to a status says.
ACTIONS = {
    1: N_("Resume intake"),
    2: N_("Receive"),
    3: N_("Refuse"),
    4: N_("Start processing"),
    5: N_("Ask for a supplement"),
    6: N_("Ask for payment"),
    7: N_("Record a withdrawal"),
    8: N_("Stop processing"),
    9: N_("Mark as processed"),
    10: N_("Return the result"),
}
# The transitions whose comment is required (the service refuses them without a reason).
REASON_REQUIRED = frozenset({3, 5, 8})
OUTCOMES = {"early": N_("Early"), "on_time": N_("On time"), "late": N_("Late")}
CHANNELS = {"online": N_("Online"), "counter": N_("At the counter"), "postal": N_("By post")}
ROLES = {"officer": N_("Officer"), "tenant_admin": N_("Administrator")}
# What a history entry that keeps the status records (dossiers.history.note's actions).
NOTES = {
    "comment": N_("Comment"),
    "step_claim": N_("Step claimed"),
    "step_assign": N_("Step given to a colleague"),
    "step_complete": N_("Step completed"),
    "step_handoff": N_("Step handed off"),
    "step_sign": N_("Result signed"),
    "document_revision": N_("New version of a document (signed)"),
    "extend": N_("Due date extended"),
    "document_add": N_("Document uploaded"),
    "document_digitised": N_("Document marked as scanned from paper"),
    "result_add": N_("Result uploaded"),
    "late_notice": N_("Late notice sent"),
    "link_account": N_("Linked to the applicant's account"),
}


def action(code: int) -> str:
    return _(ACTIONS[int(code)]) if int(code) in ACTIONS else str(code)


def outcome(code: str | None) -> str:
    return _(OUTCOMES[code]) if code in OUTCOMES else ""


def channel(code: str | None) -> str:
    return _(CHANNELS[code]) if code in CHANNELS else (code or "")


def role(code: str | None) -> str:
    return _(ROLES[code]) if code in ROLES else (code or "")


def history_entry(entry) -> str:
    """A history entry in words: the status it moved to, else what it records."""
    if entry.to_status is not None and entry.to_status != entry.from_status:
        return status(entry.to_status)
    return _(NOTES[entry.action]) if entry.action in NOTES else entry.action
