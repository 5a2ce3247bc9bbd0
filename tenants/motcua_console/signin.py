"""A console's signed-in account, written once for both consoles: the token the API's login service issued,
kept in the host's cookie session under the console's own keys and checked against the token table on every
request (a logout, expiry, revocation or deactivation elsewhere ends the session here too), and the login
form's handling with the API's lockout and per-address budget. The staff console (``session``) and the
vendor's (``operator.session``) differ only in their keys, their scope and the database session they check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import g, redirect, render_template, request, session
from flask_babel import gettext as _
from motcua_platform.auth import services as auth
from motcua_platform.auth.api import login_policy
from motcua_platform.auth.services import Principal
from motcua_platform.auth.tokens import is_citizen_secret, split_token
from motcua_platform.errors import ServiceError, TooManyAttempts
from motcua_platform.web.ratelimit import count_account_attempt
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class SignIn:
    token_key: str
    scope_key: str
    cache_key: str  # where the request keeps the principal it found (``flask.g``)
    scope: Callable[[], str]  # the token scope this console accepts
    db: Callable[[], Session]  # where its tokens are checked

    def sign_in(self, token: str) -> None:
        session.clear()  # a new session on every sign-in (no fixation)
        session[self.token_key] = token
        session[self.scope_key] = self.scope()

    def sign_out(self) -> str | None:
        """Forget the session; the token's secret it held, for the caller to revoke."""
        secret = self.token()
        session.clear()
        return secret

    def token(self) -> str | None:
        parts = split_token(session.get(self.token_key) or "")
        if parts is None or parts[0] != self.scope() or session.get(self.scope_key) != self.scope():
            return None
        return parts[1]

    def signed_in(self) -> Principal | None:
        """The account of this request, or None (never signed in, signed out, expired, revoked, inactive)."""
        if self.cache_key not in g:
            secret = self.token()
            principal = None
            if secret and not is_citizen_secret(secret):
                principal = auth.authenticate(self.db(), scope=self.scope(), secret=secret)
            if principal is not None:
                g.principal = principal  # what web.principals.current_principal() returns for this request
            setattr(g, self.cache_key, principal)
        return g.get(self.cache_key)

    def had_session(self) -> bool:
        """True when the browser sent a session of this console that is no longer valid."""
        return bool(session.get(self.token_key)) and self.signed_in() is None

    def actor(self):
        principal = self.signed_in()
        assert principal is not None, "only called on pages that require a signed-in account"
        return principal.actor(request.remote_addr)

    def login_form(self, template: str, target: str):
        """The login page (GET) or its answer (POST): errors next to their fields, the e-mail kept (never the
        password); the API's lockout (429 with Retry-After); then on to ``target``."""

        def page(email: str, errors: dict):
            return render_template(template, email=email, next=target, errors=errors)

        if request.method == "GET":
            return redirect(target, 303) if self.signed_in() is not None else page("", {})
        email = (request.form.get("email") or "").strip()[:254]
        password = request.form.get("password") or ""
        errors: dict[str, list[str]] = {}
        if not email:
            errors["email"] = [_("Enter your work e-mail.")]
        if not password:
            errors["password"] = [_("Enter your password.")]
        if errors:
            return page(email, errors), 422
        db = self.db()
        try:
            count_account_attempt()
            token, _expires, _principal = auth.login(
                db,
                email=email,
                password=password[:200],
                scope=self.scope(),
                policy=login_policy(),
                remote_addr=request.remote_addr,
            )
        except TooManyAttempts as error:
            db.commit()  # the failed attempt is counted even though the login fails
            return page(email, {"_": [str(error.message)]}), 429, {"Retry-After": str(error.retry_after)}
        except ServiceError as error:
            db.commit()
            return page(email, {"_": [_("E-mail or password is incorrect.")]}), error.status
        self.sign_in(token)
        return redirect(target, 303)
