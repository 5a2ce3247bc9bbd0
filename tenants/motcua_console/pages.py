"""Every page of the consoles (importing a module adds its routes), and what all their templates share."""

from __future__ import annotations

from flask import g
from motcua_onestop.dossiers import labels as status_words
from motcua_platform.tenancy import TenantInfo

from motcua_console import account_pages, labels, officer_pages, session  # noqa: F401
from motcua_console.blueprint import console


@console.context_processor
def console_context() -> dict:
    info = g.get("site")
    return {
        "province": info.display_name if isinstance(info, TenantInfo) else "",
        "staff": session.signed_in(),
        "status_label": status_words.status,
        "action_label": labels.action,
        "outcome_label": labels.outcome,
        "channel_label": labels.channel,
    }


__all__ = ["console"]
