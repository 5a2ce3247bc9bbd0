"""Sign-in with national identity on the portal (ADR 0048): the button sends the browser to the province's
OpenID Connect provider, and the provider sends it back to ``/login/national/return`` with a code, which is
exchanged and checked before the citizen's session opens. A sign-in that fails for any reason (forged or
stale state, a token that fails a check, the provider unreachable) leaves nothing but its audit record and
one plain message on the login page; the reason is in the audit log, not shown to the person."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
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
ERROR_CODE = re.compile(r"[a-z_]{1,40}")  # an OAuth error code (RFC 6749 §4.1.2.1); anything else is "other"


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


def _failed(reason: str, detail: str = "", message: str | None = None, back: str = "site.login"):
    """Back to the login page (or the account page) with one message; the reason kept in the audit log."""
    db = tenant_session()
    db.rollback()  # nothing the failed sign-in wrote stays, but its audit record
    accounts.refused(db, reason, detail, request.remote_addr)
    flash(
        message or _("Signing in with national identity did not succeed. Try again, or log in with your password."),
        "error",
    )
    return redirect(url_for(back), 303)


MESSAGES = {
    "no_pending": lazy_gettext("The sign-in took too long or was started in another window. Start it again."),
    "pending_expired": lazy_gettext("The sign-in took too long or was started in another window. Start it again."),
    "identity_linked_elsewhere": lazy_gettext(
        "This national identity is already linked to another account of this portal."
    ),
    "link_number_differs": lazy_gettext(
        "The identity number of your account is not the one your national identity gives: it was not linked."
    ),
    "account_inactive": lazy_gettext("This account is closed. Contact the province's one-stop shop."),
}
UNREACHABLE = lazy_gettext(
    "The national sign-in service cannot be reached now. Try again later, or log in with your password."
)
NEXT_MAX = 500  # characters of the page to come back to: the session cookie must stay under 4 KB


@portal.get("/login/national")
def national_sign_in():
    """Start a sign-in; a citizen already signed in (with a password) starts the linking of their account."""
    client = _client()
    target = safe_next(request.args.get("next"), url_for("site.my_dossiers"))
    target = target if len(target) <= NEXT_MAX else url_for("site.my_dossiers")
    signed_in = session.signed_in()
    try:
        count_account_attempt()  # each start calls the provider: the per-address budget of logins
    except TooManyAttempts as error:
        flash(str(error.message), "error")
        return redirect(url_for("site.login"), 303)
    slug = current_tenant().slug
    tenant_session().rollback()  # no transaction held while the provider is called
    try:
        address, pending = protocol.begin(
            client, slug, _return_address(), target, link_to=signed_in.id if signed_in else None
        )
    except protocol.SignInRefused as refused:
        return _failed(refused.reason, refused.detail, str(UNREACHABLE))
    session.remember(PENDING_KEY, pending.to_session())
    return redirect(address, 303)


@portal.get("/login/national/return")
def national_sign_in_return():
    client = _client()
    slug = current_tenant().slug
    kept = protocol.Pending.from_session(session.take(PENDING_KEY))  # one return per sign-in started
    try:
        count_account_attempt()  # the per-address budget of logins: forged returns cost what wrong passwords do
    except TooManyAttempts as error:
        flash(str(error.message), "error")
        return redirect(url_for("site.login"), 303)
    try:
        pending = protocol.check_return(client, slug, kept, request.args.get("state", ""))
    except protocol.SignInRefused as refused:
        return _failed(
            refused.reason, refused.detail, str(MESSAGES[refused.reason]) if refused.reason in MESSAGES else None
        )
    back = "site.profile" if pending.link_to else "site.login"
    error = request.args.get("error")
    if error:
        code = error if ERROR_CODE.fullmatch(error) else "other"
        cancelled = code in ("access_denied", "login_required", "consent_required")
        message = str(_("You cancelled signing in with national identity.")) if cancelled else None
        return _failed("provider_error:" + code, "", message, back)
    row = sign_in_settings.current(tenant_session())
    identity_claim = row.identity_claim
    tenant_session().rollback()  # no transaction held while the provider is called
    try:
        claims = protocol.finish(
            client,
            pending,
            _return_address(),
            code=request.args.get("code", ""),
            needed=(identity_claim,),
            clock_skew=runtime().config.oidc_clock_skew_seconds,
        )
        signed = accounts.sign_in(
            tenant_session(),
            issuer=client.issuer,
            claims=claims,
            identity_claim=identity_claim,
            scope=slug,
            policy=login_policy(),
            remote_addr=request.remote_addr,
            link_to=pending.link_to,
        )
    except protocol.SignInRefused as refused:
        message = MESSAGES.get(refused.reason)
        return _failed(refused.reason, refused.detail, str(message) if message else None, back)
    session.sign_in(signed.token)
    if signed.first_time == "created":
        flash(_("Welcome. An account was made for you from your national identity."), "success")
        if signed.unlinked_account:
            flash(
                _(
                    "An account registered with a password gives the same identity number. If it is yours, log in "
                    "with its password and link it from its account page: its dossiers are kept there."
                ),
                "warning",
            )
    elif signed.first_time == "linked":
        flash(_("Your account is now linked to your national identity: you can log in with it from now on."), "success")
    else:
        flash(_("You are logged in with your national identity."), "success")
    return redirect(safe_next(pending.next_url, url_for("site.my_dossiers")), 303)
