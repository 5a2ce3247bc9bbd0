"""Words the consoles show for the dossiers' codes, marked for the catalogue (translated where shown)."""

from __future__ import annotations

from motcua_platform.i18n import gettext as _


def N_(message: str) -> str:
    return message


# The official Vietnamese names are these messages' translations (dossiers.services.STATUS_NAMES).
STATUSES = {
    1: N_("Submitted, awaiting intake"),
    2: N_("Received by the office"),
    3: N_("Not received"),
    4: N_("Being processed"),
    5: N_("Supplement requested"),
    6: N_("Payment requested"),
    7: N_("Withdrawal requested"),
    8: N_("Processing stopped"),
    9: N_("Processed"),
    10: N_("Result returned"),
}
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


def status(code: int | None) -> str:
    return _(STATUSES[int(code)]) if code is not None and int(code) in STATUSES else ""


def action(code: int) -> str:
    return _(ACTIONS[int(code)]) if int(code) in ACTIONS else str(code)


def outcome(code: str | None) -> str:
    return _(OUTCOMES[code]) if code in OUTCOMES else ""


def channel(code: str | None) -> str:
    return _(CHANNELS[code]) if code in CHANNELS else (code or "")
