"""Sign-in with national identity on the portal (ADR 0048): the button sends the browser to the province's
OpenID Connect provider, and the provider sends it back to ``/login/national/return`` with a code, which is
exchanged and checked before the citizen's session opens. A sign-in that fails for any reason (forged or
stale state, a token that fails a check, the provider unreachable) leaves nothing but its audit record and
one plain message on the login page; the reason is in the audit log, not shown to the person."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from motcua_onestop.citizens.national_sign_in import accounts, protocol
from motcua_onestop.citizens.national_sign_in import settings as sign_in_settings
from motcua_platform.auth.api import login_policy
from motcua_platform.errors import TooManyAttempts
from motcua_platform.pages.blueprint import safe_next
from motcua_platform.web.context import current_tenant, runtime, tenant_session
from motcua_platform.web.ratelimit import count_account_attempt

from motcua_portal import session
from motcua_portal.blueprint import portal

PENDING_KEY = "national_sign_in"


@portal.app_template_global("national_sign_in_name")
def provider_name() -> str | None:
    """The button's name of the province's provider while sign-in with it is on (else None)."""
    row = sign_in_settings.current(tenant_session())
    return row.display_name if sign_in_settings.client_for(row) is not None else None


def _client():
    client = sign_in_settings.client_for(sign_in_settings.current(tenant_session()), local=runtime().config.testing)
    if client is None:
        abort(404)
    return client


def _return_address() -> str:
    return url_for("site.national_sign_in_return", _external=True)


def _failed(reason: str, message: str | None = None):
    """Back to the login page with one message; the reason kept in the audit log."""
    db = tenant_session()
    db.rollback()  # nothing the failed sign-in wrote stays, but its audit record
    accounts.refused(db, reason, request.remote_addr)
    flash(
        message or _("Signing in with national identity did not succeed. Try again, or log in with your password."),
        "error",
    )
    return redirect(url_for("site.login"), 303)


@portal.get("/login/national")
def national_sign_in():
    client = _client()
    target = safe_next(request.args.get("next"), url_for("site.my_dossiers"))
    try:
        address, pending = protocol.begin(client, _return_address(), target)
    except protocol.SignInRefused as refused:
        return _failed(
            refused.reason,
            _("The national sign-in service cannot be reached now. Try again later, or log in with your password."),
        )
    session.remember(PENDING_KEY, pending.to_session())
    return redirect(address, 303)


@portal.get("/login/national/return")
def national_sign_in_return():
    client = _client()
    pending = protocol.Pending.from_session(session.take(PENDING_KEY))  # one return per sign-in started
    try:
        count_account_attempt()  # the per-address budget of logins: forged returns cost what wrong passwords do
    except TooManyAttempts as error:
        flash(str(error.message), "error")
        return redirect(url_for("site.login"), 303)
    if request.args.get("error"):
        cancelled = request.args["error"] in ("access_denied", "login_required", "consent_required")
        message = _("You cancelled signing in with national identity.") if cancelled else None
        return _failed("provider_error:" + request.args["error"][:40], message)
    try:
        claims = protocol.finish(
            client,
            pending,
            _return_address(),
            state=request.args.get("state", ""),
            code=request.args.get("code", ""),
            clock_skew=runtime().config.oidc_clock_skew_seconds,
        )
        row = sign_in_settings.current(tenant_session())
        signed = accounts.sign_in(
            tenant_session(),
            issuer=client.issuer,
            claims=claims,
            identity_claim=row.identity_claim,
            scope=current_tenant().slug,
            policy=login_policy(),
            remote_addr=request.remote_addr,
        )
    except protocol.SignInRefused as refused:
        if refused.reason == "pending_expired" or refused.reason == "no_pending":
            return _failed(
                refused.reason, _("The sign-in took too long or was started in another window. Start it again.")
            )
        return _failed(refused.reason)
    session.sign_in(signed.token)
    if signed.first_time == "created":
        flash(_("Welcome. An account was made for you from your national identity."), "success")
    elif signed.first_time == "linked":
        flash(_("Your account is now linked to your national identity: sign in with it from now on."), "success")
    else:
        flash(_("You are logged in with your national identity."), "success")
    return redirect(safe_next(pending.next_url, url_for("site.my_dossiers")), 303)
