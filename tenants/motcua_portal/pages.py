"""Every page of the portal (importing a module adds its routes), and what all its templates share."""

from __future__ import annotations

from flask import g
from motcua_onestop.dossiers import labels as status_words
from motcua_platform.tenancy import TenantInfo

from motcua_portal import (  # noqa: F401
    account_pages,
    apply_pages,
    brand,
    catalogue_pages,
    faq_pages,
    feedback_pages,
    labels,
    mine_pages,
    my_account_pages,
    my_documents_pages,
    national_sign_in_pages,
    payment_pages,
    product_pages,
    rating_pages,
    session,
    statistics_pages,
    tracking_pages,
    verify_pages,
)
from motcua_portal.blueprint import portal


@portal.app_context_processor  # also for the home page, which the kernel's "/" renders
def portal_context() -> dict:
    info = g.get("site")
    if not isinstance(info, TenantInfo):
        return {}
    return {
        "brand": info,
        "branding": brand.branding_of(info),
        "logo_src": brand.logo_src(info),
        "citizen": session.signed_in(),
        "LEVELS": labels.LEVELS,
        "ONLINE_MODES": labels.ONLINE_MODES,
        "UNIT_KINDS": labels.UNIT_KINDS,
        "CHANNELS": labels.CHANNELS,
        "OUTCOMES": labels.OUTCOMES,
        "label": labels.label,
        "time_limit": labels.time_limit,
        "procedure_name": labels.procedure_name,
        "status_label": status_words.status,
        "ACTORS": labels.ACTORS,
    }


__all__ = ["portal"]
