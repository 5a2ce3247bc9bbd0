"""Feedback's kinds, categories and steps in words for people (the portal and the consoles). Marked here,
translated where they are shown."""

from __future__ import annotations

from motcua_platform.i18n import gettext as _


def N_(message: str) -> str:
    return message


KINDS = {"reflection": N_("Feedback (phản ánh)"), "recommendation": N_("Recommendation (kiến nghị)")}
CATEGORIES = {
    "procedure_rules": N_("The rules of a procedure"),
    "conduct": N_("How an officer behaved"),
    "delay": N_("A late or stalled dossier"),
    "other": N_("Something else"),
}
STATUSES = {
    "received": N_("Received, being handled"),
    "info_requested": N_("More information asked of you"),
    "rejected": N_("Not handled"),
    "answered": N_("Answered"),
    "published": N_("Answered and published"),
}


def word(table: dict[str, str], code: str | None) -> str:
    return _(table[code]) if code in table else (code or "")


def options(table: dict[str, str]) -> list[tuple[str, str]]:
    return [(code, _(message)) for code, message in table.items()]
