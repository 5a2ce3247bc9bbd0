"""Every page of the consoles (importing a module adds its routes), and what all their templates share."""

from __future__ import annotations

from flask import g
from motcua_onestop.dossiers import labels as status_words
from motcua_platform.tenancy import TenantInfo

import motcua_console.administration
import motcua_console.finance_pages  # noqa: F401 - its pages and the nav's Finance link
from motcua_console import (  # noqa: F401
    account_pages,
    branding_pages,
    calendar_pages,
    catalogue_pages,
    comment_pages,
    document_pages,
    extension_pages,
    faq_pages,
    feedback_pages,
    intake_pages,
    labels,
    officer_pages,
    payment_pages,
    plugin_pages,
    print_pages,
    rating_pages,
    session,
    sign_in_pages,
    signature_pages,
    signing_certificate_pages,
    statistics_pages,
    step_pages,
)
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
        "role_label": labels.role,
        "history_label": labels.history_entry,
    }


__all__ = ["console"]
