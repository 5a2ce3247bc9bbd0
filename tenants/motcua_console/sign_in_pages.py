"""The province's sign-in with national identity (ADR 0048): its OpenID Connect provider, set by a tenant
admin of the province with the same service, rule and audit record as ``PUT /api/v1/identity-provider``.
The client secret is never shown back: left empty, the one stored is kept."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.citizens.national_sign_in import settings
from motcua_platform.errors import InvalidInput
from motcua_platform.web.context import runtime, tenant_session

from motcua_console import session
from motcua_console.blueprint import console
from motcua_console.config_access import province_admin_required

TEXT_FIELDS = ("display_name", "issuer", "client_id", "scopes", "identity_claim")


def _page(values: dict, errors: dict | None = None, status: int = 200):
    shown = settings.describe(settings.current(tenant_session()))
    return_address = url_for("site.national_sign_in_return", _external=True)
    page = render_template(
        "console/config/sign_in.html", values=values, errors=errors or {}, shown=shown, return_address=return_address
    )
    return page, status


@console.get("/sign-in")
@province_admin_required
def sign_in_settings():
    shown = settings.describe(settings.current(tenant_session()))
    return _page({name: shown[name] or "" for name in TEXT_FIELDS} | {"enabled": shown["enabled"]})


@console.post("/sign-in")
@province_admin_required
def sign_in_settings_save():
    values = {name: (request.form.get(name) or "").strip()[:500] for name in TEXT_FIELDS}
    values["enabled"] = request.form.get("enabled") == "1"
    secret = request.form.get("client_secret") or None
    try:
        settings.change(
            tenant_session(),
            session.actor(),
            enabled=values["enabled"],
            display_name=values["display_name"],
            issuer=values["issuer"] or None,
            client_id=values["client_id"] or None,
            client_secret=secret[:500] if secret else None,
            scopes=values["scopes"],
            identity_claim=values["identity_claim"],
            local=runtime().config.testing,
        )
    except InvalidInput as error:
        errors = {name: [str(m) for m in messages] for name, messages in error.errors.items()}
        return _page(values, errors, 422)
    flash(_("The sign-in settings are saved."), "success")
    return redirect(url_for("console.sign_in_settings"), 303)
