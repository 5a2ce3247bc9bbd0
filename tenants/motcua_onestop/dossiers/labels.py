"""The dossier statuses in words for people (the pages of the portal and the consoles): English messages
whose Vietnamese translations, in this package's catalogue, are the official names of
``services.STATUS_NAMES``. Marked here, translated where they are shown."""

from __future__ import annotations

from motcua_platform.i18n import gettext as _


def N_(message: str) -> str:
    return message


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


def status(code: int | None) -> str:
    """The status in the page's language; empty for no status or an unknown one."""
    return _(STATUSES[int(code)]) if code is not None and int(code) in STATUSES else ""
