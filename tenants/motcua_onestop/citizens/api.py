"""Citizen and business accounts on a tenant host: register, log in and out, profile, password.

Citizen tokens (``<slug>.citizen.<secret>``) are accepted only by citizen routes (``current_citizen``);
staff routes refuse them with 403 (``motcua_platform.web.principals.current_principal``), and citizen routes refuse
staff tokens with 403. A token of another tenant is a 403 like everywhere else.

Password recovery (``/password-reset`` and ``/password-reset/confirm``) is open to anyone and counted
against the same per-address budget as logins; see ``motcua_onestop.citizens.recovery``."""

import logging

from flask import g, request
from flask.views import MethodView
from motcua_platform.auth.api import login_policy
from motcua_platform.auth.schemas import TokenSchema
from motcua_platform.auth.tokens import is_citizen_secret
from motcua_platform.errors import Forbidden, ServiceError, Unauthorized
from motcua_platform.i18n import _
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import current_tenant, on_commit, runtime, site_names, tenant_session
from motcua_platform.web.principals import CITIZEN_SCHEME, CITIZEN_SECURITY, bearer_secret, register_authenticator
from motcua_platform.web.ratelimit import count_account_attempt

from motcua_onestop.citizens import recovery, services
from motcua_onestop.citizens.schemas import (
    CitizenAccountSchema,
    CitizenLoginSchema,
    PasswordChangeSchema,
    PasswordResetAcceptedSchema,
    PasswordResetConfirmSchema,
    PasswordResetRequestSchema,
    ProfileUpdateSchema,
    RegistrationSchema,
)
from motcua_onestop.citizens.services import CitizenPrincipal

log = logging.getLogger(__name__)
DRAIN_TASK = "notifications:drain_tenant_notifications"
RESET_ACCEPTED = _(
    "If the login belongs to an account on this portal, a confirmation code has been sent to the account's "
    "e-mail and/or phone; the code is valid for %(minutes)s minutes.",
    minutes=recovery.CODE_MINUTES,
)

blp = Blueprint(
    "account",
    __name__,
    url_prefix="/api/v1/account",
    realm="tenant",
    description="Citizen and business accounts on the province's portal (login by e-mail or mobile number).",
)


def current_citizen() -> CitizenPrincipal:
    """The citizen calling: 401 without a valid citizen token, 403 with a staff token."""
    if "citizen" not in g:
        secret = bearer_secret()
        if secret is None:
            raise Unauthorized(_("Log in with a citizen account first: send 'Authorization: Bearer <token>'."))
        if not is_citizen_secret(secret):
            raise Forbidden(_("This action is for citizen accounts; staff act on dossiers through the officer routes."))
        citizen = services.authenticate(tenant_session(), scope=current_tenant().slug, secret=secret)
        if citizen is None:
            raise Unauthorized(_("The access token is unknown, expired or revoked."))
        g.citizen = citizen
    return g.citizen


register_authenticator(CITIZEN_SCHEME, current_citizen)


def citizen_actor():
    return current_citizen().actor(request.remote_addr)


@blp.route("/register", methods=["POST"])
@blp.arguments(RegistrationSchema)
@blp.response(201, CitizenAccountSchema)
@blp.alt_response(409, description="The e-mail or phone number already has an account on this portal.")
@blp.doc(security=[])
def register(body):
    """Open an account: e-mail and/or Vietnamese mobile number as login, a password, the full name and
    the CCCD number (a business: its tax code). All field errors come at once (422)."""
    count_account_attempt()
    session = tenant_session()
    account = services.register(session, services.Registration(**body), request.remote_addr, site=site_names())
    return account


@blp.route("/login", methods=["POST"])
@blp.arguments(CitizenLoginSchema)
@blp.response(201, TokenSchema)
@blp.doc(security=[])
def login(body):
    """Exchange the e-mail or mobile number and the password for a citizen token valid on this host only.
    After `MOTCUA_LOGIN_MAX_FAILURES` failures in a row from one address, that address is locked out of the
    account for a while, doubling at each further failure (429 with Retry-After); other addresses are not."""
    count_account_attempt()
    session = tenant_session()
    scope = current_tenant().slug
    try:
        token, expires_at, _ = services.login(
            session,
            identifier=body["login"],
            password=body["password"],
            scope=scope,
            policy=login_policy(),
            remote_addr=request.remote_addr,
        )
    except ServiceError:
        session.commit()  # keep the failed-attempt count and its audit record (the error rolls back)
        raise
    return {"token": token, "expires_at": expires_at, "scope": scope}


@blp.route("/logout", methods=["POST"])
@blp.response(204)
@blp.doc(security=CITIZEN_SECURITY)
def logout():
    """Revoke the citizen token used for this request."""
    current_citizen()
    services.logout(tenant_session(), secret=bearer_secret())


@blp.route("")
class Profile(MethodView):
    @blp.response(200, CitizenAccountSchema)
    @blp.doc(security=CITIZEN_SECURITY)
    def get(self):
        """The caller's own profile."""
        return services.get_account(tenant_session(), current_citizen().id)

    @blp.arguments(ProfileUpdateSchema)
    @blp.response(200, CitizenAccountSchema)
    @blp.doc(security=CITIZEN_SECURITY)
    def patch(self, body):
        """Change the name, e-mail, phone, CCCD or tax code (all errors at once; a login already used is 409)."""
        citizen = current_citizen()
        session = tenant_session()
        account = services.update_profile(session, citizen_actor(), services.get_account(session, citizen.id), body)
        return account


@blp.route("/password", methods=["POST"])
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
@blp.doc(security=CITIZEN_SECURITY)
def change_password(body):
    """Replace the password; the account's other tokens are revoked, this one stays valid."""
    citizen = current_citizen()
    session = tenant_session()
    services.change_password(
        session,
        citizen_actor(),
        services.get_account(session, citizen.id),
        current=body["current_password"],
        new=body["new_password"],
        keep_secret=bearer_secret(),
        site=site_names(),
    )


@blp.route("/password-reset", methods=["POST"])
@blp.arguments(PasswordResetRequestSchema)
@blp.response(202, PasswordResetAcceptedSchema)
@blp.doc(security=[])
def request_password_reset(body):
    """Ask for a one-time 6-digit code, sent to the account's own e-mail and/or phone and valid 15 minutes;
    asking again makes earlier codes worthless. The answer is the same whether or not the login has an
    account (and when an account has had 3 codes in the hour, in which case nothing is sent)."""
    count_account_attempt()
    session = tenant_session()
    slug = current_tenant().slug
    recovery.request_reset(
        session,
        tenant_slug=slug,
        locale=current_tenant().locale,
        identifier=body["login"],
        key=runtime().config.secret_key,
        remote_addr=request.remote_addr,
    )
    drain_after_commit(slug)
    return {"message": RESET_ACCEPTED}


def drain_after_commit(slug: str) -> None:
    """Ask for the tenant's notification drain once the request commits (so the drain finds the code).
    Callers ask on every reset request, not only when a code was queued, so the answer takes as long
    either way."""
    jobs = runtime().jobs

    def drain_soon() -> None:
        try:
            # one waiting drain per tenant is enough, however many requests arrive before a worker takes it
            jobs.defer(DRAIN_TASK, queueing_lock=f"drain_notifications:{slug}", tenant=slug)
        except Exception:
            log.exception("deferring the notification drain of %s failed; the periodic drain will send the code", slug)

    on_commit(drain_soon)


@blp.route("/password-reset/confirm", methods=["POST"])
@blp.arguments(PasswordResetConfirmSchema)
@blp.response(204)
@blp.doc(security=[])
def confirm_password_reset(body):
    """Set a new password with the code: every session of the account ends and its lockout is cleared.
    A wrong, expired, used or superseded code, or an unknown login, is the same 422; 5 wrong codes end the
    code. Password-policy errors are reported on `new_password` and spend nothing."""
    count_account_attempt()
    session = tenant_session()
    try:
        recovery.confirm_reset(
            session,
            tenant_slug=current_tenant().slug,
            locale=current_tenant().locale,
            timezone=current_tenant().timezone,
            identifier=body["login"],
            code=body["code"],
            new_password=body["new_password"],
            key=runtime().config.secret_key,
            site=site_names(),
            remote_addr=request.remote_addr,
        )
    except ServiceError:
        session.commit()  # keep the wrong-code count, which the error's rollback would undo
        raise
